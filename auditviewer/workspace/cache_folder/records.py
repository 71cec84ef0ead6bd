"""The record beside each shared database: the exports it was made from, and when it was opened.

``workspace-<key>.duckdb.json`` (:class:`DatabaseRecord`, written by the atomic
writer) is a convenience for ``auditviewer cache list`` and the start page, never
trusted for content: a reused database is proven against the files it is opened for.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

import msgspec

from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.strict_json import loads_object
from auditviewer.workspace.cache_folder.layout import MAX_RECORD_BYTES, RECORD_SUFFIX

#: Files looked at when measuring a folder export (its size and newest change).
_MAX_WALK_FILES = 10_000


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
            raw = handle.read(MAX_RECORD_BYTES + 1)
        if len(raw) > MAX_RECORD_BYTES:
            return None
        return msgspec.convert(loads_object(raw), DatabaseRecord)
    except (OSError, ValueError, AuditViewerError, msgspec.ValidationError):
        return None


def write_record(database: Path, record: DatabaseRecord) -> None:
    path = record_path(database)
    body = json.dumps(msgspec.to_builtins(record)).encode() + b"\n"
    write_file(path, body)


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


def absolute(path: Path) -> str:
    try:
        return os.fsdecode(path.resolve())
    except (OSError, RuntimeError):
        return os.fsdecode(path.absolute())


def _exports(paths: Iterable[Path]) -> list[ExportRecord]:
    records = []
    for path in paths:
        state = export_state(path) or (0, 0)
        records.append(ExportRecord(absolute(path), state[0], state[1]))
    return records


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def note_opening(database: Path, key: str, paths: Iterable[Path]) -> None:
    """Record that ``database`` is opened (or made) now for the exports ``paths``."""
    now = now_ms()
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
