"""Timeline: paints bins, drag selects a range, double-click clears."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from auditviewer.core.times import HOUR_MS
from auditviewer.ui.widgets.timeline import Timeline

BINS = [(i * HOUR_MS, (i * 7) % 13) for i in range(48)]


def make(qtbot: Any) -> Timeline:
    tl = Timeline()
    qtbot.addWidget(tl)
    tl.resize(480, 80)
    tl.set_bins(BINS, HOUR_MS)
    tl.show()
    qtbot.waitExposed(tl)
    return tl


def test_drag_selects_range(qtbot: Any) -> None:
    tl = make(qtbot)
    y = 30
    with qtbot.waitSignal(tl.rangeSelected) as sig:
        qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(100, y))
        qtbot.mouseMove(tl, QPoint(200, y))
        qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(300, y))
    lo, hi = sig.args
    assert lo == tl.x_to_ms(100) and hi == tl.x_to_ms(300)
    assert 0 < lo < hi < 48 * HOUR_MS
    tl.grab()


def test_click_without_drag_does_nothing(qtbot: Any) -> None:
    tl = make(qtbot)
    got: list[object] = []
    tl.rangeSelected.connect(lambda a, b: got.append((a, b)))
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(100, 30))
    assert got == []


def test_double_click_clears(qtbot: Any) -> None:
    tl = make(qtbot)
    tl.set_selection(0, HOUR_MS)
    with qtbot.waitSignal(tl.rangeCleared):
        qtbot.mouseDClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(100, 30))


def test_empty_paints(qtbot: Any) -> None:
    tl = Timeline()
    qtbot.addWidget(tl)
    tl.set_bins([], HOUR_MS)
    tl.resize(300, 60)
    assert not tl.grab().isNull()
