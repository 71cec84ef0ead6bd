"""The cache folder's management: what it holds, its size limit, eviction, locks and cleanup.

:mod:`auditviewer.workspace.cache` decides *which* database a workspace uses
and proves a reused one; this module keeps the folder that holds them
(``<cache>/workspaces``) bounded, visible and clean.

What the folder holds
    ``workspace-<key>.duckdb`` (and DuckDB's ``.wal``/``.tmp`` beside it): a
    database kept for reuse, named by its inputs' content. Beside each, a small
    record ``workspace-<key>.duckdb.json`` (:class:`DatabaseRecord`, written by
    the atomic writer) names the exports it was made from, their size and
    modification time, and when it was made and last opened. It is what
    ``auditviewer cache list`` shows and what the start page reads to say which
    recent files open fast; it is a convenience, never trusted for content (a
    reused database is proven against the files it is opened for).
    ``temp-<pid>-…`` and ``private-<pid>-…``: databases of one process only —
    a workspace too large for the cache's limit, or one whose shared file another
    process holds. On POSIX their file is unlinked as soon as DuckDB has it
    open (:func:`detach`), so the system frees it when the store is closed or
    the process ends, even by SIGKILL; what DuckDB creates beside it by name
    (``.wal``, ``.tmp``) carries the pid and is removed once that process is
    gone (:func:`sweep`). Elsewhere they are removed at exit and by the sweep.
    ``*.damaged-…``: databases set aside by the cache as unusable, kept for
    inspection; the first to go when room is needed.

The limit
    The smaller of 20 GB and 10% of the disk the folder is on, unless
    ``AUDITVIEWER_CACHE_LIMIT`` or the viewer's Preferences (the file
    ``cache.json`` in the config folder, which both read) say otherwise.
    Sizes are written ``500MB``, ``20G``, ``1.5 GiB``: ``K``, ``M``, ``G``,
    ``T`` (with or without ``B``) count in powers of 1000, ``Ki``… in 1024.
    It is enforced when a database is about to be written (:func:`place`):
    least recently opened databases are removed until the new one fits; one
    that would not fit in an empty cache is not kept at all (the workspace is
    loaded into a temporary file, and a notice says so).

In use
    DuckDB holds a POSIX (``fcntl``) lock on a database file while a process
    has it open: that is the lock :func:`in_use` asks about, and a removal
    takes it itself (:func:`_claimed`) so that no other process can open the
    file between the check and the removal. That lock cannot see this
    process's own files, and closing any descriptor of a file drops every lock
    this process holds on it, so files this process has open are found first
    by their inode among its open descriptors (``/dev/fd``) and never touched.

Cleanup after faults
    A database is complete once :meth:`Store.mark_complete` recorded it. A
    file in no process's use that is not complete was left by a crash, a
    cancel or a full disk: :func:`sweep` removes it (the first time a large
    workspace is opened, by ``auditviewer cache``, and when Preferences open).
    A proven-complete file's size and modification time are stamped in its
    record, so the next sweep does not open it again.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from auditviewer.core.atomic import SafeFile, _pid_alive, atomic_output
from auditviewer.core.errors import AuditViewerError, StoreError
from auditviewer.core.paths import cache_dir, config_dir
from auditviewer.core.strict_json import loads_object

#: The environment variable naming the cache's size limit (``500MB``, ``20G``).
LIMIT_VARIABLE = "AUDITVIEWER_CACHE_LIMIT"
#: The default limit is the smaller of this and :data:`DEFAULT_DISK_SHARE` of the disk.
DEFAULT_LIMIT_CAP = 20 * 1000**3
DEFAULT_DISK_SHARE = 0.10
#: Smallest limit accepted: below this nothing useful fits.
MINIMUM_LIMIT = 1

SHARED_PREFIX = "workspace-"
TEMPORARY_PREFIX = "temp-"
PRIVATE_PREFIX = "private-"
DAMAGED_MARK = ".damaged-"
RECORD_SUFFIX = ".json"
#: Files DuckDB creates beside a database, by name.
COMPANION_SUFFIXES = (".wal", ".tmp")
#: A record larger than this is not one this module wrote.
_MAX_RECORD_BYTES = 1 << 20
#: Files looked at when measuring a folder export (its size and newest change).
_MAX_WALK_FILES = 10_000

_OWNED_NAME = re.compile(rf"^(?:{TEMPORARY_PREFIX}|{PRIVATE_PREFIX})(\d+)-[0-9a-f]+\.duckdb$")


class CacheError(AuditViewerError):
    """A cache setting that cannot be used (a size that does not parse); the message says which."""


def folder() -> Path:
    """The folder of workspace databases (``AUDITVIEWER_CACHE_DIR`` moves its parent)."""
    return cache_dir() / "workspaces"


# -- sizes --------------------------------------------------------------------

_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of ``500MB``, ``20G``, ``1.5 GiB``, ``4096``; :class:`CacheError` if it is none of these."""
    match = _SIZE.match(text)
    if match is None or (match.group(3) and not match.group(2)):
        raise CacheError(f"{text!r} is not a size (say 500MB, 20G or 1.5GiB)")
    number, unit, binary = float(match.group(1)), match.group(2).lower(), bool(match.group(3))
    factor = 1024 ** " kmgt".index(unit) if binary else _UNITS[unit]
    value = number * factor
    if not math.isfinite(value) or value > 2**62:
        raise CacheError(f"{text!r} is too large a size")
    return int(value)


