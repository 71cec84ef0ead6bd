"""The main window as the viewer's tests use it: built on a loader, shown and exposed."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.main_window import MainWindow, make_settings


def shown_window(qtbot: Any, loader: Any, **options: Any) -> MainWindow:
    """A :class:`MainWindow` loading through ``loader``, with its own settings, on screen.

    ``options`` go to the window (``demo_paths=…``); pytest-qt closes it after the test.
    """
    w = MainWindow(loader, settings=make_settings(), **options)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w
