"""The cache folder: its limit, eviction order, locks, and cleanup after faults (small files only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import cache_folder
from auditviewer.workspace.cache_folder import CacheError, DatabaseRecord, ExportRecord, listing
from auditviewer.workspace.cache_folder.records import now_ms
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    where = cache_folder.folder()
    where.mkdir(parents=True)
    return where


def _fake(where: Path, name: str, size: int, last_opened_ms: int, export: str = "/exports/a.zip") -> Path:
    """A database-shaped file of ``size`` bytes with its record (eviction looks at names and sizes only)."""
    path = where / f"workspace-{name}.duckdb"
    path.write_bytes(b"\0" * size)
    record = DatabaseRecord(name, [ExportRecord(export, 10, 1)], last_opened_ms, last_opened_ms)
    cache_folder.write_record(path, record)
    return path


def _names(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir())


# -- sizes and the limit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("4096", 4096), ("500MB", 500 * 1000**2), ("20G", 20 * 1000**3), ("1.5 GiB", 3 * 1024**3 // 2), ("2k", 2000), ("1TB", 1000**4)],
)
def test_sizes_parse(text: str, size: int) -> None:
    assert cache_folder.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "12 parsecs", "-5G", "1e3", "iB", "5 i"])
def test_bad_sizes_are_refused_saying_so(text: str) -> None:
    with pytest.raises(CacheError, match="not a size"):
        cache_folder.parse_size(text)


def test_default_limit_is_the_smaller_of_20_gb_and_a_tenth_of_the_disk(folder: Path) -> None:
    stats = os.statvfs(folder)
    disk = stats.f_blocks * stats.f_frsize
    limit = cache_folder.cache_limit(folder)
    assert limit.source == "default"
    assert limit.size == min(20 * 1000**3, int(disk * 0.1))


def test_environment_overrides_preferences(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_folder.set_configured_limit(7000)
    assert cache_folder.cache_limit(folder) == cache_folder.Limit(7000, "Preferences")
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "3kB")
    assert cache_folder.cache_limit(folder) == cache_folder.Limit(3000, "AUDITVIEWER_CACHE_LIMIT")
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "lots")
    limit = cache_folder.cache_limit(folder)
    assert (limit.size, limit.source) == (7000, "Preferences")
    assert limit.problem is not None and "AUDITVIEWER_CACHE_LIMIT" in limit.problem and "'lots'" in limit.problem
    cache_folder.set_configured_limit(None)
    assert cache_folder.cache_limit(folder).source == "default"


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ('{"limit_bytes": 7000, "other": 1}', 7000),
        ('{"limit_bytes": null}', None),
        ("{}", None),
        ('{"limit_bytes": true}', "refused"),
        ('{"limit_bytes": 0}', "refused"),
        ('{"limit_bytes": -5}', "refused"),
        ('{"limit_bytes": 5.0}', "refused"),
        ('{"limit_bytes": 1, "limit_bytes": 2}', "not a cache settings file"),
        ("[1]", "not a cache settings file"),
    ],
)
def test_the_settings_record_is_validated(folder: Path, text: str, limit: int | str | None) -> None:
    path = cache_folder.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if limit is None or isinstance(limit, int):
        assert cache_folder.configured_limit() == limit
        return
    with pytest.raises(CacheError) as caught:
        cache_folder.configured_limit()
    message = str(caught.value)
    assert str(path) in message
    assert ("positive whole number" in message) if limit == "refused" else (limit in message)


def test_a_damaged_settings_file_is_named_and_ignored(folder: Path) -> None:
    cache_folder.settings_path().parent.mkdir(parents=True, exist_ok=True)
    cache_folder.settings_path().write_text('{"limit_bytes": "much"}')
    limit = cache_folder.cache_limit(folder)
    assert limit.source == "default"
    assert limit.problem is not None and str(cache_folder.settings_path()) in limit.problem


# -- eviction -------------------------------------------------------------------------------


def test_eviction_removes_set_aside_files_then_least_recently_opened(folder: Path) -> None:
    newest = _fake(folder, "c", 1000, last_opened_ms=3_000)
    oldest = _fake(folder, "a", 1000, last_opened_ms=1_000)
    middle = _fake(folder, "b", 1000, last_opened_ms=2_000)
    aside = folder / "workspace-z.duckdb.damaged-0123abcd"
    aside.write_bytes(b"\0" * 500)
    fits, removal = cache_folder.make_room(1200, limit=4000, where=folder)
    assert fits
    assert [e.path.name for e in removal.removed] == [aside.name, oldest.name]
    assert removal.freed >= 1500
    assert middle.exists() and newest.exists() and not oldest.exists()
    assert not cache_folder.record_path(oldest).exists()  # its record went with it
    fits, removal = cache_folder.make_room(2500, limit=4000, where=folder)
    assert fits and [e.path.name for e in removal.removed] == [middle.name]
    assert newest.exists()


def test_eviction_never_removes_the_database_being_placed(folder: Path) -> None:
    kept = _fake(folder, "a", 1000, last_opened_ms=1)
    fits, removal = cache_folder.make_room(2000, limit=2500, where=folder, keep=[kept])
    assert not fits and removal.removed == [] and kept.exists()


def _hold(database: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(database)!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def held_database(folder: Path) -> Iterator[Path]:
    """The least recently opened database, open in another process."""
    path = folder / "workspace-held.duckdb"
    Store(database=path).close()
    cache_folder.write_record(path, DatabaseRecord("held", [], 1, 1))
    holder = _hold(path)
    try:
        yield path
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_a_database_open_in_another_process_is_never_evicted(folder: Path, held_database: Path) -> None:
    other = _fake(folder, "b", 1000, last_opened_ms=5)
    assert cache_folder.in_use(held_database) and not cache_folder.in_use(other)
    fits, removal = cache_folder.make_room(10**9, limit=10**9, where=folder)
    assert not fits
    assert [e.path.name for e in removal.in_use] == [held_database.name]
    assert [e.path.name for e in removal.removed] == [other.name]
    assert held_database.exists()
    cleared = cache_folder.clear(where=folder)
    assert [e.path for e in cleared.in_use] == [held_database] and held_database.exists()


def test_a_database_open_in_this_process_is_never_evicted(folder: Path) -> None:
    path = folder / "workspace-mine.duckdb"
    store = Store(database=path)
    try:
        assert cache_folder.in_use(path)
        removal = cache_folder.clear(where=folder)
        assert removal.removed == [] and path.exists()
        assert store.total_count() == 0  # and the store still works (its lock untouched)
    finally:
        store.close()
    assert not cache_folder.in_use(path)
    assert [e.path for e in cache_folder.clear(where=folder).removed] == [path]


def test_clear_older_than_keeps_recent_databases(folder: Path) -> None:
    now = now_ms()
    old = _fake(folder, "old", 100, last_opened_ms=now - 10 * 86_400_000)
    recent = _fake(folder, "new", 100, last_opened_ms=now - 86_400_000)
    removal = cache_folder.clear(older_than_days=3, where=folder)
    assert [e.path for e in removal.removed] == [old]
    assert recent.exists() and not old.exists()


# -- cleanup after faults ---------------------------------------------------------------------


def _half_written(path: Path) -> None:
    store = Store(database=path)
    import pyarrow as pa

    store.append(pa.table({"seq": [0], "leaf": [make_entry(0)], "line": [1], "source": ["entries.jsonl"]}))
    store.finish()
    store.close()  # never marked complete


def test_half_written_database_is_removed_and_a_complete_one_kept(folder: Path) -> None:
    broken = folder / "workspace-broken.duckdb"
    _half_written(broken)
    complete = folder / "workspace-complete.duckdb"
    store = Store(database=complete)
    store.finish()
    store.mark_complete(key="k")
    store.close()
    cache_folder.write_record(complete, DatabaseRecord("k", [], 1, 1))
    garbage = folder / "workspace-garbage.duckdb"
    garbage.write_bytes(b"not a database" * 100)
    swept = cache_folder.sweep(folder)
    assert [e.path for e in swept.removed] == [broken]
    assert not broken.exists() and complete.exists()
    # No database at all is left for the cache to set aside for inspection when next opened.
    assert garbage.exists()
    # The complete one is stamped, so the next sweep need not open it.
    record = cache_folder.read_record(complete)
    assert record is not None and record.complete_stamp == listing._stamp(complete)


_BUILDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyarrow as pa
    from auditviewer.store.store import Store
    from auditviewer.workspace import cache_folder
    path = Path(sys.argv[1]) if sys.argv[1] != "temp" else cache_folder.temporary_database()
    store = Store(database=path)
    if sys.argv[1] == "temp":
        cache_folder.detach(path)
    for start in range(0, 20000, 1000):
        rows = [('{"seq":%d}' % i).encode() for i in range(start, start + 1000)]
        store.append(pa.table({"seq": list(range(start, start + 1000)), "leaf": rows,
                               "line": list(range(1000)), "source": ["e.jsonl"] * 1000}))
        store._flush()
    print("building", flush=True)
    time.sleep(60)
    """
)


