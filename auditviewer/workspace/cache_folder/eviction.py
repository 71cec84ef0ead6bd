"""Eviction: set-aside files first, then databases least recently opened first, never one in use.

:func:`make_room` keeps the folder under its limit when a database is about to
be written; :func:`clear` is ``auditviewer cache clear`` and Preferences' Clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from auditviewer.workspace.cache_folder.cleanup import sweep
from auditviewer.workspace.cache_folder.listing import CachedDatabase, Removal, remove, scan
from auditviewer.workspace.cache_folder.records import now_ms


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
    cutoff = None if older_than_days is None else now_ms() - older_than_days * 86_400_000
    for entry in _eviction_order(scan(where)):
        if cutoff is not None and entry.last_opened_ms > cutoff:
            continue
        result.add(entry, remove(entry))
    return result
