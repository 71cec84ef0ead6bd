"""Work-arounds for bugs of the Qt binding, applied once when ``auditviewer.ui`` is imported.

``Signal.emit`` from Python (PySide6 6.12 at least) returns ``True`` without
taking a reference to it. On Python 3.11, where ``True`` is an ordinary
object, every emit lowers its reference count by one; after a few hundred
emits the interpreter aborts with "bool_dealloc: deallocating True or
False". Python 3.12 made ``True`` immortal, so the bug is harmless there.

The same binding drops a reference to ``None`` each time a Python callable
connected to a signal of Qt's own (``QAction.triggered``, a timer's
``timeout``) returns ``None``: the same abort, "none_dealloc", after a long
session.

The checks below detect each leak and, only if it is present, give the
object (``True`` and ``False``, or ``None``) a reference count so large that
no session can exhaust it — the immortality Python 3.12 gives them anyway.
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


def _slot_result_leaks_none() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    probe.objectNameChanged.connect(lambda _name: None)
    before = sys.getrefcount(None)
    for i in range(8):
        probe.setObjectName(f"probe{i}")
    after = sys.getrefcount(None)
    return after < before


def _pin(obj: object) -> None:
    # CPython: ob_refcnt is the first field of every object.
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    refcnt.value += _PINNED


def apply() -> tuple[bool, bool]:
    """Apply the fixes this runtime needs; which leaks (True's, None's) were neutralised."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False, False
    fixed_true = sys.getrefcount(True) > _PINNED
    if not fixed_true and _emit_leaks_true():
        _pin(True)
        _pin(False)
        fixed_true = True
    fixed_none = sys.getrefcount(None) > _PINNED
    if not fixed_none and _slot_result_leaks_none():
        _pin(None)
        fixed_none = True
    return fixed_true, fixed_none


EMIT_LEAK_NEUTRALISED, SLOT_NONE_LEAK_NEUTRALISED = apply()