def _killed_mid_build(target: str) -> None:
    builder = subprocess.Popen(
        [sys.executable, "-c", _BUILDER, target], stdout=subprocess.PIPE, text=True, cwd=REPO, env=os.environ.copy()
    )
    try:
        assert builder.stdout is not None and builder.stdout.readline().strip() == "building"
        builder.send_signal(signal.SIGKILL)
    finally:
        builder.wait()
        assert builder.stdout is not None
        builder.stdout.close()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_database_of_a_process_killed_mid_build_is_removed_at_the_next_start(folder: Path) -> None:
    path = folder / "workspace-killed.duckdb"
    _killed_mid_build(str(path))
    assert path.exists()
    swept = cache_folder.sweep(folder)
    assert [e.path for e in swept.removed] == [path]
    assert _names(folder) == []


@pytest.mark.skipif(os.name != "posix", reason="unlinking an open file")
def test_temporary_database_of_a_killed_process_never_outlives_it(folder: Path) -> None:
    _killed_mid_build("temp")
    assert not list(folder.glob("temp-*.duckdb"))  # the database itself went with the process
    cache_folder.sweep(folder)  # and what DuckDB made beside it by name, at the next start
    assert _names(folder) == []


def test_files_of_a_live_process_are_left_alone(folder: Path) -> None:
    mine = folder / f"temp-{os.getpid()}-0123456789ab.duckdb.wal"
    mine.write_bytes(b"x")
    assert cache_folder.sweep(folder).removed == []
    assert cache_folder.clear(where=folder).removed == []
    assert mine.exists()


