"""The workspace database cache: reused by content, and never fatal when damaged, locked or full."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.seals import remove_seals

KEY = signer()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(40)]
    return write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[16, 32], key=KEY)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Treat every workspace as large, with the cache in a folder of this test."""
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(folder))
    return folder / "workspaces"


def _databases(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.duckdb"))


def test_small_workspaces_stay_in_memory(bundle: Path, tmp_path: Path) -> None:
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.duckdb"))


def test_large_workspace_database_is_reused_for_the_same_content(bundle: Path, on_disk: Path) -> None:
    with load([bundle], [KEY.verifier]) as first:
        assert first.report.verified_entries == 32
        assert first.notices == []
    [database] = _databases(on_disk)
    built = database.stat().st_mtime_ns
    with load([bundle], []) as second:  # other trust: states must follow this run's report
        assert second.store.total_count() == 40
        assert second.report.verified_entries == 0
        view = second.store.create_view()
        states = set(second.store.window(view, 0, 40, columns=["state"]).column("state").to_pylist())
        assert states == {"unverified"}
    assert _databases(on_disk) == [database]
    assert database.stat().st_mtime_ns >= built


def test_other_content_gets_another_database(bundle: Path, on_disk: Path, tmp_path: Path) -> None:
    other = write_bundle(tmp_path / "other", [make_entry(i) for i in range(10)], checkpoint_sizes=[10], key=KEY)
    with load([bundle], [KEY.verifier]):
        pass
    with load([other], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 10
    assert len(_databases(on_disk)) == 2


def test_damaged_database_is_set_aside_and_rebuilt(bundle: Path, on_disk: Path) -> None:
    with load([bundle], [KEY.verifier]):
        pass
    [database] = _databases(on_disk)
    database.write_bytes(b"this is not a database" * 100)
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40
        assert any("set aside" in n for n in loaded.notices)
    assert list(on_disk.glob("*.damaged-*"))


def test_truncated_database_is_rebuilt(bundle: Path, on_disk: Path) -> None:
    with load([bundle], [KEY.verifier]):
        pass
    [database] = _databases(on_disk)
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40
        assert loaded.report.verified_entries == 32


def test_incomplete_or_old_format_database_is_rebuilt(bundle: Path, on_disk: Path) -> None:
    with load([bundle], [KEY.verifier]):
        pass
    [database] = _databases(on_disk)
    import duckdb

    con = duckdb.connect(str(database))
    con.execute("UPDATE auditviewer_meta SET format = format + 1")
    con.close()
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40
        assert loaded.notices


def test_database_locked_by_another_process_is_left_alone(bundle: Path, on_disk: Path) -> None:
    with load([bundle], [KEY.verifier]):
        pass
    [database] = _databases(on_disk)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(database)!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with load([bundle], [KEY.verifier]) as loaded:
            assert loaded.store.total_count() == 40
            assert loaded.report.verified_entries == 32
            assert any("another window or process" in n for n in loaded.notices)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert database.exists()


def test_full_disk_while_loading_falls_back_to_memory(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_append = Store.append
    failed: list[bool] = []

    def append(self: Store, batch: object) -> None:
        if not failed and self._con is not None and ":memory:" not in repr(self):
            databases = _databases(on_disk)
            if databases:
                failed.append(True)
                raise StoreError("IO Error: No space left on device")
        real_append(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "append", append)
    with load([bundle], [KEY.verifier]) as loaded:
        assert failed == [True]
        assert loaded.store.total_count() == 40
        assert loaded.report.verified_entries == 32
        assert any("kept in memory" in n for n in loaded.notices)
        assert [f.kind for f in loaded.report.findings].count("unsigned_tail") == 1
    assert _databases(on_disk) == []


def test_unusable_cache_folder_falls_back_to_memory(bundle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(blocker))
    started = time.monotonic()
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40
        assert any("kept in memory" in n for n in loaded.notices)
    assert time.monotonic() - started < 30


def test_file_backed_store_caps_duckdb_memory(tmp_path: Path) -> None:
    # Without a cap DuckDB may take 80% of the machine for a large workspace.
    with Store(database=tmp_path / "w.duckdb") as store:
        limit = store._con.execute("SELECT current_setting('memory_limit')").fetchone()
    # 512 MiB (large entries raise it: tests/unit/store/test_ingest_memory.py).
    assert limit is not None and limit[0] == "512.0 MiB"


def test_a_reused_database_is_read_for_its_proof_on_a_thread_while_verifying(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's half of the proof needs nothing from this run: it runs beside verification."""
    with load([bundle], [KEY.verifier]):
        pass
    assert remove_seals(on_disk)  # unsealed: reused only after the full proof
    threads: list[str] = []
    real = workspace_cache.read_stored

    def recording(store: Store) -> workspace_cache.StoredRows:
        threads.append(threading.current_thread().name)
        return real(store)

    monkeypatch.setattr(workspace_cache, "read_stored", recording)
    with load([bundle], [KEY.verifier]) as again:
        assert again.notices == []  # reused, proven
        assert again.report.verified_entries == 32
    assert threads == ["auditviewer-cache-proof"]


def test_a_proof_that_fails_on_its_thread_rebuilds_the_database(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with load([bundle], [KEY.verifier]):
        pass
    assert remove_seals(on_disk)

    def failing(store: Store) -> workspace_cache.StoredRows:
        raise StoreError("disk read error")

    monkeypatch.setattr(workspace_cache, "read_stored", failing)
    with load([bundle], [KEY.verifier]) as again:
        assert any("disk read error" in notice and "rebuilt" in notice for notice in again.notices)
        assert again.store.total_count() == 40
        assert again.report.verified_entries == 32


def test_the_row_digest_ignores_batch_cuts_and_sees_every_value() -> None:
    import pyarrow as pa

    rows = 10
    seq = pa.array(range(rows), pa.int64())
    hashes = pa.array([bytes([i]) * 32 for i in range(rows)], pa.binary(32))
    line = pa.array([i + 1 for i in range(rows)], pa.int64())
    file = pa.array([0] * 5 + [1] * 5, pa.int32())

    def digest(*columns: pa.Array, cuts: tuple[int, ...] = ()) -> bytes:
        made = workspace_cache._RowDigest()
        bounds = [0, *cuts, rows]
        for low, high in itertools.pairwise(bounds):
            made.add(*(column.slice(low, high - low) for column in columns))
        return made.value()

    whole = digest(seq, hashes, line, file)
    assert digest(seq, hashes, line, file, cuts=(3,)) == whole
    assert digest(seq, hashes, line, file, cuts=(1, 2, 7)) == whole
    changed_hash = pa.array([bytes([i]) * 32 for i in range(rows - 1)] + [b"\xff" * 32], pa.binary(32))
    no_line = pa.array([None] + [i + 1 for i in range(1, rows)], pa.int64())
    assert len({
        whole,
        digest(pa.array([1, 0, *range(2, rows)], pa.int64()), hashes, line, file),  # two rows swapped
        digest(seq, changed_hash, line, file),
        digest(seq, hashes, no_line, file),
        digest(seq, hashes, line, pa.array([0] * 6 + [1] * 4, pa.int32())),
        # A missing line is not the value it is digested as.
        digest(seq, hashes, pa.array([-(2**63)] + [i + 1 for i in range(1, rows)], pa.int64()), file),
    }) == 6


@pytest.mark.parametrize(("fmt", "per_byte"), [("jsonl", 0.25), ("parquet", 1.25)])
def test_a_new_database_is_expected_at_its_measured_size(
    fmt: str, per_byte: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estimate (free space, the cache's limit) follows what a database takes now: a
    quarter of uncompressed JSON lines, 1.25 times a compressed file, at least 1 MiB
    (it was twice the input, whatever the input); and a database built stays within it."""
    from auditviewer.demo.writer import write_sample_bundle
    from auditviewer.workspace.inputs import open_workspace

    bundle = tmp_path / fmt
    write_sample_bundle(bundle, entries=4000, seed=3, fmt=fmt)
    workspace = open_workspace([bundle])
    try:
        size = workspace.total_bytes
        expected = workspace_cache.expected_database_bytes(workspace)
    finally:
        workspace.close()
    assert expected == int(workspace_cache.DATABASE_FLOOR_BYTES + per_byte * size)
    database = tmp_path / "built.duckdb"
    with load([bundle], [], database=database) as loaded:
        assert loaded.store.total_count() == 4000
    built = sum(path.stat().st_size for path in tmp_path.glob("built.duckdb*"))
    assert built <= expected
