"""The main window: start page, then the workspace — integrity banner, search,
time range, scope tree and facets, timeline, the log, the metadata pane and
the integrity report.

This module only composes the widgets and wires their signals; what each action
does lives in a controller of :mod:`auditviewer.ui.window` (loading, filtering,
entries, reports, trust, export, layout, menus), reached as ``window.loading``,
``window.filtering``… The window keeps what every controller shares: the
:class:`~auditviewer.workspace.session.Session` it reads the workspace through
(loading and verification run in a worker, :mod:`auditviewer.ui.workers`), its
report, the :class:`FilterState` and the opened paths; and a few public methods
the app, tools and tests call (``open_paths``, ``close_workspace``, ``is_idle``…).

Hostile bundles (docs/security.md, "The viewer"): the app's statements (the
banner, the entry pane's verdict, findings) have their own widgets, which data
never occupies; labels showing data are :class:`ElidedLabel` s, elided by width,
so no value sets the window's size. What the manifest claims (the organisation's
name) is labelled as such wherever it is shown (breadcrumb, scope tree root,
report file) and is not the window title, which names the opened files. Every
string from an input reaches a message box, menu or status line through
:func:`auditviewer.core.display.visible` (menu texts also with ``&`` doubled;
:mod:`auditviewer.ui.window.base`).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.about import APP_NAME
from auditviewer.core.paths import settings_path
from auditviewer.integrity.report import Report
from auditviewer.ui.models.table_model import EntryTableModel
from auditviewer.ui.refresher import PageFetcher, Refresher
from auditviewer.ui.widgets.elided_label import ElidedLabel
from auditviewer.ui.widgets.facets import FacetList
from auditviewer.ui.widgets.find_bar import FindBar
from auditviewer.ui.widgets.integrity_banner import IntegrityBanner
from auditviewer.ui.widgets.integrity_panel import IntegrityPanel
from auditviewer.ui.widgets.json_pane import MetadataPane
from auditviewer.ui.widgets.scope_tree import ScopeTree
from auditviewer.ui.widgets.search_bar import SearchBar
from auditviewer.ui.widgets.time_range import TimeRangeBar
from auditviewer.ui.widgets.timeline import Timeline
from auditviewer.ui.window.casework import CaseworkController
from auditviewer.ui.window.columns import ColumnsController
from auditviewer.ui.window.entries import EntriesController
from auditviewer.ui.window.export import ExportController
from auditviewer.ui.window.filtering import FilteringController
from auditviewer.ui.window.layout import LEFT_WIDTH, LayoutController
from auditviewer.ui.window.loading import LoadingController
from auditviewer.ui.window.malformed import MalformedLines
from auditviewer.ui.window.menus import Menus
from auditviewer.ui.window.pages import LogTable, StartPage, set_up_log_table
from auditviewer.ui.window.reports import ReportsController
from auditviewer.ui.window.trust import TrustController
from auditviewer.ui.workers import JobContext
from auditviewer.workspace.session import FilterState, Session

#: ``loader(paths, context) -> Session``: opens, stores and verifies (in a worker).
Loader = Callable[[list[str], JobContext], Session]


def make_settings() -> QSettings:
    """The viewer's settings, in our config folder (:func:`auditviewer.core.paths.settings_path`).

    Earlier versions let Qt choose (``~/.config/AuditViewer/AuditViewer.ini``
    and the like, a second folder under another name): that file is copied
    over once, so nobody loses their window and recent files.
    """
    path = settings_path()
    if not path.exists():
        old = Path(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME).fileName())
        if old.is_file():
            with contextlib.suppress(OSError):
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(old, path)
    return QSettings(str(path), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """One workspace per window. ``open_paths`` loads; ``session`` is what is shown."""

    sessionReady = Signal()
    loadFinished = Signal(str)  # status: verified / incomplete / failed / error / cancelled
    viewUpdated = Signal()  # the table, counts and facets show the current filter
    newTabRequested = Signal(object)  # paths, or None: ask (ui/widgets/workspace_tabs.py)

    def __init__(
        self,
        loader: Loader | None = None,
        *,
        demo_paths: Callable[[], tuple[list[str], list[str]]] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.loader = loader
        self.demo_paths = demo_paths
        self.settings = settings or make_settings()
        self.session: Session | None = None
        self.report: Report | None = None
        self.state = FilterState()
        self.paths: list[str] = []
        self.refresher = Refresher(parent=self)
        self.fetcher = PageFetcher(self)

        self._build_widgets()
        self.loading = LoadingController(self)
        self.filtering = FilteringController(self)
        self.entries = EntriesController(self)
        self.reports = ReportsController(self)
        self.trust = TrustController(self)
        self.export = ExportController(self)
        self.layouts = LayoutController(self)
        self.columns = ColumnsController(self)
        self.malformed = MalformedLines(self)
        self.menus = Menus(self)
        self.casework = CaseworkController(self)  # tags, notes, history, saved searches (issue 14)
        self.model.set_fetcher(self.fetcher)
        self._connect()
        self.layouts.restore_settings()
        self.show_start()

    # ------------------------------------------------------------------
    # Construction

    def _build_widgets(self) -> None:
        self.stack = QStackedWidget(self)
        self.start_page = StartPage(self)
        self.stack.addWidget(self.start_page)

        page = QWidget(self)
        page.setObjectName("workspacePage")
        self.banner = IntegrityBanner(page)
        self.search = SearchBar(parent=page)
        self.time_range = TimeRangeBar(page)

        # Data (scope path, the manifest's organisation): plain, elided by width.
        self.breadcrumb = ElidedLabel(parent=page, mode=Qt.TextElideMode.ElideMiddle)
        self.breadcrumb.setObjectName("breadcrumb")
        self.count_label = QLabel(page)
        self.count_label.setObjectName("countLabel")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.finding_chip = QToolButton(page)
        self.finding_chip.setObjectName("findingChip")
        self.finding_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.finding_chip.hide()
        self.clear_all = QPushButton("Clear filters", page)
        self.clear_all.setObjectName("clearFilters")
        self.clear_all.setToolTip("Show every entry of the workspace")
        crumb_row = QHBoxLayout()
        crumb_row.setContentsMargins(0, 0, 0, 0)
        crumb_row.addWidget(self.breadcrumb, 1)
        crumb_row.addWidget(self.finding_chip)
        crumb_row.addWidget(self.count_label)
        crumb_row.addWidget(self.clear_all)
        self.export_button = QPushButton("Export…", page)
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip("Export the entries shown (the whole filter and scope)  Ctrl+E")
        crumb_row.addWidget(self.export_button)

        # left: scope tree + facets
        self.scope_tree = ScopeTree(page)
        self.category_facet = FacetList("Category", page)
        self.action_facet = FacetList("Action", page)
        self.left = QSplitter(Qt.Orientation.Vertical, page)
        self.left.setObjectName("leftSplitter")
        self.left.addWidget(self.scope_tree)
        self.left.addWidget(self.category_facet)
        self.left.addWidget(self.action_facet)
        self.left.setStretchFactor(0, 3)
        self.left.setStretchFactor(1, 2)
        self.left.setStretchFactor(2, 1)
        self.left.setChildrenCollapsible(False)

        # centre: timeline + table
        self.timeline = Timeline(page)
        self.model = EntryTableModel(self)
        self.table = LogTable(page)
        self.table.setObjectName("logTable")
        self.table.setModel(self.model)
        set_up_log_table(self.table, max(22, self.fontMetrics().height() + 8))
        self.find_bar = FindBar(self.table)  # find without filtering: / n N F3 Shift+F3
        self.centre = QSplitter(Qt.Orientation.Vertical, page)
        self.centre.setObjectName("centreSplitter")
        self.centre.addWidget(self.timeline)
        self.centre.addWidget(self.table)
        self.centre.setStretchFactor(1, 1)
        self.centre.setChildrenCollapsible(False)

        # right: entry pane + report
        self.pane = MetadataPane(page)
        self.integrity = IntegrityPanel(page)
        self.right = QTabWidget(page)
        self.right.setObjectName("rightTabs")
        self.right.setDocumentMode(True)
        self.right.addTab(self.pane, "Entry")
        self.right.addTab(self.integrity, "Integrity report")

        self.main_split = QSplitter(Qt.Orientation.Horizontal, page)
        self.main_split.setObjectName("mainSplitter")
        self.main_split.addWidget(self.left)
        self.main_split.addWidget(self.centre)
        self.main_split.addWidget(self.right)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setStretchFactor(2, 0)
        self.main_split.setSizes([LEFT_WIDTH, 860, 430])

        filters = QVBoxLayout()
        filters.setContentsMargins(8, 6, 8, 2)
        filters.setSpacing(4)
        filters.addWidget(self.search)
        filters.addWidget(self.time_range)
        filters.addLayout(crumb_row)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        line = QFrame(page)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(self.main_split, 1)
        self.workspace_page = page
        self.stack.addWidget(page)
        self.setCentralWidget(self.stack)

        # status bar: what loading does (a label: the bar is too small for words), its share, cancel
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progressLabel")
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.hide()
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(120)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelLoading")
        self.cancel_button.hide()
        self.status_label = ElidedLabel(parent=self)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def _connect(self) -> None:
        loading, filtering, entries = self.loading, self.filtering, self.entries
        self.refresher.resultReady.connect(filtering.show_result)
        self.fetcher.entryReady.connect(entries.entry_ready)
        self.model.sortRequested.connect(filtering.sort_requested)
        self.model.pageLoaded.connect(entries.page_loaded)
        self.start_page.openRequested.connect(loading.open_dialog)
        self.start_page.demoRequested.connect(loading.open_demo)
        self.start_page.recentRequested.connect(lambda p: loading.open_paths([p]))
        self.search.queryApplied.connect(filtering.query_applied)
        self.time_range.rangeChanged.connect(filtering.range_changed)
        self.time_range.utcChanged.connect(filtering.utc_changed)
        self.category_facet.model.selectionChanged.connect(
            lambda sel: filtering.set_state(self.state.with_(categories=sel))
        )
        self.action_facet.model.selectionChanged.connect(
            lambda sel: filtering.set_state(self.state.with_(actions=sel))
        )
        self.scope_tree.scopeSelected.connect(filtering.scope_selected)
        self.timeline.rangeSelected.connect(self.time_range.set_range)
        self.timeline.rangeCleared.connect(self.time_range.clear)
        self.table.selectionModel().currentRowChanged.connect(entries.current_row_changed)
        self.table.copyRequested.connect(entries.copy_selected_rows)
        self.table.copyCellRequested.connect(entries.copy_current_cell)
        self.table.openRequested.connect(self.show_entry_pane)
        self.table.doubleClicked.connect(lambda _i: self.show_entry_pane())
        self.table.customContextMenuRequested.connect(entries.table_menu)
        header = self.table.horizontalHeader()
        header.customContextMenuRequested.connect(entries.header_menu)
        header.sectionResized.connect(lambda *_: self.layouts.save_header_soon())
        header.sectionMoved.connect(lambda *_: self.layouts.save_header_soon())
        self.banner.showReport.connect(self.show_report)
        self.integrity.findingActivated.connect(filtering.show_finding)
        self.integrity.trustRequested.connect(self.trust.trust_signer)
        self.integrity.saveJsonRequested.connect(lambda: self.reports.save_report_json())
        self.integrity.saveHtmlRequested.connect(lambda: self.reports.save_report_html())
        self.integrity.saveEvidenceRequested.connect(lambda: self.reports.save_fork_evidence())
        self.export_button.clicked.connect(lambda: self.open_export())
        self.scope_tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.scope_tree.customContextMenuRequested.connect(entries.scope_menu)
        self.clear_all.clicked.connect(filtering.clear_filters)
        self.finding_chip.clicked.connect(filtering.clear_finding)
        self.cancel_button.clicked.connect(lambda: loading.cancel_loading())
        self.pane.copied.connect(lambda what: self.status(f"Copied the {what}."))

    # ------------------------------------------------------------------
    # What the app, tools and tests call (each a controller's)

    def open_paths(self, paths: list[str], *, trust: list[str] | None = None, remember: bool = True) -> None:
        self.loading.open_paths(paths, trust=trust, remember=remember)

    def open_demo(self) -> None:
        self.loading.open_demo()

    def close_workspace(self, *_: Any, show_start: bool = True) -> None:
        self.loading.close_workspace(show_start=show_start)

    def is_loading(self) -> bool:
        return self.loading.is_loading()

    def is_idle(self) -> bool:
        return self.filtering.is_idle()

    def clear_filters(self) -> None:
        self.filtering.clear_filters()

    def open_export(self, scope: Any = None) -> Any:
        return self.export.open_export(scope)

    def show_report(self) -> None:
        self.layouts.show_report()

    def show_entry_pane(self) -> None:
        self.layouts.show_entry_pane()

    def set_column_visible(self, col: int, visible: bool) -> None:
        self.layouts.set_column_visible(col, visible)

    def reset_layout(self) -> None:
        self.layouts.reset_layout()

    def save_settings(self) -> None:
        self.layouts.save_settings()

    def status(self, text: str) -> None:
        """One line in the status bar (made visible and elided by the label)."""
        self.status_label.setText(text)

    def show_start(self) -> None:
        self.stack.setCurrentWidget(self.start_page)
        self.menus.update_actions()
        self.filtering.update_title()

    # drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [str(Path(p).parent) if Path(p).name == "manifest.json" else p for p in paths]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.loading.shut_down()
        self.refresher.stop()
        self.fetcher.stop()
        super().closeEvent(event)
