"""A stall watchdog for viewer tests: the longest time the GUI event loop did not run.

A QTimer ticks every ``interval_ms``; the longest gap between two ticks, less the
interval, is the longest stall (work done on the GUI thread, by a slot, a paint,
or a test step that runs GUI code synchronously, all count).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class StallWatch(QObject):
    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval = interval_ms / 1000
        self.longest = 0.0
        self.where = ""
        self._last: float | None = None
        self._label = ""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()

    def mark(self, label: str) -> None:
        """Name what runs next (reported with the longest stall)."""
        self._label = label

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            gap = now - self._last - self.interval
            if gap > self.longest:
                self.longest, self.where = gap, self._label
        self._last = now
