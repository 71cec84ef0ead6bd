"""The viewer's entry point: ``run(paths, demo=..., quit_after=...)``.

``auditviewer open PATH...``, ``auditviewer demo`` and a bare ``auditviewer``
all come here (wired in :mod:`auditviewer.cli`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from auditviewer.core.about import APP_NAME
from auditviewer.core.paths import APP
from auditviewer.ui.gui_collection import GuiThreadCollector
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.widgets.workspace_tabs import WorkspaceTabs
from auditviewer.ui.window.loading import jobs_running
from auditviewer.workspace import cache_folder

log = logging.getLogger(__name__)
#: The desktop entry's base name (auditviewer.desktop): Wayland compositors and
#: task bars match the window to its icon and name by it.
DESKTOP_FILE_NAME = "auditviewer"


def demo_paths() -> tuple[list[str], list[str]]:
    """The demo bundle (generated on first use) and the key that verifies it."""
    from auditviewer.demo import demo_bundle_path, demo_verifier_key

    return [str(demo_bundle_path())], [demo_verifier_key()]


def make_window() -> MainWindow:
    from auditviewer.workspace.store_session import load_session

    return MainWindow(load_session, demo_paths=demo_paths)


def _app() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    configure(app)
    # Cycles are collected on this thread only, never on a loader's (gui_collection.py).
    GuiThreadCollector(app).start()
    return app


def configure(app: QApplication) -> None:
    """Names, desktop entry and icon of the application."""
    # One application name everywhere (auditviewer.core.paths.APP), and no organisation name:
    # Qt's own folders (QStandardPaths) are then exactly ours (with an organisation Qt
    # nests them, auditviewer/auditviewer). Settings: make_settings. People see APP_NAME.
    app.setApplicationName(APP)
    app.setOrganizationName("")
    app.setApplicationDisplayName(APP_NAME)
    QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    set_icon(app)


def set_icon(app: QApplication) -> bool:
    """The window icon; a missing or broken icon is logged, never fatal (the window works without)."""
    try:
        from auditviewer.ui.dialogs.about import app_icon

        icon = app_icon()
    except (ImportError, OSError, ValueError, RuntimeError) as exc:
        log.warning("%s: no window icon (%s: %s)", APP_NAME, type(exc).__name__, exc)
        return False
    if icon.isNull():
        log.warning("%s: the window icon could not be loaded", APP_NAME)
        return False
    app.setWindowIcon(icon)
    return True


def run(paths: list[str], *, demo: bool = False, quit_after: float | None = None) -> int:
    """Show the window, open ``paths`` (or the demo), run until closed.

    ``quit_after`` (seconds) closes the window by itself: smoke tests use it.
    """
    app = _app()
    # What a crash, a cancel or a full disk left in the workspace cache goes at each start.
    cache_folder.sweep()
    window = make_window()
    host = WorkspaceTabs(make_window, window)  # several workspaces, one tab each
    host.show()
    if demo:
        QTimer.singleShot(0, window.open_demo)
    elif paths:
        QTimer.singleShot(0, lambda: window.open_paths([str(Path(p)) for p in paths]))
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), host.close)
    code = app.exec()
    if jobs_running():
        # A cancelled load that has not stopped within the window's wait (a long
        # statement or the checkpoint judging between two cancel checks): end the
        # process rather than wait. Its cache file was never marked complete, so
        # the next opening sets it aside and rebuilds it (workspace/cache.py).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))
    return int(code)
