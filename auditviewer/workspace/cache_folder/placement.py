"""Where a new workspace database goes: its shared file, room made for it, or a temporary file.

:func:`place` sweeps, reads the limit, and makes room (least recently opened
first); a database that would not fit even in an empty cache, or whose room is
held by databases in use, goes to a temporary file of this process
(:func:`temporary_database`), and a notice says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditviewer.workspace.cache_folder.cleanup import sweep
from auditviewer.workspace.cache_folder.eviction import make_room
from auditviewer.workspace.cache_folder.layout import TEMPORARY_PREFIX, folder
from auditviewer.workspace.cache_folder.limit import cache_limit, format_size
from auditviewer.workspace.cache_folder.records import note_opening


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