def format_size(size: int) -> str:
    """``1.2 GB``: powers of 1000, as the limit is written."""
    amount = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if amount < 1000:
            return f"{int(amount)} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} TB"


# -- the limit ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limit:
    """The cache's limit, where it came from, and a problem with a setting that was ignored."""

    size: int
    source: str  # "AUDITVIEWER_CACHE_LIMIT", "Preferences" or "default"
    problem: str | None = None


def settings_path() -> Path:
    """Where Preferences keeps the limit; a file, not Qt's settings, so the command line reads it."""
    return config_dir() / "cache.json"


def configured_limit() -> int | None:
    """The limit set in Preferences, or None; :class:`CacheError` for a file that is not one."""
    path = settings_path()
    try:
        raw = path.read_bytes()[: _MAX_RECORD_BYTES + 1]
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        value = loads_object(raw).get("limit_bytes")
    except (ValueError, AuditViewerError) as exc:
        raise CacheError(f"{path}: not a cache settings file ({exc})") from exc
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < MINIMUM_LIMIT:
        raise CacheError(f"{path}: limit_bytes must be a positive whole number of bytes")
    return value


def set_configured_limit(size: int | None) -> None:
    """Record the limit (None: back to the default), through the atomic writer."""
    if size is not None and size < MINIMUM_LIMIT:
        raise CacheError("the cache limit must be at least 1 byte")
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"limit_bytes": size}).encode() + b"\n"
    with atomic_output(path, overwrite=True) as tmp, SafeFile(tmp, label=str(path)) as handle:
        handle.write(body)


def default_limit(where: Path) -> int:
    """The smaller of 20 GB and 10% of the disk ``where`` is on (20 GB if that is unknown)."""
    probe = where
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        stats = os.statvfs(probe)
    except (OSError, AttributeError):
        try:
            disk = shutil.disk_usage(probe).total
        except OSError:
            return DEFAULT_LIMIT_CAP
    else:
        disk = stats.f_blocks * stats.f_frsize
    return max(MINIMUM_LIMIT, min(DEFAULT_LIMIT_CAP, int(disk * DEFAULT_DISK_SHARE)))


