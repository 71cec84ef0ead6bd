"""Find without filtering in the window's log (issue 13, feature 2): the bar hooked on
the table highlights and jumps while every row stays listed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.ui.models.table_model import COL_RESOURCE
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake


def test_slash_finds_and_n_jumps_without_filtering(qtbot: Any) -> None:
    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle)
    w.windowHandle().requestActivate()
    qtbot.waitUntil(w.isActiveWindow)
    w.table.setFocus()
    qtbot.keyClick(w.table, "/")
    assert w.find_bar.isVisible() and w.find_bar.edit.hasFocus()
    qtbot.keyClicks(w.find_bar.edit, "dragon-staging-10")
    qtbot.keyClick(w.find_bar.edit, Qt.Key.Key_Return)
    first = w.table.currentIndex().row()
    assert "dragon-staging-10" in w.model.index(first, COL_RESOURCE).data()
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_N)
    second = w.table.currentIndex().row()
    assert second != first
    assert "dragon-staging-10" in w.model.index(second, COL_RESOURCE).data()
    assert w.model.rowCount() == 3000 and w.search.text() == ""  # nothing filtered
    w.find_bar.edit.setFocus()
    qtbot.keyClick(w.find_bar.edit, Qt.Key.Key_Escape)
    assert not w.find_bar.isVisible()
