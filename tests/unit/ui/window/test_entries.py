"""The log's rows and their context menu (EntriesController): a chosen row shows its
entry, copying one cell or whole rows, pivoting from a cell into the query."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from auditviewer.query.sql import field_term
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.table_model import COL_ACTOR, COL_EVENT, COL_SUMMARY
from auditviewer.ui.models.table_rows import copy_cell
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    return w


def test_choosing_a_row_while_the_report_is_open_shows_its_entry(window: MainWindow) -> None:
    window.show_report()
    assert window.right.currentWidget() is window.integrity
    window.table.selectRow(5)
    assert window.right.currentWidget() is window.pane
    assert window.pane.entry() is not None


def test_a_refresh_keeps_the_report_open(qtbot: Any, window: MainWindow) -> None:
    window.table.selectRow(5)
    window.show_report()
    window.search.set_text("hana")  # the selection is put back (or not) by the refresh
    qtbot.waitUntil(window.is_idle)
    assert window.right.currentWidget() is window.integrity


def test_ctrl_c_copies_the_current_cells_whole_value(qtbot: Any, window: MainWindow) -> None:
    row = 4
    window.table.setCurrentIndex(window.model.index(row, COL_ACTOR))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    stored = window.model.row(row, wait=True)
    assert stored is not None
    assert QGuiApplication.clipboard().text() == copy_cell(stored.raw[1])
    assert "\t" not in QGuiApplication.clipboard().text()


def test_ctrl_shift_c_copies_the_selected_rows_with_a_header(
    qtbot: Any, window: MainWindow
) -> None:
    flags = QItemSelectionModel.SelectionFlag
    # Not selectRow: it follows the keyboard modifiers an earlier key click left behind.
    window.table.selectionModel().select(window.model.index(1, 0), flags.ClearAndSelect | flags.Rows)
    window.table.selectionModel().select(window.model.index(2, 0), flags.Select | flags.Rows)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, CTRL | Qt.KeyboardModifier.ShiftModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:4] == ["Integrity", "Seq", "Time", "Event type"]
    assert len(lines) == 3


def test_the_log_menu_offers_copy_value_and_copy_rows(window: MainWindow) -> None:
    menus: list[QMenu] = []
    window.entries.popup = lambda menu, at: menus.append(menu)  # type: ignore[method-assign]
    rect = window.table.visualRect(window.model.index(3, COL_ACTOR))
    window.entries.table_menu(rect.center())
    actions = {a.text().split("\t")[0]: a for a in menus[0].actions()}
    assert "Copy value" in actions and "Copy rows (TSV, JSON-escaped)" in actions
    actions["Copy value"].trigger()
    stored = window.model.row(3, wait=True)
    assert stored is not None
    assert QGuiApplication.clipboard().text() == copy_cell(stored.raw[1])


def test_ctrl_l_focuses_the_search_field(qtbot: Any, window: MainWindow) -> None:
    window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_L, CTRL)
    assert window.focusWidget() is window.search.edit


def test_ctrl_e_exports_from_the_search_field(qtbot: Any, window: MainWindow) -> None:
    opened: list[object] = []
    window.export.open_export = lambda scope=None: opened.append(scope)  # type: ignore[method-assign]
    window.menus.export_action.setEnabled(True)  # the fake session cannot export
    window.activateWindow()
    window.search.edit.setFocus()
    window.search.edit.setText("actor")
    qtbot.keyClick(window.search.edit, Qt.Key.Key_E, CTRL)
    assert opened == [None]


def _menu_actions(window: MainWindow, row: int, column: int) -> dict[str, QAction]:
    menus: list[QMenu] = []
    window.entries.popup = lambda menu, at: menus.append(menu)  # type: ignore[method-assign]
    window.entries.table_menu(window.table.visualRect(window.model.index(row, column)).center())
    return {a.text().split("\t")[0]: a for a in menus[0].actions()}


@pytest.fixture
def stored_window(qtbot: Any) -> MainWindow:
    """A window over the real store (the query language, not the fake's matching)."""
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY], remember=False)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    return w


def test_filter_to_a_cells_value_writes_the_term_into_the_search(
    qtbot: Any, stored_window: MainWindow
) -> None:
    window = stored_window
    stored = window.model.row(0, wait=True)
    assert stored is not None
    actor = stored.raw[1]
    _menu_actions(window, 0, COL_ACTOR)["Filter to this value"].trigger()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.search.text() == field_term("actor", actor)
    shown = window.model.rowCount()
    assert 0 < shown < 3000
    actors = {window.model.row(i, wait=True).raw[1] for i in range(shown)}  # type: ignore[union-attr]
    assert actors == {actor}


def test_exclude_a_cells_value_adds_a_negated_term(
    qtbot: Any, stored_window: MainWindow
) -> None:
    window = stored_window
    window.search.set_text("hana")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    before = window.model.rowCount()
    stored = window.model.row(0, wait=True)
    assert stored is not None
    _menu_actions(window, 0, COL_EVENT)["Exclude this value"].trigger()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.search.text() == "hana " + field_term("event", stored.raw[0], exclude=True)
    after = window.model.rowCount()
    assert after < before
    assert stored.raw[0] not in {window.model.row(i, wait=True).raw[0] for i in range(after)}  # type: ignore[union-attr]


def test_the_summary_cannot_be_pivoted_on(window: MainWindow) -> None:
    actions = _menu_actions(window, 0, COL_SUMMARY)
    assert not actions["Filter to this value"].isEnabled()
    assert not actions["Exclude this value"].isEnabled()
