"""The window's arrangement: settings restored and saved, first-start size,
splitters, the log's columns, and which right-hand tab is shown.

Settings (``QSettings`` in our config folder, see ``make_settings``): geometry,
the three splitters, the table header (order, widths, hidden columns, saved half
a second after the last change), times in UTC, the timeline's visibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from auditviewer.ui.models.table_model import (
    COL_SEQ,
    COL_TAGS,
    COLUMN_COUNT,
    DEFAULT_WIDTHS,
    HIDDEN_BY_DEFAULT,
)
from auditviewer.ui.theme import SYSTEM, apply_theme
from auditviewer.ui.window.base import Controller

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

SETTINGS_VERSION = 1
DEFAULT_SCREEN_SHARE = 0.8  # a first window: this share of the screen's available area
LEFT_WIDTH = 220  # scope tree and facets, by default


class LayoutController(Controller):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._header_timer = QTimer(self)
        self._header_timer.setSingleShot(True)
        self._header_timer.setInterval(500)
        self._header_timer.timeout.connect(self.save_header)

    def set_theme(self, name: str) -> None:
        """Apply a colour theme (system / light / dark) to the application, remember it."""
        app = QApplication.instance()
        applied = apply_theme(app, name) if isinstance(app, QApplication) else SYSTEM
        self.w.settings.setValue("view/theme", applied)
        for theme, action in self.w.menus.theme_actions.items():
            action.setChecked(theme == applied)

    def restore_settings(self) -> None:
        w = self.w
        s = w.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            w.restoreGeometry(geometry)
        else:
            w.resize(self.default_size())
            self.fit_splitters(w.width())
        for key, split in (
            ("window/mainSplitter", w.main_split),
            ("window/leftSplitter", w.left),
            ("window/centreSplitter", w.centre),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                split.restoreState(value)
        header = s.value("table/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            w.table.horizontalHeader().restoreState(header)
        hh = w.table.horizontalHeader()
        for col, act in w.menus.column_actions.items():
            act.blockSignals(True)
            act.setChecked(not hh.isSectionHidden(col))
            act.blockSignals(False)
        utc = s.value("view/utc", True)
        utc_on = utc not in (False, "false", "0", 0)
        w.menus.utc_action.setChecked(utc_on)
        w.time_range.set_utc(utc_on)
        w.state = w.state.with_(utc=utc_on)
        w.model.set_utc(utc_on)
        w.timeline.set_utc(utc_on)
        w.pane.set_utc(utc_on)
        w.menus.timeline_action.setChecked(s.value("view/timeline", True) not in (False, "false"))
        w.loading.refresh_recent()
        theme = str(s.value("view/theme", SYSTEM))
        if theme != SYSTEM:  # the system's look needs nothing applied
            self.set_theme(theme)

    def default_size(self) -> QSize:
        """About 80% of the screen's available area (the first start; later the saved geometry)."""
        screen = self.w.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(1440, 880)
        area = screen.availableGeometry()
        return QSize(max(900, int(area.width() * DEFAULT_SCREEN_SHARE)),
                     max(600, int(area.height() * DEFAULT_SCREEN_SHARE)))

    def fit_splitters(self, width: int) -> None:
        """Scope tree and facets at a fixed width; of the rest, the log about 7/10, the entry pane 3/10."""
        left = LEFT_WIDTH
        rest = max(600, width - left)
        pane = max(340, rest * 3 // 10)
        self.w.main_split.setSizes([left, rest - pane, pane])

    def save_settings(self) -> None:
        w = self.w
        s = w.settings
        s.setValue("settings/version", SETTINGS_VERSION)
        s.setValue("window/geometry", w.saveGeometry())
        s.setValue("window/mainSplitter", w.main_split.saveState())
        s.setValue("window/leftSplitter", w.left.saveState())
        s.setValue("window/centreSplitter", w.centre.saveState())
        self.save_header()
        s.setValue("view/utc", w.state.utc)
        s.setValue("view/timeline", w.menus.timeline_action.isChecked())
        s.sync()

    def save_header_soon(self) -> None:
        self._header_timer.start()

    def save_header(self) -> None:
        self.w.settings.setValue("table/header", self.w.table.horizontalHeader().saveState())

    def reset_layout(self) -> None:
        w = self.w
        hh = w.table.horizontalHeader()
        for col in range(COLUMN_COUNT):
            hh.moveSection(hh.visualIndex(col), col)
            hh.resizeSection(col, DEFAULT_WIDTHS[col])
            self.set_column_visible(col, col not in HIDDEN_BY_DEFAULT)
        hh.moveSection(hh.visualIndex(COL_SEQ), 1)
        hh.moveSection(hh.visualIndex(COL_TAGS), 2)  # the investigator's tags (issue 14)
        self.fit_splitters(w.width())
        w.menus.timeline_action.setChecked(True)

    def set_column_visible(self, col: int, visible: bool) -> None:
        hh = self.w.table.horizontalHeader()
        if not visible and hh.count() - hh.hiddenSectionCount() <= 1:
            visible = True  # keep at least one column
        hh.setSectionHidden(col, not visible)
        act = self.w.menus.column_actions[col]
        act.blockSignals(True)
        act.setChecked(visible)
        act.blockSignals(False)
        self.save_header_soon()

    def show_entry_pane(self) -> None:
        w = self.w
        sizes = w.main_split.sizes()
        if len(sizes) == 3 and sizes[2] < 120:
            w.main_split.setSizes([sizes[0], max(300, sizes[1] - 420), 420])
        w.right.setCurrentWidget(w.pane)
        if w.pane.entry() is not None:
            w.pane.tabs.currentWidget().setFocus()

    def show_report(self) -> None:
        w = self.w
        if w.session is None:
            return
        sizes = w.main_split.sizes()
        if len(sizes) == 3 and sizes[2] < 300:
            w.main_split.setSizes([sizes[0], max(300, sizes[1] - 520 + sizes[2]), 520])
        w.right.setCurrentWidget(w.integrity)
