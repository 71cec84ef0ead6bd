"""The log's rows and their context menu (EntriesController): a chosen row shows its
entry, copying one cell or whole rows, pivoting from a cell into the query."""

from __future__ import annotations

from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake


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
