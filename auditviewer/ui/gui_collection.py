"""Cyclic garbage collection on the GUI thread only.

Python collects cycles on whichever thread happens to allocate past a
threshold. In the viewer that is often a worker (a load makes millions of
objects), and a collection there may free a cycle that holds a Qt object made
on the GUI thread: its C++ destructor then runs off the GUI thread, which Qt
does not allow and which crashed a test run once (a segfault in ``json.dumps``
on a loader thread, session 4). As qutebrowser and pyqtgraph do,
:class:`GuiThreadCollector` turns automatic collection off and collects from a
timer on the GUI thread instead, by the same generation thresholds Python uses.

While a workspace loads (:func:`auditviewer.workspace.store_session.loading_now`)
only the young generations are collected: a full collection over the load's
millions of long-lived objects holds the GIL for about half a second and would
freeze the window (that is why loading already turned collection off). The
timer's period bounds how long cyclic garbage waits: 0.5 s.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from auditviewer.workspace.store_session import loading_now

#: How often the GUI thread looks at the allocation counts (ms).
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Turns automatic collection off while running and collects on the GUI thread's timer."""

    def __init__(self, parent: QObject | None = None, *, loading: Callable[[], bool] = loading_now) -> None:
        super().__init__(parent)
        self._loading = loading
        self._was_enabled: bool | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)

    @property
    def running(self) -> bool:
        return self._was_enabled is not None

    def start(self) -> None:
        if self.running:
            return
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collects what is left, on this (the GUI) thread, and gives collection back."""
        if not self.running:
            return
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None

    def collect_due(self) -> int:
        """Collects the generations past their thresholds (as Python would); returns what was freed."""
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        if counts[0] <= thresholds[0]:
            return 0
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 1
            if counts[2] > thresholds[2] and not self._loading():
                generation = 2
        return gc.collect(generation)