def cache_limit(where: Path | None = None) -> Limit:
    """The limit in force: ``AUDITVIEWER_CACHE_LIMIT``, else Preferences, else the default.

    A setting that cannot be used is skipped with its ``problem`` told, never fatal.
    """
    where = where if where is not None else folder()
    problems: list[str] = []
    text = os.environ.get(LIMIT_VARIABLE)
    if text:
        try:
            size = parse_size(text)
        except CacheError as exc:
            problems.append(f"{LIMIT_VARIABLE}: {exc}; ignored")
        else:
            if size >= MINIMUM_LIMIT:
                return Limit(size, LIMIT_VARIABLE)
            problems.append(f"{LIMIT_VARIABLE}: the limit must be at least 1 byte; ignored")
    try:
        configured = configured_limit()
    except CacheError as exc:
        problems.append(f"{exc}; ignored")
        configured = None
    problem = "; ".join(problems) or None
    if configured is not None:
        return Limit(configured, "Preferences", problem)
    return Limit(default_limit(where), "default", problem)


# -- records ------------------------------------------------------------------


class ExportRecord(msgspec.Struct):
    """One export a database was made from, as it was then."""

    path: str
    size: int
    mtime_ns: int


class DatabaseRecord(msgspec.Struct):
    """What the cache knows of one database, beside it as ``<name>.json``."""

    key: str
    exports: list[ExportRecord]
    created_ms: int
    last_opened_ms: int
    #: Size and modification time of the file when it was last found complete.
    complete_stamp: list[int] | None = None


def record_path(database: Path) -> Path:
    return database.with_name(database.name + RECORD_SUFFIX)


def read_record(database: Path) -> DatabaseRecord | None:
    """The record beside ``database``; None if there is none or it is not one (it is only a hint)."""
    try:
        with open(record_path(database), "rb") as handle:
            raw = handle.read(_MAX_RECORD_BYTES + 1)
        if len(raw) > _MAX_RECORD_BYTES:
            return None
        return msgspec.convert(loads_object(raw), DatabaseRecord)
    except (OSError, ValueError, AuditViewerError, msgspec.ValidationError):
        return None


def write_record(database: Path, record: DatabaseRecord) -> None:
    path = record_path(database)
    body = json.dumps(msgspec.to_builtins(record)).encode() + b"\n"
    with atomic_output(path, overwrite=True) as tmp, SafeFile(tmp, label=str(path)) as handle:
        handle.write(body)


def export_state(path: Path) -> tuple[int, int] | None:
    """An export's size in bytes and its newest modification (a folder: over its files)."""
    try:
        stats = path.stat()
    except OSError:
        return None
    if not path.is_dir():
        return stats.st_size, stats.st_mtime_ns
    size, newest, seen = 0, stats.st_mtime_ns, 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            seen += 1
            if seen > _MAX_WALK_FILES:
                return size, newest
            with contextlib.suppress(OSError):
                file_stats = os.stat(os.path.join(root, name), follow_symlinks=False)
                size += file_stats.st_size
                newest = max(newest, file_stats.st_mtime_ns)
    return size, newest


def _absolute(path: Path) -> str:
    try:
        return os.fsdecode(path.resolve())
    except (OSError, RuntimeError):
        return os.fsdecode(path.absolute())


def _exports(paths: Iterable[Path]) -> list[ExportRecord]:
    records = []
    for path in paths:
        state = export_state(path) or (0, 0)
        records.append(ExportRecord(_absolute(path), state[0], state[1]))
    return records


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def note_opening(database: Path, key: str, paths: Iterable[Path]) -> None:
    """Record that ``database`` is opened (or made) now for the exports ``paths``."""
    now = _now_ms()
    old = read_record(database)
    keep = old is not None and old.key == key and database.exists()
    record = DatabaseRecord(
        key=key,
        exports=_exports(paths),
        created_ms=old.created_ms if keep and old is not None else now,
        last_opened_ms=now,
        complete_stamp=old.complete_stamp if keep and old is not None else None,
    )
    with contextlib.suppress(OSError, AuditViewerError):
        write_record(database, record)


# -- what the folder holds ------------------------------------------------------


