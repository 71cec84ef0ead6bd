"""Fuzz target for the workspace cache (issue 11.2): random edits to a reused database.

A bundle is loaded once into a cached database file, kept pristine; each
example copies it back, applies random edits (any column of any row set to
another row's value, to a forged one or to NULL, rows deleted or inserted, rids
swapped, states changed) and loads the same bundle again. Property: every
row shown is a genuine entry with the columns its own text gives, no entry
is missing, and a row shows as verified only when its bytes were.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from tests.fuzz.profiles import FUZZ_HEAVY
from tests.fuzz.targets import bounded
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer(b"cache-fuzz")
ROWS = 12
VERIFIED = 8
_COLUMNS = ["seq", "leaf", "id", "actor_email", "action", "category", "resource_id", "title_id", "source", "line", "rid", "state"]
_FORGED = {
    "seq": "3",
    "leaf": "'" + json.dumps({**json.loads(make_entry(2)), "action": "Delete"}) + "'",
    "id": "'evt_forged'",
    "actor_email": "'mallory@evil.example'",
    "action": "'Delete'",
    "category": "NULL",
    "resource_id": "'dep_evil'",
    "title_id": "NULL",
    "source": "'elsewhere.jsonl'",
    "line": "999",
    "rid": "0",
    "state": "'verified'",
}

_edits = st.lists(
    st.one_of(
        st.tuples(
            st.just("set"),
            st.integers(0, ROWS - 1),
            st.sampled_from(_COLUMNS),
            st.integers(0, ROWS - 1),
            st.sampled_from(("other", "forged", "null")),
        ),
        st.tuples(st.just("delete"), st.integers(0, ROWS - 1)),
        st.tuples(st.just("insert"), st.integers(0, ROWS - 1)),
    ),
    min_size=1,
    max_size=4,
)


class _Cache:
    """The bundle and a pristine copy of its cached database (built once)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cache-fuzz-"))
        self.bundle = write_bundle(self.root / "bundle", [make_entry(i) for i in range(ROWS)], checkpoint_sizes=[VERIFIED], key=KEY)
        self.folder = self.root / "cache"
        with self.environment(), load([self.bundle], [KEY.verifier]):
            pass
        [self.database] = sorted((self.folder / "workspaces").glob("*.duckdb"))
        self.pristine = self.root / "pristine.duckdb"
        shutil.copyfile(self.database, self.pristine)

    def environment(self) -> Any:
        import contextlib

        @contextlib.contextmanager
        def patched() -> Any:
            saved_bytes, saved_env = workspace_cache.ON_DISK_BYTES, os.environ.get("AUDITVIEWER_CACHE_DIR")
            workspace_cache.ON_DISK_BYTES = 0
            os.environ["AUDITVIEWER_CACHE_DIR"] = str(self.folder)
            try:
                yield
            finally:
                workspace_cache.ON_DISK_BYTES = saved_bytes
                if saved_env is None:
                    os.environ.pop("AUDITVIEWER_CACHE_DIR", None)
                else:
                    os.environ["AUDITVIEWER_CACHE_DIR"] = saved_env

        return patched()


_CACHE: list[_Cache] = []


def _cache() -> _Cache:
    if not _CACHE:
        _CACHE.append(_Cache())
    return _CACHE[0]


def _apply(database: Path, edits: list[tuple[Any, ...]]) -> None:
    con = duckdb.connect(str(database))
    try:
        for edit in edits:
            if edit[0] == "set":
                _, seq, column, other, how = edit
                value = {
                    "forged": _FORGED[column],
                    "null": "NULL",  # refused by NOT NULL columns; a line or a file made missing
                    "other": f"(SELECT {column} FROM entries WHERE seq = {other} LIMIT 1)",
                }[how]
                con.execute(f"UPDATE entries SET {column} = {value} WHERE seq = {seq}")
            elif edit[0] == "delete":
                con.execute(f"DELETE FROM entries WHERE seq = {edit[1]}")
            else:
                con.execute(
                    "INSERT INTO entries SELECT * EXCLUDE (metadata) REPLACE ('verified' AS state, "
                    f"(SELECT max(rid) + 1 FROM entries) AS rid) FROM entries WHERE seq = {edit[1]}"
                )
        con.execute("UPDATE auditviewer_meta SET rows = (SELECT count(*) FROM entries)")
        con.execute("CHECKPOINT")
    except duckdb.Error:
        pass  # an edit the schema refuses (NOT NULL, a type): the others stand
    finally:
        con.close()


@FUZZ_HEAVY
@given(edits=_edits)
def test_edited_cache_never_shows_an_edited_row(edits: list[tuple[Any, ...]]) -> None:
    cache = _cache()
    for stale in cache.database.parent.iterdir():
        stale.unlink()
    shutil.copyfile(cache.pristine, cache.database)
    _apply(cache.database, edits)
    with bounded(memory=None), cache.environment(), load([cache.bundle], [KEY.verifier]) as loaded:
        store = loaded.store
        view = store.create_view()
        rows = store.window(view, 0, ROWS + 10, columns=["seq", "leaf", "id", "actor_email", "action", "line", "state"]).to_pylist()
    assert [row["seq"] for row in rows] == list(range(ROWS))
    for row in rows:
        genuine = json.loads(make_entry(row["seq"]))
        assert row["leaf"] == make_entry(row["seq"]).decode()
        assert (row["id"], row["actor_email"], row["action"]) == (genuine["id"], genuine["actor"]["email"], genuine["action"])
        assert row["line"] == row["seq"] + 1
        assert row["state"] == ("verified" if row["seq"] < VERIFIED else "unverified")
