"""View ▸ Theme: system, light or dark for the whole application, remembered in the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.theme import DARK, SYSTEM, apply_theme, is_dark
from auditviewer.workspace.store_session import load_session
from tests.helpers.window import shown_window


@pytest.fixture
def app_palette(qapp: QApplication) -> Iterator[QPalette]:
    before = QPalette(qapp.palette())
    yield before
    apply_theme(qapp, SYSTEM)  # later tests see the system's look again


def test_dark_is_applied_remembered_and_restored(qtbot: Any, app_palette: QPalette) -> None:
    window = shown_window(qtbot, load_session)
    assert window.menus.theme_actions[SYSTEM].isChecked()
    window.menus.theme_actions[DARK].trigger()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert is_dark(app.palette())
    assert window.settings.value("view/theme") == DARK
    assert window.menus.theme_actions[DARK].isChecked() and not window.menus.theme_actions[SYSTEM].isChecked()

    # A new window with the same settings starts dark.
    apply_theme(app, SYSTEM)
    again = MainWindow(load_session, settings=window.settings)
    qtbot.addWidget(again)
    assert is_dark(app.palette()) and again.menus.theme_actions[DARK].isChecked()

    again.menus.theme_actions[SYSTEM].trigger()
    assert app.palette().color(QPalette.ColorRole.Window) == app_palette.color(QPalette.ColorRole.Window)
    assert again.settings.value("view/theme") == SYSTEM
