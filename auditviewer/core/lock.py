"""An exclusive lock between processes on a small lock file, for read-merge-write updates.

Files of case work (annotations, search history, saved searches) are rewritten
whole by the atomic writer (:mod:`auditviewer.core.atomic`), so a crash never
leaves half a file; but two processes that each read, change and write the same
file would lose one of the changes. Every such update therefore runs under
:func:`exclusive_lock` on ``<file>.lock``: read the file as it is now, apply the
change, write it, release. The lock is the operating system's (``flock`` on
POSIX, ``msvcrt.locking`` on Windows), so a process that dies holding it
releases it; the lock file itself is left in place (empty, harmless).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from auditviewer.core.about import APP_NAME
from auditviewer.core.errors import AuditViewerError

#: How long to wait for another process before giving up with a clear message.
LOCK_TIMEOUT_SECONDS = 30.0


class LockTimeout(AuditViewerError):
    """Another process held the lock for longer than the timeout."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive_lock(path: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block's duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise AuditViewerError(f"{path}: cannot be opened to lock ({exc.strerror or exc})") from exc
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{path}: another {APP_NAME} process kept it locked for {timeout:.0f} s")
            time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


__all__ = ["LOCK_TIMEOUT_SECONDS", "LockTimeout", "exclusive_lock"]
