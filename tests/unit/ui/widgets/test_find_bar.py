"""Find bar: highlight without filtering, jump with n / N, F3 / Shift+F3, wrap, bounded scans."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView

from auditviewer.ui.models.table_model import COL_ACTOR, EntryTableModel
from auditviewer.ui.widgets import find_bar
from auditviewer.ui.widgets.find_bar import FindBar, find_spans
from tests.unit.ui.models.test_table_model import FakeSource

ROWS = [("ana@acme", "Update"), ("bo@acme", "Create"), ("ANA@acme", "Delete"), ("cy@acme", "Update")]


def table(qtbot: Any, rows: list[tuple[str, str]] = ROWS) -> tuple[QTableView, FindBar]:
    model = QStandardItemModel(len(rows), 2)
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            model.setItem(r, c, QStandardItem(text))
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    bar = FindBar(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view.windowHandle().requestActivate()  # shortcuts answer in the active window only
    qtbot.waitUntil(view.isActiveWindow)
    return view, bar


def test_find_spans() -> None:
    assert find_spans("Ana met ana", "ANA") == [(0, 3), (8, 11)]
    assert find_spans("abc", "") == [] and find_spans("", "a") == []


def test_jumps_wrap_and_keep_every_row(qtbot: Any) -> None:
    view, bar = table(qtbot)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Slash)  # "/" opens the bar, as in lnav
    assert bar.isVisible() and bar.edit.hasFocus()
    qtbot.keyClicks(bar.edit, "ana")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert view.currentIndex().row() == 0
    assert view.model().rowCount() == 4  # nothing filtered
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_N)  # n: next (case-insensitive)
    assert view.currentIndex().row() == 2
    qtbot.keyClick(view, Qt.Key.Key_N)
    assert view.currentIndex().row() == 0 and "wrapped" in bar.status.text()
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)  # N: previous
    assert view.currentIndex().row() == 2
    qtbot.keyClick(view, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_F3)
    assert view.currentIndex().row() == 2
    bar.edit.setText("nobody")
    assert bar.find_next() is None and bar.status.text() == "No match"
    # The window binds Escape too (clearing its search): in the bar, Escape is the bar's.
    window_escapes: list[bool] = []
    window_escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), view)
    window_escape.setContext(Qt.ShortcutContext.WindowShortcut)
    window_escape.activated.connect(lambda: window_escapes.append(True))
    bar.edit.setFocus()
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and bar.text() == "" and bar.delegate.needle == ""
    assert window_escapes == [] and view.hasFocus()


def test_matches_are_tinted(qtbot: Any) -> None:
    view, bar = table(qtbot)
    bar.open("Update")
    image = view.viewport().grab().toImage()
    match_rect = view.visualRect(view.model().index(0, 1))
    other_rect = view.visualRect(view.model().index(1, 1))

    def yellowish(rect: Any) -> int:
        y = rect.center().y()
        return sum(
            1 for x in range(rect.left(), rect.right())
            if (c := QColor(image.pixelColor(x, y))).red() > 200 and c.blue() < 150
        )

    assert yellowish(match_rect) > 5 and yellowish(other_rect) == 0


def test_scan_is_bounded_and_resumes(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(find_bar, "MAX_SCAN_ROWS", 3)
    rows = [(f"row{i}", "x") for i in range(8)] + [("needle", "x")]
    _view, bar = table(qtbot, rows)
    bar.open("needle")
    assert bar.find_next() is None and "3 rows" in bar.status.text()
    assert bar.find_next() is None  # rows 3..5
    assert bar.find_next() == 8  # rows 6..8: found


def test_paged_log_model_and_locator(qtbot: Any) -> None:
    model = EntryTableModel()
    model.set_source(FakeSource(1000))
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    bar = FindBar(view)
    bar.open("user777@")
    assert bar.find_next() == 777
    assert view.currentIndex().row() == 777
    assert model.row_texts(777)[COL_ACTOR].startswith("user777@")  # type: ignore[index]
    calls: list[tuple[str, int, bool]] = []
    bar.set_locator(lambda text, row, forward: calls.append((text, row, forward)) or 5)
    assert bar.find_previous() == 5 and calls == [("user777@", 777, False)]


def test_bar_stays_inside_the_viewport(qtbot: Any) -> None:
    """The bar floats in the viewport's corner, clear of a scroll bar appearing later."""
    view, bar = table(qtbot, [("a", "b")])
    bar.open("a")
    model = view.model()
    assert isinstance(model, QStandardItemModel)
    for i in range(200):  # rows enough for a vertical scroll bar
        model.appendRow([QStandardItem(f"r{i}"), QStandardItem("x")])
    qtbot.waitUntil(view.verticalScrollBar().isVisible)
    viewport = view.viewport().geometry()
    qtbot.waitUntil(lambda: bar.geometry().right() <= viewport.right())
    assert bar.geometry().top() >= viewport.top()


def test_scan_stops_at_its_time_budget(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(find_bar, "SCAN_BUDGET_S", 0.0)
    rows = [(f"row{i}", "x") for i in range(300)] + [("needle", "x")]
    _view, bar = table(qtbot, rows)
    bar.open("needle")
    assert bar.find_next() is None and "next 63 rows" in bar.status.text()
    found = None
    for _ in range(10):  # each press goes on where the last stopped
        found = bar.find_next()
        if found is not None:
            break
    assert found == 300
