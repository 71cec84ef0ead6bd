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


def test_loading_until_the_first_bins(qtbot: Any) -> None:
    """Defect 13.12: "Loading…" while rows are listed and the histogram is on its way."""
    tl = Timeline()
    qtbot.addWidget(tl)
    assert tl.placeholder() == "Loading…"
    tl.set_bins([], HOUR_MS)
    assert tl.placeholder() == "No entries to chart"
    tl.set_bins(BINS, HOUR_MS)
    assert tl.placeholder() is None
    tl.clear()  # another workspace is opening
    assert tl.placeholder() == "Loading…" and tl.bins() == []


def test_hover_shows_the_bars_span_and_count(qtbot: Any) -> None:
    """Feature 13.6: a bar's time span and its count."""
    tl = make(qtbot)
    x = tl.ms_to_x(3 * HOUR_MS + HOUR_MS // 2)
    assert tl.bar_at(x) == (3 * HOUR_MS, 4 * HOUR_MS, (3 * 7) % 13)
    assert tl.bar_text(x) == "1970-01-01 03:00:00 – 04:00:00\n8 entries"
    assert tl.bar_at(tl.ms_to_x(1 * HOUR_MS + 10))[2] == 7  # type: ignore[index]


def test_zoom_into_the_selection_and_back_out(qtbot: Any) -> None:
    """Feature 13.6: zoom the axis into a dragged range, drag finer inside it, back out."""
    tl = make(qtbot)
    full = tl.axis_span()
    assert not tl.zoom_to_selection()  # nothing selected yet
    tl.set_selection(10 * HOUR_MS, 20 * HOUR_MS)
    with qtbot.waitSignal(tl.zoomChanged) as sig:
        assert tl.zoom_to_selection()
    assert sig.args == [10 * HOUR_MS, 20 * HOUR_MS]
    assert tl.axis_span() == (10 * HOUR_MS, 20 * HOUR_MS) and tl.is_zoomed()
    # A drag now selects within the zoomed span: finer than before.
    with qtbot.waitSignal(tl.rangeSelected) as drag:
        qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(100, 30))
        qtbot.mouseMove(tl, QPoint(200, 30))
        qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(300, 30))
    lo, hi = drag.args
    assert 10 * HOUR_MS < lo < hi < 20 * HOUR_MS
    tl.set_selection(lo, hi)
    tl.setFocus()
    qtbot.keyClick(tl, Qt.Key.Key_Plus)  # a second zoom, by keyboard
    assert tl.axis_span() == (lo, hi)
    tl.set_bins(BINS, HOUR_MS)  # new counts keep the zoom
    assert tl.axis_span() == (lo, hi)
    tl.grab()  # paints clipped bars and the zoom note
    qtbot.keyClick(tl, Qt.Key.Key_Minus)
    assert tl.axis_span() == (10 * HOUR_MS, 20 * HOUR_MS)
    with qtbot.waitSignal(tl.zoomChanged) as out:
        assert tl.zoom_out()
    assert out.args == [None, None] and tl.axis_span() == full
    assert not tl.zoom_out()


def test_zoom_menu_enables_what_applies(qtbot: Any) -> None:
    tl = make(qtbot)
    texts = {a.text(): a.isEnabled() for a in tl.zoom_menu().actions()}
    assert texts == {"Zoom to Selection": False, "Zoom Out": False, "Show the Whole Span": False}
    tl.set_selection(0, 5 * HOUR_MS)
    menu = tl.zoom_menu()
    menu.actions()[0].trigger()
    assert tl.is_zoomed()
    texts = {a.text(): a.isEnabled() for a in tl.zoom_menu().actions()}
    assert texts["Zoom Out"] and texts["Show the Whole Span"]

