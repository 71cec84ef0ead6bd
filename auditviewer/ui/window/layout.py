"""The window's arrangement: settings restored and saved, first-start size,
splitters, the log's columns, and which right-hand tab is shown.

Settings (``QSettings`` in our config folder, see ``make_settings``): geometry,
the three splitters, the table header (order, widths, hidden columns, saved half
a second after the last change), times in UTC, the timeline's visibility, whether
the entry pane is open.

Small screens (issue 13, defect 10): the log's columns are fitted to what their
first rows hold, each within its bounds (:data:`COLUMN_BOUNDS`), when a workspace
opens, until the person drags a column's width (then theirs are kept; Reset
Layout fits again). The entry pane (the right-hand tabs) opens and closes with
View ▸ Entry Pane (Ctrl+I), remembered; a first start in a window narrower than
:data:`NARROW_WINDOW` keeps it closed, so the log has the width (at 1280 px the
empty pane took a third of it). Choosing to see an entry (Enter, double-click,
Show details) or the report opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from auditviewer.ui.models.table_model import (
    COL_ACTOR,
    COL_EVENT,
    COL_RESOURCE,
    COL_SEQ,
    COL_STATE,
    COL_SUMMARY,
    COL_TAGS,
    COL_TIME,
    COL_TITLE,
    COLUMN_COUNT,
    DEFAULT_WIDTHS,
    HIDDEN_BY_DEFAULT,
    SORT_KEYS,
)
from auditviewer.ui.theme import SYSTEM, apply_theme
from auditviewer.ui.window.base import Controller

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

SETTINGS_VERSION = 1
DEFAULT_SCREEN_SHARE = 0.8  # a first window: this share of the screen's available area
LEFT_WIDTH = 220  # scope tree and facets, by default
NARROW_WINDOW = 1400  # a first start narrower than this keeps the entry pane closed
PANE_WIDTH = 400  # the entry pane when it opens into a window that had it closed
#: (least, most) pixels of a column fitted to its content; other columns (metadata).
COLUMN_BOUNDS = {
    COL_STATE: (30, 40),
    COL_SEQ: (44, 90),
    COL_TIME: (135, 200),
    COL_EVENT: (90, 220),
    COL_ACTOR: (90, 220),
    COL_RESOURCE: (90, 240),
    COL_TITLE: (70, 180),
    COL_SUMMARY: (120, 400),
}
OTHER_BOUNDS = (140, 320)
FIT_ROWS = 128  # rows read to fit a column (the first page: already fetched)


class LayoutController(Controller):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._header_timer = QTimer(self)
        self._header_timer.setSingleShot(True)
        self._header_timer.setInterval(500)
        self._header_timer.timeout.connect(self.save_header)
        self._fit_pending = False
        window.sessionReady.connect(self._fit_soon)
        window.viewUpdated.connect(self._fit_if_pending)
        window.loadFinished.connect(self.widen_seq)
        window.viewUpdated.connect(self.sync_sort_indicator)
        header = window.table.horizontalHeader()
        resized = getattr(header, "resizedByPerson", None)
        if resized is not None:
            resized.connect(lambda _col: self.w.settings.setValue("table/widthsChosen", True))

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
            # Saved with metadata columns (ui/window/columns.py): the header is given as
            # many sections while it restores, then they go (a header restored with more
            # sections than its model has would keep phantom ones).
            try:
                extra = max(0, min(64, int(str(s.value("table/headerExtra", 0) or 0))))
            except (TypeError, ValueError):
                extra = 0
            w.model.set_meta_columns(tuple((f"\0{i}",) for i in range(extra)))
            w.table.horizontalHeader().restoreState(header)
            w.model.set_meta_columns(())
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
        pane = s.value("view/entryPane")
        if pane is not None:
            self.set_entry_pane(pane not in (False, "false", "0", 0), remember=False)
        elif not (isinstance(geometry, QByteArray) and not geometry.isEmpty()):
            self.set_entry_pane(w.width() >= NARROW_WINDOW, remember=False)  # a first start
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
        w = self.w
        w.settings.setValue("table/header", w.table.horizontalHeader().saveState())
        w.settings.setValue("table/headerExtra", w.model.columnCount() - COLUMN_COUNT)

    def reset_layout(self) -> None:
        w = self.w
        hh = w.table.horizontalHeader()
        for col in range(COLUMN_COUNT):
            hh.moveSection(hh.visualIndex(col), col)
            hh.resizeSection(col, DEFAULT_WIDTHS[col])
            self.set_column_visible(col, col not in HIDDEN_BY_DEFAULT)
        hh.moveSection(hh.visualIndex(COL_SEQ), 1)
        self.set_entry_pane(w.width() >= NARROW_WINDOW, remember=False)
        hh.moveSection(hh.visualIndex(COL_TAGS), 2)  # the investigator's tags (issue 14)
        self.fit_splitters(w.width())
        w.settings.remove("view/entryPane")
        w.settings.remove("table/widthsChosen")
        self.fit_columns()
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

    def sync_sort_indicator(self) -> None:
        """The header's arrow shows the order the rows are in: the filter's sort, which
        may change without the header (a finding's entries in log order, a new workspace's
        default, newest first), never the other way round (issue 13, defect 9)."""
        w = self.w
        column = next((c for c, key in SORT_KEYS.items() if key == w.state.sort_key), None)
        if column is None:  # a metadata column's key, if it is shown
            column = next((COLUMN_COUNT + i for i, path in enumerate(w.model.meta_columns())
                           if "meta." + ".".join(path) == w.state.sort_key), None)
        if column is None:
            return
        order = Qt.SortOrder.DescendingOrder if w.state.descending else Qt.SortOrder.AscendingOrder
        hh = w.table.horizontalHeader()
        if (hh.sortIndicatorSection(), hh.sortIndicatorOrder()) != (column, order):
            hh.blockSignals(True)  # the rows are in this order already: no new sort
            hh.setSortIndicator(column, order)
            hh.blockSignals(False)
            hh.viewport().update()

    # -- the entry pane ----------------------------------------------------
    def entry_pane_open(self) -> bool:
        return not self.w.right.isHidden()

    def set_entry_pane(self, visible: bool, *, remember: bool = True) -> None:
        """Open or close the entry pane (the right-hand tabs); the log takes the width."""
        w = self.w
        was_open = self.entry_pane_open()
        w.right.setVisible(visible)
        if visible and not was_open and w.main_split.isVisible():
            sizes = w.main_split.sizes()
            if len(sizes) == 3:
                pane = max(sizes[2], min(PANE_WIDTH, max(240, sizes[1] // 2)))
                w.main_split.setSizes([sizes[0], max(300, sizes[1] + sizes[2] - pane), pane])
        action = w.menus.pane_action
        action.blockSignals(True)
        action.setChecked(visible)
        action.blockSignals(False)
        if remember:
            w.settings.setValue("view/entryPane", visible)

    def pane_toggled(self, checked: bool) -> None:
        """View ▸ Entry Pane (Ctrl+I): closes the pane; opens it on the Entry tab (from the
        report, it shows the entry first)."""
        w = self.w
        if not checked and w.right.currentWidget() is w.integrity:
            w.right.setCurrentWidget(w.pane)
            self.set_entry_pane(True)
            return
        if checked:
            self.show_entry_pane()
        else:
            self.set_entry_pane(False)

    # -- columns fitted to their content ------------------------------------
    def _fit_soon(self) -> None:
        self._fit_pending = True
        self._fit_if_pending()

    def _fit_if_pending(self) -> None:
        w = self.w
        if not self._fit_pending or w.model.rowCount() == 0 or not w.model.is_loaded(0):
            return
        self._fit_pending = False
        if w.settings.value("table/widthsChosen", False) in (True, "true", "1", 1):
            return  # the person's widths are kept
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each shown column as wide as its title and its first rows' texts need, within
        :data:`COLUMN_BOUNDS`; the last column is stretched to what is left."""
        w = self.w
        model, hh = w.model, w.table.horizontalHeader()
        rows = [r for r in range(min(model.rowCount(), FIT_ROWS)) if model.is_loaded(r)]
        text_fm, title_fm = w.table.fontMetrics(), hh.fontMetrics()
        shown = [hh.logicalIndex(i) for i in range(hh.count()) if not hh.isSectionHidden(hh.logicalIndex(i))]
        last = shown[-1] if shown else -1
        widths: dict[int, int] = {}
        leasts = {col: COLUMN_BOUNDS.get(col, OTHER_BOUNDS)[0] for col in range(model.columnCount())}
        leasts[COL_SEQ] = max(leasts[COL_SEQ], self.seq_width())  # a seq is never cut
        for col in range(model.columnCount()):
            if hh.isSectionHidden(col) or col == last:
                continue
            least, most = leasts[col], max(leasts[col], COLUMN_BOUNDS.get(col, OTHER_BOUNDS)[1])
            title = str(model.headerData(col, hh.orientation()) or "")
            need = title_fm.horizontalAdvance(title) + 30  # room for the sort arrow
            if not rows:  # no page at hand (being read again): keep what it has
                need = max(need, hh.sectionSize(col))
            for row in rows:
                text = model.data(model.index(row, col))
                if isinstance(text, str) and text:
                    need = max(need, text_fm.horizontalAdvance(text) + 14)
            widths[col] = max(least, min(most, need))
        # Too wide for the view: the columns over their least give up the excess in
        # proportion, so that the last column keeps its least (no sideways scrolling).
        view_width = w.table.viewport().width()
        if not w.table.verticalScrollBar().isVisible():  # it may come with the rows
            view_width -= w.table.verticalScrollBar().sizeHint().width()
        room = view_width - COLUMN_BOUNDS.get(last, OTHER_BOUNDS)[0]
        spare = {c: width - leasts[c] for c, width in widths.items()}
        excess = sum(widths.values()) - room
        if excess > 0 and sum(spare.values()) > 0:
            share = min(1.0, excess / sum(spare.values()))
            widths = {c: width - int(spare[c] * share + 0.999) for c, width in widths.items()}
        if last >= 0:  # stretched, but never narrower than the width it was last given
            hh.resizeSection(last, COLUMN_BOUNDS.get(last, OTHER_BOUNDS)[0])
        for col, width in widths.items():
            hh.resizeSection(col, width)

    def seq_width(self) -> int:
        """Pixels the workspace's largest seq needs: it names the entry, so it is never cut
        (fitted during a load, the Seq column once showed "9999…" for 999,999 at 1M)."""
        w = self.w
        report = w.session.report if w.session is not None else None
        largest = report.last_seq if report is not None and report.last_seq is not None else 0
        for row in range(min(w.model.rowCount(), FIT_ROWS)):
            if w.model.is_loaded(row):
                text = w.model.data(w.model.index(row, COL_SEQ))
                if isinstance(text, str) and text.isdigit():
                    largest = max(largest, int(text))
        return w.table.fontMetrics().horizontalAdvance(str(largest)) + 14

    def widen_seq(self, _status: str = "") -> None:
        """When a load ends: the Seq column as wide as the largest seq needs (never narrower
        than it was; whatever widths the person chose, a cut seq helps nobody)."""
        hh = self.w.table.horizontalHeader()
        need = self.seq_width()
        if hh.sectionSize(COL_SEQ) < need:
            hh.resizeSection(COL_SEQ, need)

    def show_entry_pane(self) -> None:
        w = self.w
        self.set_entry_pane(True)
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
        self.set_entry_pane(True)
        sizes = w.main_split.sizes()
        if len(sizes) == 3 and sizes[2] < 300:
            w.main_split.setSizes([sizes[0], max(300, sizes[1] - 520 + sizes[2]), 520])
        w.right.setCurrentWidget(w.integrity)
