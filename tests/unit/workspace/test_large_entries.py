"""Issue 11.11: what verify accepts opens and queries under the store's memory cap; nothing partial stays.

The original case (320 entries of ~880 KB under a 1.5 GB cap) is reproduced
smaller: 48 entries of ~840 KB under a 160 MB cap, 192 MB once large entries
are seen (the same DuckDB failure before the fix: one INSERT parsing every
entry at once).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store import connection as connection_module
from auditviewer.store import ingest as ingest_module
from auditviewer.store.store import Filter, Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
ENTRIES = 48


def _large_entry(seq: int) -> bytes:
    metadata = {f"key_{index:05d}": "v" * 80 for index in range(9_000)}
    return make_entry(seq, metadata=metadata)


@pytest.fixture
def large_bundle(tmp_path: Path) -> Path:
    leaves = [_large_entry(i) for i in range(ENTRIES)]
    assert 800_000 < len(leaves[0]) < 1 << 20  # under max_entry_bytes: verify accepts it
    return write_bundle(tmp_path / "big", leaves, checkpoint_sizes=[ENTRIES], key=KEY)


@pytest.fixture
def capped_file_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(connection_module, "_FILE_STORE_MEMORY_LIMIT", 160 * connection_module.MiB)
    monkeypatch.setattr(ingest_module, "_LARGE_ENTRY_MEMORY_LIMIT", 192 * connection_module.MiB)
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(folder))
    return folder / "workspaces"


def test_large_entries_open_and_query_in_the_capped_file_store(large_bundle: Path, capped_file_store: Path) -> None:
    with load([large_bundle], [KEY.verifier]) as loaded:
        assert loaded.notices == []  # no fall-back to memory: the file store coped
        assert loaded.report.verified_entries == ENTRIES
        view = loaded.store.create_view(Filter(query="key_08999 actor:user1@*"))
        assert loaded.store.count(view) == len([i for i in range(ENTRIES) if i % 5 == 1])
        row = loaded.store.entry(7)
        assert row is not None and json.loads(row["leaf"])["seq"] == 7
    assert len(list(capped_file_store.glob("*.duckdb"))) == 1
    with load([large_bundle], [KEY.verifier]) as again:  # complete, so reused (and proven)
        assert again.notices == [] and again.store.total_count() == ENTRIES
        # The entries read (not stored: the file is reused) raised the limit too.
        assert again.store._memory_limit == ingest_module._LARGE_ENTRY_MEMORY_LIMIT


def test_nothing_partial_remains_when_loading_fails(
    large_bundle: Path, capped_file_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Store, *, key: str) -> None:
        raise StoreError("cannot record the workspace database as complete: disk I/O error")

    monkeypatch.setattr(Store, "mark_complete", fail)
    with pytest.raises(StoreError):
        load([large_bundle], [KEY.verifier])
    assert [p.name for p in capped_file_store.iterdir()] == []


def test_an_edited_display_column_of_a_large_entry_is_caught_on_reuse(
    large_bundle: Path, capped_file_store: Path
) -> None:
    import duckdb

    with load([large_bundle], [KEY.verifier]):
        pass
    [database] = sorted(capped_file_store.glob("*.duckdb"))
    con = duckdb.connect(str(database))
    con.execute("UPDATE entries SET actor_email = 'mallory@evil.example' WHERE seq = 40")
    con.execute("CHECKPOINT")
    con.close()
    with load([large_bundle], [KEY.verifier]) as loaded:
        assert any("display columns" in notice for notice in loaded.notices), loaded.notices
        row = loaded.store.entry(40)
        assert row is not None and row["actor_email"] == "user0@example.com"


def test_a_loaded_database_file_releases_duckdbs_memory_before_lock_down(
    large_bundle: Path, capped_file_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB keeps the blocks it wrote (about the entry text's size) until told to drop
    them; once locked down its limit can no longer be changed, so the load does it first."""
    calls: list[tuple[str, bool]] = []
    release, lock_down = Store.release_memory, Store.lock_down

    def spy_release(self: Store) -> None:
        calls.append(("release", self.locked))
        release(self)

    def spy_lock_down(self: Store) -> None:
        calls.append(("lock_down", self.locked))
        lock_down(self)

    monkeypatch.setattr(Store, "release_memory", spy_release)
    monkeypatch.setattr(Store, "lock_down", spy_lock_down)
    with load([large_bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == ENTRIES
    assert calls == [("release", False), ("lock_down", False)]
