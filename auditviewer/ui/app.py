"""The viewer's entry point: ``run(paths, demo=..., quit_after=...)``.

``auditviewer open PATH...``, ``auditviewer demo`` and a bare ``auditviewer``
all come here (wired in :mod:`auditviewer.cli`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from auditviewer.ui.main_window import APP_NAME, MainWindow


def demo_paths() -> tuple[list[str], list[str]]:
    """The demo bundle (generated on first use) and the key that verifies it."""
    from auditviewer.sample import demo_bundle_path, demo_verifier_key

    return [str(demo_bundle_path())], [demo_verifier_key()]


def make_window() -> MainWindow:
    from auditviewer.ui.loader import load_session

    return MainWindow(load_session, demo_paths=demo_paths)


def _app() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    try:
        from auditviewer.ui.about_dialog import app_icon

        app.setWindowIcon(app_icon())
    except Exception:
        pass
    return app


def run(paths: list[str], *, demo: bool = False, quit_after: float | None = None) -> int:
    """Show the window, open ``paths`` (or the demo), run until closed.

    ``quit_after`` (seconds) closes the window by itself: smoke tests use it.
    """
    app = _app()
    window = make_window()
    window.show()
    if demo:
        QTimer.singleShot(0, window.open_demo)
    elif paths:
        QTimer.singleShot(0, lambda: window.open_paths([str(Path(p)) for p in paths]))
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    code = app.exec()
    return int(code)
