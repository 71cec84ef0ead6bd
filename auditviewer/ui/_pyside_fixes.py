"""Work-arounds for bugs of the Qt binding, applied once when ``auditviewer.ui`` is imported.

``Signal.emit`` from Python (PySide6 6.12 at least) returns ``True`` without
taking a reference to it. On Python 3.11, where ``True`` is an ordinary
object, every emit lowers its reference count by one; after a few hundred
emits the interpreter aborts with "bool_dealloc: deallocating True or
False". Python 3.12 made ``True`` immortal, so the bug is harmless there.

The check below detects the leak with one emit and, only if it is present,
gives ``True`` (and ``False``, to be safe) a reference count so large that no
session can exhaust it — the immortality that 3.12 gives them anyway.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = 1 << 40


def _emit_leaks_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    after = sys.getrefcount(True)
    return after < before


def _pin(obj: object) -> None:
    # CPython: ob_refcnt is the first field of every object.
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    refcnt.value += _PINNED


def apply() -> bool:
    """Apply the fixes this runtime needs; True if the emit leak was found and neutralised."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if sys.getrefcount(True) > _PINNED:
        return True  # already applied
    if not _emit_leaks_true():
        return False
    _pin(True)
    _pin(False)
    return True


EMIT_LEAK_NEUTRALISED = apply()