# -- through loading ------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle", [make_entry(i) for i in range(40)], checkpoint_sizes=[16, 32], key=KEY)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    return folder


def test_a_database_larger_than_the_limit_is_a_temporary_file(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "1kB")
    with load([bundle], [KEY.verifier]) as loaded:
        assert loaded.store.total_count() == 40 and loaded.report.verified_entries == 32
        assert [n for n in loaded.notices if "would not fit in the cache's limit of 1.0 kB" in n]
        assert not list(on_disk.glob("*.duckdb"))  # unlinked while open: nothing to leave behind
    assert _names(on_disk) == []


def test_a_temporary_database_is_gone_after_an_exception(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "1kB")

    def fail(self: Store) -> None:
        raise StoreError("disk on fire")

    monkeypatch.setattr(Store, "finish", fail)
    with pytest.raises(StoreError):
        load([bundle], [KEY.verifier])
    assert _names(on_disk) == []


def test_a_temporary_database_is_gone_at_interpreter_exit(bundle: Path, on_disk: Path) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from auditviewer.workspace import cache as workspace_cache
        from auditviewer.workspace.loading import load
        workspace_cache.ON_DISK_BYTES = 0
        loaded = load([Path({str(bundle)!r})], [])  # never closed
        print(loaded.store.total_count(), loaded.notices[0][:40], flush=True)
        """
    )
    env = {**os.environ, "AUDITVIEWER_CACHE_LIMIT": "1kB"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("40 the workspace database")
    assert _names(on_disk) == []


def test_a_new_database_evicts_the_least_recently_opened(
    bundle: Path, on_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write_bundle(tmp_path / "other", [make_entry(i) for i in range(30)], checkpoint_sizes=[30], key=KEY)
    third = write_bundle(tmp_path / "third", [make_entry(i) for i in range(20)], checkpoint_sizes=[20], key=KEY)
    for paths in ([bundle], [other], [bundle]):  # the bundle reopened: now the most recent
        with load(paths, []):
            pass
    sizes = {Path(e.record.exports[0].path).name: e.size for e in cache_folder.scan(on_disk) if e.record}
    assert set(sizes) == {"bundle", "other"}
    workspace = open_workspace([third])
    expected = workspace_cache.expected_database_bytes(workspace)  # what choose_database expects
    workspace.close()
    # Room for the most recent database and the new one, not for the other (a DuckDB file
    # is far larger than the slack left for records rewritten meanwhile).
    slack = 4096
    assert sizes["other"] > 10 * slack
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", str(sizes["bundle"] + expected + slack))
    with load([third], []) as loaded:
        assert loaded.store.total_count() == 20
        assert not [n for n in loaded.notices if "temporary" in n]
    kept = {Path(e.record.exports[0].path).name for e in cache_folder.scan(on_disk) if e.record}
    assert kept == {"bundle", "third"}


def test_records_name_the_exports_and_when_last_opened(bundle: Path, on_disk: Path) -> None:
    with load([bundle], []):
        pass
    [entry] = cache_folder.scan(on_disk)
    assert entry.record is not None
    [export] = entry.record.exports
    assert export.path == str(bundle.resolve())
    assert (export.size, export.mtime_ns) == cache_folder.export_state(bundle)
    first_opened = entry.record.last_opened_ms
    exports = cache_folder.cached_exports(on_disk)
    assert cache_folder.opens_fast(bundle, exports)
    with load([bundle], []):
        pass
    [entry] = cache_folder.scan(on_disk)
    assert entry.record is not None and entry.record.last_opened_ms >= first_opened
    (bundle / "extra.txt").write_text("changed")
    assert not cache_folder.opens_fast(bundle, cache_folder.cached_exports(on_disk))


def test_a_private_database_is_gone_once_closed(bundle: Path, on_disk: Path) -> None:
    with load([bundle], []):
        pass
    [shared] = on_disk.glob("workspace-*.duckdb")
    holder = _hold(shared)
    try:
        with load([bundle], [KEY.verifier]) as loaded:
            assert any("building a private one" in n for n in loaded.notices)
            assert loaded.store.total_count() == 40
        assert not [p for p in on_disk.iterdir() if p.name.startswith("private-")]
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


class _LoadingContext:
    """What the viewer's loading worker offers ``load_session``, doing nothing."""

    cancelled = False
    trust: tuple[str, ...] = ()

    def progress(self, *args: object, **kwargs: object) -> None:
        pass

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        pass

    def partial(self, session: object) -> None:
        pass


