"""The cache folder's management: what it holds, its size limit, eviction, locks and cleanup.

One module per part: :mod:`.layout` (where, names), :mod:`.limit` (sizes, the limit
in force), :mod:`.records` (the record beside each database), :mod:`.listing` (what
the folder holds, in use, complete, removing one), :mod:`.cleanup` (the sweep after
faults, temporary files), :mod:`.eviction` (making room, clearing) and
:mod:`.placement` (where a new database goes). The names callers use are imported
here: ``from auditviewer.workspace import cache_folder; cache_folder.sweep()``.

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
    reused database is proven against the files it is opened for). A seal
    ``workspace-<key>.duckdb.seal`` (``workspace/seal.py``) lets a database be
    reused without that proof; it goes with its database.
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

from auditviewer.workspace.cache_folder.cleanup import detach, sweep
from auditviewer.workspace.cache_folder.eviction import clear, make_room
from auditviewer.workspace.cache_folder.layout import (
    COMPANION_SUFFIXES,
    DAMAGED_MARK,
    PRIVATE_PREFIX,
    RECORD_SUFFIX,
    SEAL_SUFFIX,
    SHARED_PREFIX,
    TEMPORARY_PREFIX,
    CacheError,
    folder,
)
from auditviewer.workspace.cache_folder.limit import (
    DEFAULT_DISK_SHARE,
    DEFAULT_LIMIT_CAP,
    LIMIT_VARIABLE,
    MINIMUM_LIMIT,
    Limit,
    cache_limit,
    configured_limit,
    default_limit,
    format_size,
    parse_size,
    set_configured_limit,
    settings_path,
)
from auditviewer.workspace.cache_folder.listing import (
    CachedDatabase,
    Removal,
    cached_exports,
    in_use,
    opens_fast,
    remove,
    scan,
    total_size,
)
from auditviewer.workspace.cache_folder.placement import Placement, place, temporary_database
from auditviewer.workspace.cache_folder.records import (
    DatabaseRecord,
    ExportRecord,
    export_state,
    note_opening,
    read_record,
    record_path,
    write_record,
)

__all__ = [
    "COMPANION_SUFFIXES",
    "DAMAGED_MARK",
    "DEFAULT_DISK_SHARE",
    "DEFAULT_LIMIT_CAP",
    "LIMIT_VARIABLE",
    "MINIMUM_LIMIT",
    "PRIVATE_PREFIX",
    "RECORD_SUFFIX",
    "SEAL_SUFFIX",
    "SHARED_PREFIX",
    "TEMPORARY_PREFIX",
    "CacheError",
    "CachedDatabase",
    "DatabaseRecord",
    "ExportRecord",
    "Limit",
    "Placement",
    "Removal",
    "cache_limit",
    "cached_exports",
    "clear",
    "configured_limit",
    "default_limit",
    "detach",
    "export_state",
    "folder",
    "format_size",
    "in_use",
    "make_room",
    "note_opening",
    "opens_fast",
    "parse_size",
    "place",
    "read_record",
    "record_path",
    "remove",
    "scan",
    "set_configured_limit",
    "settings_path",
    "sweep",
    "temporary_database",
    "total_size",
    "write_record",
]
