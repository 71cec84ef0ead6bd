"""What the cache folder holds: its databases, whether each is in use and complete, removing one.

:func:`scan` groups the folder's files by the database they belong to
(:class:`CachedDatabase`: shared, temporary of one process, or set aside).

In use: DuckDB holds a POSIX (``fcntl``) lock on a database file while a process
has it open: that is the lock :func:`in_use` asks about, and a removal takes it
itself (:func:`_claimed`) so that no other process can open the file between the
check and the removal. That lock cannot see this process's own files, and closing
any descriptor of a file drops every lock this process holds on it, so files this
process has open are found first by their inode among its open descriptors
(``/dev/fd``) and never touched.

Complete: a shared database is complete once :meth:`Store.mark_complete` recorded
it (:func:`is_complete`, which opens it once and stamps its record, so that the
next look does not open it again); the start page asks which recent files have
one (:func:`cached_exports`, :func:`opens_fast`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from auditviewer.core.atomic import pid_alive
from auditviewer.core.errors import AuditViewerError, StoreError
from auditviewer.workspace.cache_folder.layout import (
    COMPANION_SUFFIXES,
    DAMAGED_MARK,
    OWNED_NAME,
    RECORD_SUFFIX,
    SEAL_SUFFIX,
    SHARED_PREFIX,
    folder,
)
from auditviewer.workspace.cache_folder.records import (
    DatabaseRecord,
    absolute,
    export_state,
    read_record,
    write_record,
)


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
    for suffix in (RECORD_SUFFIX, SEAL_SUFFIX, *COMPANION_SUFFIXES):
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
        owned = OWNED_NAME.match(base)
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


def _open_here(path: Path) -> bool:
    """Whether this process has ``path`` open (found by inode among its descriptors)."""
    try:
        target = path.stat()
    except OSError:
        return False
    fd_folder = "/dev/fd" if os.path.isdir("/dev/fd") else None
    if fd_folder is None:
        return path in held_here
    try:
        descriptors = os.listdir(fd_folder)
    except OSError:
        return path in held_here
    for name in descriptors:
        with contextlib.suppress(OSError, ValueError):
            stats = os.fstat(int(name))
            if (stats.st_dev, stats.st_ino) == (target.st_dev, target.st_ino):
                return True
    return path in held_here


#: Databases this process made and keeps (where descriptors cannot be listed).
held_here: set[Path] = set()


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


def remove_files(files: Iterable[Path]) -> int:
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
        if entry.pid is not None and (entry.pid == os.getpid() or pid_alive(entry.pid)):
            return None
        if entry.path.exists():
            with _claimed(entry.path) as free:
                return remove_files(entry.files) if free else None
        return remove_files(entry.files)
    if not entry.path.exists():  # companions of a database already gone
        return remove_files(entry.files)
    with _claimed(entry.path) as free:
        if not free:
            return None
        # Removed while holding the lock: nobody opens it between the check and here.
        return remove_files([entry.path, *(f for f in entry.files if f != entry.path)])


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


def _stamp(path: Path) -> list[int] | None:
    try:
        stats = path.stat()
    except OSError:
        return None
    return [stats.st_size, stats.st_mtime_ns]


def is_complete(entry: CachedDatabase) -> bool | None:
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
    entry = cached.get(absolute(Path(path)))
    if entry is None or entry.record is None:
        return False
    export = entry.record.exports[0]
    if export_state(Path(path)) != (export.size, export.mtime_ns):
        return False
    return is_complete(entry) is True
