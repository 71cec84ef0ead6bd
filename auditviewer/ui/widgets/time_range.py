"""Time range: presets relative to the newest entry (last 24 h, 7 days, 30 days,
all), a custom range, and the UTC/Local switch that also governs how typed
times are read.

One source of truth: ``time_range()`` (the range last emitted) is the filter, and
the From/To fields only ever show it. The workspace's bounds (``set_bounds``, sent
on every refresh) fill the fields only while no range is chosen, so a range chosen
by dragging on the timeline (``set_range``) or typed in the fields stays what the
fields show until the person changes it.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from auditviewer.core.times import DAY_MS, zone_name

PRESET_ALL = "all"
PRESET_24H = "24h"
PRESET_7D = "7d"
PRESET_30D = "30d"
PRESET_CUSTOM = "custom"
PRESETS: tuple[tuple[str, str, int | None], ...] = (
    (PRESET_ALL, "All time", None),
    (PRESET_24H, "Last 24 hours", DAY_MS),
    (PRESET_7D, "Last 7 days", 7 * DAY_MS),
    (PRESET_30D, "Last 30 days", 30 * DAY_MS),
    (PRESET_CUSTOM, "Custom range…", None),
)

TimeRange = tuple[int | None, int | None]  # [start, end) in epoch ms; None is open


class TimeRangeBar(QWidget):
    """Emits ``rangeChanged((start_ms, end_ms))`` and ``utcChanged(bool)``."""

    rangeChanged = Signal(object)
    utcChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._newest: int | None = None
        self._oldest: int | None = None
        self._range: TimeRange = (None, None)
        self._utc = True

        self.label = QLabel("Time", self)
        self.preset = QComboBox(self)
        self.preset.setObjectName("timePreset")
        self.preset.setAccessibleName("Time range")
        for key, text, _ in PRESETS:
            self.preset.addItem(text, key)
        self.preset.setToolTip("Relative to the newest entry in the workspace")
        self.start_edit = QDateTimeEdit(self)
        self.end_edit = QDateTimeEdit(self)
        for edit, name in ((self.start_edit, "From"), (self.end_edit, "To")):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(f"{name} time")
            edit.setKeyboardTracking(False)
        self.dash = QLabel("–", self)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("All time")
        self.utc_button = QToolButton(self)
        self.utc_button.setObjectName("utcToggle")
        self.utc_button.setCheckable(True)
        self.utc_button.setChecked(True)
        self.utc_button.setToolTip(
            "Show and read times in UTC (on) or in this computer's local time (off)"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.preset)
        layout.addWidget(self.start_edit)
        layout.addWidget(self.dash)
        layout.addWidget(self.end_edit)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        layout.addWidget(self.utc_button)

        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.start_edit.dateTimeChanged.connect(self._custom_changed)
        self.end_edit.dateTimeChanged.connect(self._custom_changed)
        self.clear_button.clicked.connect(self.clear)
        self.utc_button.toggled.connect(self._utc_toggled)
        self._update_zone()
        self._show_custom(False)

    # -- state -----------------------------------------------------------
    def utc(self) -> bool:
        return self._utc

    def set_utc(self, utc: bool) -> None:
        self.utc_button.setChecked(utc)

    def time_range(self) -> TimeRange:
        return self._range

    def preset_key(self) -> str:
        return str(self.preset.currentData())

    def set_bounds(self, oldest_ms: int | None, newest_ms: int | None) -> None:
        """The workspace's first and last entry times (presets count back from newest)."""
        self._oldest, self._newest = oldest_ms, newest_ms
        if self.preset_key() == PRESET_CUSTOM:
            self._show_range()  # a chosen range is never overwritten by the bounds
            return
        if self.preset_key() != PRESET_ALL:
            self._preset_changed()
        self._show_range()

    def set_range(self, start_ms: int | None, end_ms: int | None) -> None:
        """Set a custom range (the timeline's drag) and emit it."""
        if start_ms is None and end_ms is None:
            self.clear()
            return
        self._block(True)
        self.preset.setCurrentIndex(self._preset_index(PRESET_CUSTOM))
        if start_ms is not None:
            self.start_edit.setDateTime(self._qdt(start_ms))
        if end_ms is not None:
            self.end_edit.setDateTime(self._qdt(end_ms))
        self._block(False)
        self._show_custom(True)
        self._emit((start_ms, end_ms))

    def clear(self) -> None:
        self.preset.setCurrentIndex(self._preset_index(PRESET_ALL))
        self._emit((None, None))

    def select_preset(self, key: str) -> None:
        self.preset.setCurrentIndex(self._preset_index(key))

    # -- internals -------------------------------------------------------
    def _preset_index(self, key: str) -> int:
        return next(i for i, (k, _, _) in enumerate(PRESETS) if k == key)

    def _block(self, on: bool) -> None:
        for w in (self.preset, self.start_edit, self.end_edit):
            w.blockSignals(on)

    def _zone(self) -> QTimeZone:
        return QTimeZone.utc() if self._utc else QTimeZone.systemTimeZone()

    def _qdt(self, ms: int) -> QDateTime:
        return QDateTime.fromMSecsSinceEpoch(ms, self._zone())

    def _show_range(self) -> None:
        """The From/To fields show the current range, its open ends at the bounds."""
        start, end = self._range
        if start is None:
            start = self._oldest
        if end is None and self._newest is not None:
            end = self._newest + 1000
        self._block(True)
        if start is not None:
            self.start_edit.setDateTime(self._qdt(start))
        if end is not None:
            self.end_edit.setDateTime(self._qdt(end))
        self._block(False)

    def _show_custom(self, on: bool) -> None:
        for w in (self.start_edit, self.dash, self.end_edit):
            w.setVisible(on)
        self.clear_button.setEnabled(self._range != (None, None))

    def _preset_changed(self, *_: object) -> None:
        key = self.preset_key()
        self._show_custom(key == PRESET_CUSTOM)
        if key == PRESET_CUSTOM:
            self._show_range()  # Custom starts from the range in force, not the bounds
            self._custom_changed()
            return
        span = next(s for k, _, s in PRESETS if k == key)
        if span is None or self._newest is None:
            self._emit((None, None))
        else:
            self._emit((self._newest + 1 - span, self._newest + 1))

    def _custom_changed(self, *_: object) -> None:
        if self.preset_key() != PRESET_CUSTOM:
            return
        start = self.start_edit.dateTime().toMSecsSinceEpoch()
        end = self.end_edit.dateTime().toMSecsSinceEpoch()
        if end < start:
            start, end = end, start
        self._emit((start, end))

    def _emit(self, new: TimeRange) -> None:
        self.clear_button.setEnabled(new != (None, None))
        if new == self._range:
            return
        self._range = new
        if self.preset_key() != PRESET_CUSTOM:
            self._show_range()
        self.rangeChanged.emit(new)

    def _utc_toggled(self, on: bool) -> None:
        start = self.start_edit.dateTime().toMSecsSinceEpoch()
        end = self.end_edit.dateTime().toMSecsSinceEpoch()
        self._utc = on
        self._update_zone()
        self._block(True)
        self.start_edit.setTimeZone(self._zone())
        self.end_edit.setTimeZone(self._zone())
        self.start_edit.setDateTime(self._qdt(start))
        self.end_edit.setDateTime(self._qdt(end))
        self._block(False)
        self.utcChanged.emit(on)

    def _update_zone(self) -> None:
        # The zone named, not just "Local": what the table's times are read in.
        self.utc_button.setText("UTC" if self._utc else f"Local ({zone_name(False)})")
        for edit in (self.start_edit, self.end_edit):
            edit.setTimeZone(self._zone())

