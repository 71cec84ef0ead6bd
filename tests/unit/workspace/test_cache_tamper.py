"""Issue 11.2: a reused workspace database proves its rows before any is shown.

Every test builds a bundle, loads it once (the database is cached), edits the
cached ``.duckdb`` file the way an attacker with write access to the cache
folder could, and loads again: no edited row may show (as verified or at
all), nothing may be missing, and the file is set aside and rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
ROWS = 40
VERIFIED = 32


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(ROWS)]
    return write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[16, VERIFIED], key=KEY)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(folder))
    return folder / "workspaces"


def _cached(bundle: Path, on_disk: Path) -> Path:
    with load([bundle], [KEY.verifier]) as first:
        assert first.report.verified_entries == VERIFIED
    [database] = sorted(on_disk.glob("*.duckdb"))
    return database


def _edit(database: Path, *statements: str) -> None:
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _forged_leaf(seq: int) -> str:
    entry = json.loads(make_entry(seq))
    entry["actor"]["email"] = "mallory@evil.example"
    entry["action"] = "Delete"
    return json.dumps(entry)


EDITS: dict[str, Callable[[], tuple[str, ...]]] = {
    "rewrite one row's text and actor": lambda: (
        f"UPDATE entries SET leaf = '{_forged_leaf(3)}', actor_email = 'mallory@evil.example', "
        "action = 'Delete' WHERE seq = 3",
    ),
    "delete a row": lambda: (
        "DELETE FROM entries WHERE seq = 5",
        "UPDATE entries SET rid = rid - 1 WHERE seq > 5",
        "UPDATE auditviewer_meta SET rows = rows - 1",
    ),
    "insert a row": lambda: (
        f"INSERT INTO entries (seq, leaf, actor_email, action, state, rid) "
        f"VALUES (7, '{_forged_leaf(7)}', 'mallory@evil.example', 'Delete', 'verified', {ROWS})",
        "UPDATE auditviewer_meta SET rows = rows + 1",
    ),
    "change a stored display column": lambda: (
        "UPDATE entries SET actor_email = 'mallory@evil.example' WHERE seq = 3",
    ),
    "change a state": lambda: ("UPDATE entries SET state = 'verified' WHERE seq = 38",),
    "change a line": lambda: ("UPDATE entries SET line = 99 WHERE seq = 3",),
    "plant a macro": lambda: ("CREATE MACRO lower(x) AS 'mallory'",),
    "plant a view": lambda: ("CREATE VIEW extra AS SELECT 1",),
    "shuffle rids": lambda: (
        "UPDATE entries SET rid = CASE WHEN seq = 1 THEN 2 WHEN seq = 2 THEN 1 ELSE rid END",
    ),
}

STATES_ONLY = {"change a state"}


def _assert_genuine(loaded_store: object, report: object) -> None:
    from auditviewer.store.store import Store

    assert isinstance(loaded_store, Store)
    view = loaded_store.create_view()
    table = loaded_store.window(view, 0, ROWS + 5, columns=["seq", "actor_email", "action", "state", "leaf", "line"])
    rows = table.to_pylist()
    assert [row["seq"] for row in rows] == list(range(ROWS))  # nothing omitted, nothing added
    for row in rows:
        assert "mallory" not in (row["actor_email"] or "") and "mallory" not in row["leaf"]
        assert row["action"] == "Update"
        assert row["leaf"] == make_entry(row["seq"]).decode()
        assert row["line"] == row["seq"] + 1
        assert row["state"] == ("verified" if row["seq"] < VERIFIED else "unverified")


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_cache_is_rebuilt_and_never_shown(bundle: Path, on_disk: Path, edit: str) -> None:
    database = _cached(bundle, on_disk)
    _edit(database, *EDITS[edit]())
    with load([bundle], [KEY.verifier]) as loaded:
        _assert_genuine(loaded.store, loaded.report)
        if edit in STATES_ONLY:  # states are not evidence: cleared, then set from this run's report
            return
        assert any("did not match the files" in notice for notice in loaded.notices), loaded.notices
    assert list(on_disk.glob("*.damaged-*"))  # the edited file is kept aside, not reused
    with load([bundle], [KEY.verifier]) as again:  # the rebuilt file is reused and proven
        _assert_genuine(again.store, again.report)
        assert again.notices == []


def test_untouched_cache_is_reused_without_notice(bundle: Path, on_disk: Path) -> None:
    _cached(bundle, on_disk)
    with load([bundle], [KEY.verifier]) as loaded:
        _assert_genuine(loaded.store, loaded.report)
        assert loaded.notices == []
    assert not list(on_disk.glob("*.damaged-*"))


def test_cache_with_duplicates_across_files_is_proven(on_disk: Path, tmp_path: Path) -> None:
    """Overlapping bundles fold duplicates and reorder: the proof follows the same rule."""
    leaves = [make_entry(i) for i in range(ROWS)]
    first = write_bundle(tmp_path / "a", leaves[:30], checkpoint_sizes=[16], key=KEY)
    second = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[VERIFIED], key=KEY)
    with load([second, first], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == ROWS
    with load([second, first], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == ROWS
        assert loaded.notices == []


def test_the_same_content_opened_from_another_folder_is_reused_with_its_new_labels(
    bundle: Path, on_disk: Path, tmp_path: Path
) -> None:
    import shutil

    _cached(bundle, on_disk)
    moved = tmp_path / "elsewhere" / "bundle"
    shutil.copytree(bundle, moved)
    with load([moved], [KEY.verifier]) as loaded:
        assert loaded.notices == []  # reused, not rebuilt
        _assert_genuine(loaded.store, loaded.report)
        view = loaded.store.create_view()
        sources = set(loaded.store.window(view, 0, ROWS, columns=["source"]).column("source").to_pylist())
        assert sources == {str(moved / "entries" / "part-00000.jsonl")}
    assert not list(on_disk.glob("*.damaged-*"))


def test_listed_entry_files_count_in_the_key_by_their_manifest_hash(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verification pass hashes entry files anyway: the key does not read them again."""
    from auditviewer.input.containers import Container
    from auditviewer.workspace.inputs import open_workspace

    opened: list[str] = []
    workspace = open_workspace([bundle])
    kind = type(workspace.containers[0])
    real_open_raw = kind.open_raw

    def spy(self: Container, name: str) -> object:
        opened.append(name)
        return real_open_raw(self, name)

    try:
        monkeypatch.setattr(kind, "open_raw", spy)
        key = workspace_cache.content_key(workspace)
    finally:
        workspace.close()
    assert "entries/part-00000.jsonl" not in opened
    assert "checkpoints.jsonl" in opened  # files the pass does not hash are hashed here
    assert len(key) == 64


def test_entry_file_edited_behind_its_manifest_fails_the_proof(bundle: Path, on_disk: Path) -> None:
    """Same size, same manifest, so the same key: the cached rows are not the file's
    any more, the proof says so, and the rows shown are the file's as read now."""
    _cached(bundle, on_disk)
    entries = bundle / "entries" / "part-00000.jsonl"
    data = entries.read_bytes()
    edited = data.replace(b'"Update"', b'"Updatf"', 1)
    assert edited != data and len(edited) == len(data)
    entries.write_bytes(edited)
    with load([bundle], [KEY.verifier]) as loaded:
        assert any("did not match the files" in notice for notice in loaded.notices), loaded.notices
        assert any(finding.kind == "file_hash_mismatch" for finding in loaded.report.findings), [
            finding.kind for finding in loaded.report.findings
        ]
        view = loaded.store.create_view()
        actions = loaded.store.window(view, 0, ROWS, columns=["action"]).column("action").to_pylist()
        assert actions.count("Updatf") == 1
