"""Small screens (issue 13, defect 10): a first start at 1280 x 800 gives the log the
width, the entry pane opens and closes (View ▸ Entry Pane, Ctrl+I, remembered), and
the log's columns are fitted to their content until the person sets widths."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt

from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.ui.models.table_model import (
    COL_ACTOR,
    COL_EVENT,
    COL_RESOURCE,
    COL_SEQ,
    COL_SUMMARY,
    COL_TIME,
    COL_TITLE,
)
from auditviewer.ui.window.layout import COLUMN_BOUNDS, LayoutController
from tests.unit.ui.test_main_window import fake_loader, open_fake

CTRL = Qt.KeyboardModifier.ControlModifier


def first_start(qtbot: Any, monkeypatch: pytest.MonkeyPatch, width: int, height: int) -> MainWindow:
    """A window as a first start on a screen giving it ``width`` x ``height``."""
    monkeypatch.setattr(LayoutController, "default_size", lambda self: QSize(width, height))
    w = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_a_first_start_at_1280_fits_the_log_and_keeps_the_empty_pane_closed(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1280, 800)
    assert w.width() == 1280
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=10_000)
    assert w.right.isHidden()
    assert not w.menus.pane_action.isChecked()
    hh = w.table.horizontalHeader()
    viewport = w.table.viewport().width()
    assert viewport > 900
    for col in (COL_SEQ, COL_TIME, COL_EVENT, COL_ACTOR, COL_RESOURCE, COL_TITLE):
        assert hh.sectionViewportPosition(col) + hh.sectionSize(col) <= viewport, col
    assert viewport - hh.sectionViewportPosition(COL_SUMMARY) >= 150  # Summary readable
    assert not w.table.horizontalScrollBar().isVisible()


def test_a_first_start_on_a_wide_screen_opens_the_pane(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1600, 1000)
    assert not w.right.isHidden()
    assert w.menus.pane_action.isChecked()


def test_ctrl_i_closes_and_opens_the_entry_pane_and_it_is_remembered(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1600, 1000)
    open_fake(qtbot, w)
    w.activateWindow()
    w.table.setFocus()
    before = w.table.viewport().width()
    qtbot.keyClick(w.table, Qt.Key.Key_I, CTRL)
    assert w.right.isHidden()
    qtbot.waitUntil(lambda: w.table.viewport().width() > before + 200)
    qtbot.keyClick(w.table, Qt.Key.Key_I, CTRL)
    assert not w.right.isHidden()
    assert w.main_split.sizes()[2] >= 240
    assert w.right.currentWidget() is w.pane
    qtbot.keyClick(w.table, Qt.Key.Key_I, CTRL)
    w.save_settings()
    again = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(again)
    assert again.right.isHidden()
    assert not again.menus.pane_action.isChecked()


def test_choosing_to_see_an_entry_opens_the_closed_pane(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1280, 800)
    open_fake(qtbot, w)
    assert w.right.isHidden()
    w.table.selectRow(2)
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Return)
    assert not w.right.isHidden()
    assert w.right.currentWidget() is w.pane
    assert w.menus.pane_action.isChecked()


def test_ctrl_i_on_the_report_shows_the_entry_rather_than_closing(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1600, 1000)
    open_fake(qtbot, w)
    w.show_report()
    assert w.right.currentWidget() is w.integrity
    w.menus.pane_action.trigger()
    assert not w.right.isHidden()
    assert w.right.currentWidget() is w.pane


def test_columns_are_fitted_to_their_content_within_bounds(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1280, 800)
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=10_000)
    hh = w.table.horizontalHeader()
    fm = w.table.fontMetrics()
    time_text = w.model.index(0, COL_TIME).data()
    assert hh.sectionSize(COL_TIME) >= fm.horizontalAdvance(time_text)
    seq_text = w.model.index(0, COL_SEQ).data()
    assert hh.sectionSize(COL_SEQ) < 90 and hh.sectionSize(COL_SEQ) >= fm.horizontalAdvance(seq_text)
    for col in (COL_EVENT, COL_ACTOR, COL_RESOURCE, COL_TITLE):
        least, most = COLUMN_BOUNDS[col]
        assert least <= hh.sectionSize(col) <= most, col


def test_a_width_the_person_chose_is_kept_when_the_next_workspace_opens(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = first_start(qtbot, monkeypatch, 1280, 800)
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=10_000)
    hh = w.table.horizontalHeader()
    hh.resizeSection(COL_ACTOR, 333)
    hh.resizedByPerson.emit(COL_ACTOR)  # as a drag of its handle says
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=10_000)
    assert hh.sectionSize(COL_ACTOR) == 333
    w.reset_layout()  # fits again
    assert hh.sectionSize(COL_ACTOR) <= COLUMN_BOUNDS[COL_ACTOR][1]


def test_the_seq_column_is_never_narrower_than_the_largest_seq(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fitted while a 1M log loaded (seq 28,639 first), the column showed "9999…" at the end.
    from dataclasses import replace

    w = first_start(qtbot, monkeypatch, 1280, 800)
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle, timeout=10_000)
    hh = w.table.horizontalHeader()
    need = w.table.fontMetrics().horizontalAdvance("12345678")
    assert hh.sectionSize(COL_SEQ) < need  # the fake log's seqs are short
    assert w.session is not None and w.session.report is not None
    w.session.report = replace(w.session.report, last_seq=12_345_678)
    w.loadFinished.emit("verified")
    assert hh.sectionSize(COL_SEQ) >= need
    w.layouts.fit_columns()  # a later fit, however tight the window, keeps it
    assert hh.sectionSize(COL_SEQ) >= need