def test_the_viewer_is_told_and_its_temporary_database_goes_on_close(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditviewer.workspace.store_session import load_session

    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "1kB")
    session = load_session([str(bundle)], _LoadingContext())
    try:
        assert session.total() == 40
        [notice] = session.notices  # what the status bar shows
        assert notice.endswith("kept in a temporary file removed on close")
    finally:
        session.close()
    assert _names(on_disk) == []


def test_clearing_follows_no_link_and_leaves_other_files(folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "someone's files"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    (folder / "workspace-link.duckdb").symlink_to(outside / "precious.txt")
    (folder / "workspace-link.duckdb.tmp").symlink_to(outside, target_is_directory=True)
    (folder / "notes.txt").write_text("not the cache's")
    cache_folder.clear(where=folder)
    assert (outside / "precious.txt").read_text() == "keep me"
    assert _names(folder) == ["notes.txt"]


def test_asking_whether_this_process_uses_a_database_keeps_its_lock(folder: Path) -> None:
    path = folder / "workspace-mine.duckdb"
    store = Store(database=path)
    try:
        assert cache_folder.in_use(path)
        cache_folder.sweep(folder)
        cache_folder.clear(where=folder)
        # Closing any descriptor of the file would have dropped DuckDB's lock: another
        # process must still be refused.
        probe = subprocess.run(
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r})"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode != 0 and "lock" in probe.stderr.lower()
    finally:
        store.close()


def test_a_full_disk_under_a_temporary_database_falls_back_to_memory(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "1kB")
    real_append = Store.append
    failed: list[bool] = []

    def append(self: Store, batch: object) -> None:
        if not failed:  # the first store is the temporary file's
            failed.append(True)
            raise StoreError("IO Error: No space left on device")
        real_append(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "append", append)
    with load([bundle], [KEY.verifier]) as loaded:
        assert failed == [True]
        assert loaded.store.total_count() == 40 and loaded.report.verified_entries == 32
        assert loaded.notices[0].endswith("kept in a temporary file removed on close")
        assert loaded.notices[-1].endswith("kept in memory")
    assert _names(on_disk) == []
