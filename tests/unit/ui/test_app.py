"""The entry point: run() shows the window and returns when it closes."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from auditviewer.ui import app as app_module
from auditviewer.ui.main_window import MainWindow


def test_run_without_paths_shows_start_page(qtbot: Any, monkeypatch: Any) -> None:
    made: list[MainWindow] = []
    real = app_module.make_window

    def make() -> MainWindow:
        w = real()
        made.append(w)
        return w

    monkeypatch.setattr(app_module, "make_window", make)
    assert app_module.run([], quit_after=0.3) == 0
    assert made and made[0].stack.currentWidget() is made[0].start_page
    assert isinstance(QApplication.instance(), QApplication)


def test_run_opens_paths(qtbot: Any, monkeypatch: Any) -> None:
    from tests.helpers.vectors import VECTORS

    statuses: list[str] = []
    real = app_module.make_window

    def make() -> MainWindow:
        w = real()
        w.loadFinished.connect(statuses.append)
        w.loadFinished.connect(lambda _s: w.close())
        return w

    monkeypatch.setattr(app_module, "make_window", make)
    assert app_module.run([str(VECTORS / "valid-jsonl")], quit_after=30) == 0
    assert statuses == ["incomplete"]  # no trusted key in this test's trust store


def test_configure_names_the_desktop_entry_and_sets_the_icon() -> None:
    from PySide6.QtGui import QGuiApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app_module.configure(app)
    assert QGuiApplication.desktopFileName() == "auditviewer"
    assert not app.windowIcon().isNull()


def test_a_broken_icon_is_logged_not_swallowed(monkeypatch: Any, caplog: Any) -> None:
    from auditviewer.ui.dialogs import about as about_dialog

    def broken() -> Any:
        raise OSError("icon file unreadable")

    monkeypatch.setattr(about_dialog, "app_icon", broken)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with caplog.at_level("WARNING", logger="auditviewer.ui.app"):
        assert app_module.set_icon(app) is False
    assert "icon file unreadable" in caplog.text
