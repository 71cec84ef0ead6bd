"""The binding's emit leak (True loses a reference per Signal.emit on 3.11) is neutralised."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import auditviewer.ui  # noqa: F401  (applies the fixes)


class _Emitter(QObject):
    ping = Signal()


def test_many_emits_do_not_exhaust_true() -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(20_000):
        emitter.ping.emit()
    assert sys.getrefcount(True) > 1_000_000
    assert before - sys.getrefcount(True) <= 20_000


def test_many_slot_calls_returning_none_do_not_exhaust_none() -> None:
    obj = QObject()
    obj.objectNameChanged.connect(lambda _name: None)
    for i in range(20_000):
        obj.setObjectName(str(i))
    assert sys.getrefcount(None) > 1_000_000
