"""Cleanup after faults, and temporary databases gone when closed.

A file in no process's use that is not complete was left by a crash, a cancel or
a full disk: :func:`sweep` removes it (the first time a large workspace is
opened, by ``auditviewer cache``, and when Preferences open), with the files of
processes that are gone. :func:`detach` makes a database of one process only go
when it is closed or the process ends, even by SIGKILL (on POSIX).
"""

from __future__ import annotations

import atexit
import contextlib
import os
from pathlib import Path

from auditviewer.core.atomic import pid_alive
from auditviewer.workspace.cache_folder.layout import COMPANION_SUFFIXES
from auditviewer.workspace.cache_folder.listing import (
    Removal,
    held_here,
    is_complete,
    remove,
    remove_files,
    scan,
)


def sweep(where: Path | None = None) -> Removal:
    """Remove what faults left: half-written databases, and files of processes that are gone."""
    result = Removal()
    for entry in scan(where):
        if entry.kind == "temporary":
            if entry.pid is not None and entry.pid != os.getpid() and not pid_alive(entry.pid):
                result.add(entry, remove(entry))
        elif entry.kind == "shared":
            if not entry.path.exists():  # a record or log whose database is gone (set aside)
                remove_files(entry.files)
                continue
            complete = is_complete(entry)
            if complete is False:
                freed = remove(entry)
                if freed is not None:
                    result.add(entry, freed)
    return result


def detach(path: Path) -> None:
    """Make an open database file ``path`` temporary: gone when closed or when this process ends.

    On POSIX it is unlinked now (the system keeps it while DuckDB has it open);
    elsewhere it is removed at exit, and by the next :func:`sweep` after a crash.
    """
    if os.name == "posix":
        with contextlib.suppress(OSError):
            path.unlink()
        return
    held_here.add(path)
    atexit.register(remove_files, [path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)])