@dataclass(slots=True)
class CachedDatabase:
    """One database in the folder, with the files beside it."""

    path: Path
    kind: str  # "shared", "temporary" (of one process) or "set aside"
    files: list[Path] = field(default_factory=list)
    size: int = 0
    record: DatabaseRecord | None = None
    pid: int | None = None

    @property
    def last_opened_ms(self) -> int:
        if self.record is not None:
            return self.record.last_opened_ms
        newest = 0
        for path in self.files:
            with contextlib.suppress(OSError):
                newest = max(newest, path.stat().st_mtime_ns // 1_000_000)
        return newest


def _base_name(name: str) -> str:
    """The database a file belongs to: its own name less a record or DuckDB suffix."""
    for suffix in (RECORD_SUFFIX, *COMPANION_SUFFIXES):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _size_of(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
        return path.lstat().st_size
    except OSError:
        return 0


def scan(where: Path | None = None) -> list[CachedDatabase]:
    """Every database in the folder (and the files beside each), in no particular order."""
    where = where if where is not None else folder()
    try:
        names = sorted(os.listdir(where))
    except OSError:
        return []
    groups: dict[str, list[Path]] = {}
    for name in names:
        if name.startswith("."):  # the atomic writer's partials: its own sweep removes them
            continue
        groups.setdefault(_base_name(name), []).append(where / name)
    found = []
    for base, files in groups.items():
        path = where / base
        owned = _OWNED_NAME.match(base)
        if owned:
            kind, pid = "temporary", int(owned.group(1))
        elif base.startswith(SHARED_PREFIX) and ".duckdb" + DAMAGED_MARK in base:
            kind, pid = "set aside", None
        elif base.startswith(SHARED_PREFIX) and base.endswith(".duckdb"):
            kind, pid = "shared", None
        else:
            continue  # not ours: never touched
        entry = CachedDatabase(path, kind, files, sum(_size_of(f) for f in files), pid=pid)
        if kind == "shared":
            entry.record = read_record(path)
        found.append(entry)
    return found


def total_size(where: Path | None = None) -> int:
    return sum(entry.size for entry in scan(where))


# -- in use ---------------------------------------------------------------------


def _open_here(path: Path) -> bool:
    """Whether this process has ``path`` open (found by inode among its descriptors)."""
    try:
        target = path.stat()
    except OSError:
        return False
    fd_folder = "/dev/fd" if os.path.isdir("/dev/fd") else None
    if fd_folder is None:
        return path in _held_here
    try:
        descriptors = os.listdir(fd_folder)
    except OSError:
        return path in _held_here
    for name in descriptors:
        with contextlib.suppress(OSError, ValueError):
            stats = os.fstat(int(name))
            if (stats.st_dev, stats.st_ino) == (target.st_dev, target.st_ino):
                return True
    return path in _held_here


#: Databases this process made and keeps (where descriptors cannot be listed).
_held_here: set[Path] = set()


@contextlib.contextmanager
def _claimed(path: Path) -> Iterator[bool]:
    """Hold DuckDB's lock on ``path`` for the block: False if a process (this one included) has it."""
    if _open_here(path):
        yield False
        return
    try:
        import fcntl
    except ImportError:  # Windows: an open file cannot be removed, which is the lock there
        yield True
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        yield True
        return
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def in_use(path: Path) -> bool:
    """Whether a process (this one or another) has the database ``path`` open."""
    if not path.exists():
        return False
    with _claimed(path) as free:
        return not free


def _remove_files(files: Iterable[Path]) -> int:
    freed = 0
    for path in files:
        size = _size_of(path)
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue
        freed += size
    return freed


def remove(entry: CachedDatabase) -> int | None:
    """Remove a database and the files beside it; None (nothing removed) if it is in use."""
    if entry.kind == "temporary":
        if entry.pid is not None and (entry.pid == os.getpid() or _pid_alive(entry.pid)):
            return None
        if entry.path.exists():
            with _claimed(entry.path) as free:
                return _remove_files(entry.files) if free else None
        return _remove_files(entry.files)
    if not entry.path.exists():  # companions of a database already gone
        return _remove_files(entry.files)
    with _claimed(entry.path) as free:
        if not free:
            return None
        # Removed while holding the lock: nobody opens it between the check and here.
        return _remove_files([entry.path, *(f for f in entry.files if f != entry.path)])


# -- completeness -----------------------------------------------------------------


def _stamp(path: Path) -> list[int] | None:
    try:
        stats = path.stat()
    except OSError:
        return None
    return [stats.st_size, stats.st_mtime_ns]


def _complete(entry: CachedDatabase) -> bool | None:
    """Whether a shared database reached its complete state: False for one that DuckDB
    opens but that was never marked complete (or is of another format); None when that
    cannot be told now (in use) or the file is no database at all (left for
    :func:`auditviewer.workspace.cache.open_store` to set aside for inspection)."""
    stamp = _stamp(entry.path)
    if stamp is None:
        return None
    if entry.record is not None and entry.record.complete_stamp == stamp:
        return True
    if _open_here(entry.path):
        return None
    from auditviewer.store.store import Store

    try:
        Store(database=entry.path, existing=True).close()
    except StoreError as exc:
        # Opened, but refused as incomplete or of another format: the store says so by
        # its own error as the cause. Anything else (locked by another process, no
        # database at all) is failing to open.
        return False if isinstance(exc.__cause__, StoreError) else None
    if entry.record is not None:
        entry.record.complete_stamp = _stamp(entry.path)
        with contextlib.suppress(OSError, AuditViewerError):
            write_record(entry.path, entry.record)
    return True


# -- sweeping, eviction, clearing ---------------------------------------------------


@dataclass(slots=True)
class Removal:
    """What a sweep, an eviction or a clear removed, and what it left because it is in use."""

    removed: list[CachedDatabase] = field(default_factory=list)
    freed: int = 0
    in_use: list[CachedDatabase] = field(default_factory=list)

    def add(self, entry: CachedDatabase, freed: int | None) -> None:
        if freed is None:
            self.in_use.append(entry)
        else:
            self.removed.append(entry)
            self.freed += freed


def sweep(where: Path | None = None) -> Removal:
    """Remove what faults left: half-written databases, and files of processes that are gone."""
    result = Removal()
    for entry in scan(where):
        if entry.kind == "temporary":
            if entry.pid is not None and entry.pid != os.getpid() and not _pid_alive(entry.pid):
                result.add(entry, remove(entry))
        elif entry.kind == "shared":
            if not entry.path.exists():  # a record or log whose database is gone (set aside)
                _remove_files(entry.files)
                continue
            complete = _complete(entry)
            if complete is False:
                freed = remove(entry)
                if freed is not None:
                    result.add(entry, freed)
    return result


def _eviction_order(entries: Iterable[CachedDatabase]) -> list[CachedDatabase]:
    """Set-aside files first, then databases least recently opened first."""
    candidates = [e for e in entries if e.kind in ("set aside", "shared")]
    return sorted(candidates, key=lambda e: (e.kind != "set aside", e.last_opened_ms, e.path.name))


def make_room(needed: int, limit: int, *, where: Path | None = None, keep: Iterable[Path] = ()) -> tuple[bool, Removal]:
    """Remove least recently opened databases until ``needed`` more bytes fit under ``limit``.

    Never one in use, nor one of ``keep``. Returns whether it fits now, and what went.
    """
    kept = {Path(p) for p in keep}
    entries = scan(where)
    total = sum(e.size for e in entries)
    result = Removal()
    for entry in _eviction_order(entries):
        if total + needed <= limit:
            break
        if entry.path in kept:
            continue
        freed = remove(entry)
        result.add(entry, freed)
        if freed is not None:
            total -= entry.size
    return total + needed <= limit, result


def clear(*, older_than_days: float | None = None, where: Path | None = None) -> Removal:
    """Remove every database not in use (only those last opened more than ``older_than_days`` ago)."""
    result = sweep(where)  # what faults left goes whatever its age
    cutoff = None if older_than_days is None else _now_ms() - older_than_days * 86_400_000
    for entry in _eviction_order(scan(where)):
        if cutoff is not None and entry.last_opened_ms > cutoff:
            continue
        result.add(entry, remove(entry))
    return result


# -- where a new database goes ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a workspace's database goes: ``database``, or a temporary file when it cannot be kept."""

    database: Path
    temporary: bool = False
    notices: tuple[str, ...] = ()


def _databases(count: int) -> str:
    return f"{count} workspace database" + ("" if count == 1 else "s")


def temporary_database(where: Path | None = None, *, prefix: str = TEMPORARY_PREFIX) -> Path:
    """A fresh file for this process only, removed when closed (:func:`detach`)."""
    where = where if where is not None else folder()
    where.mkdir(parents=True, exist_ok=True)
    return where / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:12]}.duckdb"


