"""The main window as the viewer's tests use it: built on a loader, shown and exposed."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.main_window import MainWindow, make_settings


def shown_window(qtbot: Any, loader: Any, *, size: tuple[int, int] | None = None, **options: Any) -> MainWindow:
    """A :class:`MainWindow` loading through ``loader``, with its own settings, on screen
    (``size``: resized first).

    ``options`` go to the window (``demo_paths=…``); pytest-qt closes it after the test.
    """
    w = MainWindow(loader, settings=make_settings(), **options)
    qtbot.addWidget(w)
    if size is not None:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w