def place(database: Path, key: str, paths: Iterable[Path], *, expected: int) -> Placement:
    """Make room for a database of about ``expected`` bytes at ``database`` (the shared file
    for ``key``), or say it goes to a temporary file: when it would not fit even in an empty
    cache, or when the databases that would have to go are in use."""
    where = database.parent
    paths = list(paths)
    notices: list[str] = []
    swept = sweep(where)
    if swept.removed:
        notices.append(
            f"removed {_databases(len(swept.removed))} left incomplete in the cache "
            f"(a crash, a cancel or a full disk), {format_size(swept.freed)} freed"
        )
    limit = cache_limit(where)
    if limit.problem:
        notices.append(limit.problem)
    if database.exists():  # reopened (and proven) rather than written
        note_opening(database, key, paths)
        return Placement(database, notices=tuple(notices))
    if expected > limit.size:
        notices.append(
            f"the workspace database (about {format_size(expected)}) would not fit in the cache's "
            f"limit of {format_size(limit.size)}; kept in a temporary file removed on close"
        )
        return Placement(temporary_database(where), True, tuple(notices))
    fits, _removal = make_room(expected, limit.size, where=where, keep=[database])
    if not fits:
        notices.append(
            f"the cache ({format_size(limit.size)} limit) is full of databases in use; "
            "the workspace database is kept in a temporary file removed on close"
        )
        return Placement(temporary_database(where), True, tuple(notices))
    note_opening(database, key, paths)
    return Placement(database, notices=tuple(notices))


def detach(path: Path) -> None:
    """Make an open database file ``path`` temporary: gone when closed or when this process ends.

    On POSIX it is unlinked now (the system keeps it while DuckDB has it open);
    elsewhere it is removed at exit, and by the next :func:`sweep` after a crash.
    """
    if os.name == "posix":
        with contextlib.suppress(OSError):
            path.unlink()
        return
    _held_here.add(path)
    atexit.register(_remove_files, [path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)])


# -- what the start page asks -------------------------------------------------------------


def cached_exports(where: Path | None = None) -> dict[str, CachedDatabase]:
    """The database made from each export alone (by absolute path), as its record says."""
    found: dict[str, CachedDatabase] = {}
    for entry in scan(where):
        record = entry.record
        if entry.kind == "shared" and record is not None and len(record.exports) == 1 and entry.path.exists():
            found[record.exports[0].path] = entry
    return found


def opens_fast(path: str | Path, cached: dict[str, CachedDatabase]) -> bool:
    """Whether ``path``, unchanged since, has a complete database in the cache (of ``cached_exports``).

    A database not yet seen complete is opened once to tell (then stamped); one in use is not.
    """
    entry = cached.get(_absolute(Path(path)))
    if entry is None or entry.record is None:
        return False
    export = entry.record.exports[0]
    if export_state(Path(path)) != (export.size, export.mtime_ns):
        return False
    return _complete(entry) is True
