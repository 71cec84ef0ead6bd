"""The main window: start page, then the workspace — integrity banner, search,
time range, scope tree and facets, timeline, the log, the metadata pane and
the integrity report.

The window reads the workspace only through a :class:`~auditviewer.workspace.session.Session`;
loading and verification run in a worker (:mod:`auditviewer.ui.workers`).

Hostile bundles (docs/security.md, "The viewer"): the app's statements (the
banner, the entry pane's verdict, findings) have their own widgets, which data
never occupies; labels showing data are :class:`ElidedLabel` s, elided by width,
so no value sets the window's size. What the manifest claims (the organisation's
name) is labelled as such wherever it is shown (breadcrumb, scope tree root,
report file) and is not the window title, which names the opened files. Every
string from an input reaches a message box, menu or status line through
:func:`auditviewer.core.display.visible` (menu texts also with ``&`` doubled).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.about import APP_NAME
from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError, TrustStoreError
from auditviewer.core.paths import settings_path
from auditviewer.core.text import elide, visible_text
from auditviewer.integrity.memory import CheckpointMemory, CheckpointMemoryError, write_evidence
from auditviewer.integrity.report import Report
from auditviewer.integrity.report_html import CLAIMED_ORGANIZATION, report_html
from auditviewer.integrity.trust import TrustStore
from auditviewer.ui.dialogs.export import ExportDialog
from auditviewer.ui.dialogs.trust_store import TrustKeyDialog, TrustStoreDialog
from auditviewer.ui.models.table_model import (
    COL_SEQ,
    COL_TIME,
    COLUMN_COUNT,
    COLUMN_NAMES,
    DEFAULT_WIDTHS,
    HIDDEN_BY_DEFAULT,
    SORT_KEYS,
    SORTABLE_KEYS,
    EntryTableModel,
)
from auditviewer.ui.refresher import ALL_PARTS, PART_TABLE, PageFetcher, Refresher, ViewResult
from auditviewer.ui.widgets.elided_label import ElidedLabel
from auditviewer.ui.widgets.facets import FacetList
from auditviewer.ui.widgets.integrity_panel import (
    IntegrityBanner,
    IntegrityPanel,
    UntrustedSigner,
    has_fork,
)
from auditviewer.ui.widgets.json_pane import MetadataPane
from auditviewer.ui.widgets.scope_tree import ScopeTree
from auditviewer.ui.widgets.search_bar import SearchBar
from auditviewer.ui.widgets.time_range import TimeRangeBar
from auditviewer.ui.widgets.timeline import Timeline
from auditviewer.ui.workers import JobContext, Worker, start
from auditviewer.workspace.scopes import ALL, Scope
from auditviewer.workspace.session import FilterState, Session

MAX_RECENT = 10
LOADING_REFRESH_S = 2.0  # while loading, show newly stored rows this often
SETTINGS_VERSION = 1
DEFAULT_SCREEN_SHARE = 0.8  # a first window: this share of the screen's available area
LEFT_WIDTH = 220  # scope tree and facets, by default
OPEN_FILTER = (
    "Audit exports (*.zip *.json *.jsonl *.jsonl.gz *.csv *.parquet manifest.json);;All files (*)"
)

#: Characters of input kept in a message box (each datum, visible, then elided).
MESSAGE_DATUM_LIMIT = 600


def shown(value: object, limit: int = MESSAGE_DATUM_LIMIT) -> str:
    """A datum from an input as it may appear in a message box or status line:
    every control, bidi and invisible character visible, bounded."""
    return elide(visible_text(str(value)), limit)


def menu_text(value: object, limit: int = 90) -> str:
    """A datum as a menu or action text: visible, bounded, ``&`` not an accelerator."""
    return shown(value, limit).replace("&", "&&")


def claimed_organization(organization: str | None) -> str | None:
    """The manifest's organisation name, or None when it named none (the loader's default)."""
    return organization if organization and organization != "Organization" else None


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


class StartPage(QWidget):
    """What an empty window shows: open an export, the demo, recent files, drop hint."""

    openRequested = Signal()
    demoRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        title = QLabel("AuditViewer", self)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 2.0)
        f.setBold(True)
        title.setFont(f)
        intro = QLabel(
            "Open a signed audit-log export to search it and see which entries are proven "
            "authentic. Bundles (a folder or .zip) and plain exports (.json, .jsonl, .csv, "
            ".parquet) work; open several to read them as one workspace.",
            self,
        )
        intro.setWordWrap(True)
        intro.setMaximumWidth(620)
        # A wrapped label is given the height of its width-for-height guess; at the
        # box's real width the text needs more, and was clipped top and bottom.
        intro.setMinimumHeight(intro.fontMetrics().lineSpacing() * 3 + 4)
        self.open_button = QPushButton("Open an export…", self)
        self.open_button.setObjectName("startOpen")
        self.open_button.setDefault(True)
        self.open_button.setMinimumSize(180, 40)
        self.demo_button = QPushButton("Open the demo", self)
        self.demo_button.setObjectName("startDemo")
        self.demo_button.setMinimumSize(160, 40)
        self.open_button.clicked.connect(self.openRequested)
        self.demo_button.clicked.connect(self.demoRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        drop = QLabel("…or drop exports onto this window.", self)
        drop.setEnabled(False)
        self.recent_title = QLabel("Recent", self)
        rf = self.recent_title.font()
        rf.setBold(True)
        self.recent_title.setFont(rf)
        self.recent = QListWidget(self)
        self.recent.setObjectName("recentList")
        self.recent.setMaximumWidth(620)
        self.recent.setMaximumHeight(180)
        self.recent.itemActivated.connect(
            lambda item: self.recentRequested.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        inner = QVBoxLayout()
        inner.setSpacing(14)
        inner.addWidget(title)
        inner.addWidget(intro)
        inner.addSpacing(6)
        inner.addLayout(buttons)
        inner.addWidget(drop)
        inner.addSpacing(18)
        inner.addWidget(self.recent_title)
        inner.addWidget(self.recent)
        box = QWidget(self)
        box.setLayout(inner)
        box.setMaximumWidth(660)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(visible_text(p))
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_title.setVisible(bool(paths))


class LogTable(QTableView):
    """The log view: Ctrl+C copies rows as TSV, Enter opens the entry."""

    copyRequested = Signal()
    openRequested = Signal()

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copyRequested.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.openRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class PreferencesDialog(QDialog):
    """The viewer's preferences (one so far: remembering verified checkpoints)."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.remember = QCheckBox("Remember verified checkpoints", self)
        self.remember.setObjectName("rememberCheckpoints")
        self.remember.setChecked(remember_enabled(settings))
        about = QLabel(
            "The checkpoints a trusted key signed are kept per log in your data folder. Opening an "
            "older or rewritten export of the same log later then shows that the log went on "
            "(rollback) or that two histories were signed (a fork).",
            self,
        )
        about.setWordWrap(True)
        about.setEnabled(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.remember)
        layout.addWidget(about)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        self.settings.setValue("integrity/remember", self.remember.isChecked())
        super().accept()


def remember_enabled(settings: QSettings) -> bool:
    return settings.value("integrity/remember", True) not in (False, "false", "0", 0)


class MainWindow(QMainWindow):
    """One workspace per window. ``open_paths`` loads; ``session`` is what is shown."""

    sessionReady = Signal()
    loadFinished = Signal(str)  # status: verified / incomplete / failed / error / cancelled
    viewUpdated = Signal()  # the table, counts and facets show the current filter  # status: verified / incomplete / failed / error / cancelled

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
        self._loader = loader
        self._demo_paths = demo_paths
        self.settings = settings or make_settings()
        self.session: Session | None = None
        self.report: Report | None = None
        self.state = FilterState()
        self.paths: list[str] = []
        self.worker: Worker | None = None
        self._thread: Any = None
        self.last_apply_ms = 0.0
        self._extra_trust: list[str] = []
        self._total = 0
        self._shown_state: FilterState | None = None
        self._keep_seq: int | None = None
        self._select_first = False
        self._last_load_refresh = 0.0
        self.refresher = Refresher(parent=self)
        self.refresher.resultReady.connect(self._on_result)
        self.fetcher = PageFetcher(self)
        self.fetcher.entryReady.connect(self._entry_ready)
        self._entry_generation = 0
        self._stored = 0
        self._memory: CheckpointMemory | None = None
        self.export_dialog: ExportDialog | None = None

        self._build_widgets()
        self.model.set_fetcher(self.fetcher)
        self._build_menus()
        self._connect()
        self._restore_settings()
        self._show_start()

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
        self.model.sortRequested = self._sort_requested
        self.model.pageLoaded = self._page_loaded
        self.table = LogTable(page)
        self.table.setObjectName("logTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setSortingEnabled(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setAccessibleName("Audit log entries")
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setDefaultSectionSize(max(22, self.fontMetrics().height() + 8))
        vh.setSectionResizeMode(vh.ResizeMode.Fixed)
        hh = self.table.horizontalHeader()
        hh.setSectionsMovable(True)
        hh.setHighlightSections(False)
        hh.setStretchLastSection(True)
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        for col, width in DEFAULT_WIDTHS.items():
            hh.resizeSection(col, width)
        for col in HIDDEN_BY_DEFAULT:
            hh.hideSection(col)
        hh.moveSection(hh.visualIndex(COL_SEQ), 1)  # badge, seq, time, …
        hh.setSortIndicator(COL_SEQ, Qt.SortOrder.DescendingOrder)
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

        # status bar: progress + cancel
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelLoading")
        self.cancel_button.hide()
        self.status_label = ElidedLabel(parent=self)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = QAction("&Open…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_dialog)
        file_menu.addAction(self.open_action)
        self.open_folder_action = QAction("Open &Folder…", self)
        self.open_folder_action.triggered.connect(self.open_folder_dialog)
        file_menu.addAction(self.open_folder_action)
        self.demo_action = QAction("Open the &Demo", self)
        self.demo_action.triggered.connect(self.open_demo)
        file_menu.addAction(self.demo_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        self.save_json_action = QAction("Save Report as &JSON…", self)
        self.save_json_action.triggered.connect(self.save_report_json)
        self.save_html_action = QAction("Save Report as &HTML…", self)
        self.save_html_action.triggered.connect(self.save_report_html)
        file_menu.addAction(self.save_json_action)
        file_menu.addAction(self.save_html_action)
        file_menu.addSeparator()
        self.export_action = QAction("&Export…", self)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("Export the entries shown: a verifiable slice bundle or a plain file")
        self.export_action.triggered.connect(lambda: self.open_export())
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        self.close_action = QAction("&Close Workspace", self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close_workspace)
        file_menu.addAction(self.close_action)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.find_action = QAction("&Find", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.search.focus)
        edit_menu.addAction(self.find_action)
        self.copy_rows_action = QAction("&Copy Rows (TSV, JSON-escaped)", self)
        self.copy_rows_action.triggered.connect(self.copy_selected_rows)
        edit_menu.addAction(self.copy_rows_action)
        self.clear_filters_action = QAction("C&lear Filters", self)
        self.clear_filters_action.triggered.connect(self.clear_filters)
        edit_menu.addAction(self.clear_filters_action)
        edit_menu.addSeparator()
        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.open_preferences)
        edit_menu.addAction(self.preferences_action)

        view_menu = bar.addMenu("&View")
        self.columns_menu = view_menu.addMenu("&Columns")
        self.column_actions: dict[int, QAction] = {}
        for col in range(COLUMN_COUNT):
            act = QAction(COLUMN_NAMES[col], self)
            act.setCheckable(True)
            act.toggled.connect(lambda on, c=col: self.set_column_visible(c, on))
            self.columns_menu.addAction(act)
            self.column_actions[col] = act
        self.timeline_action = QAction("&Timeline", self)
        self.timeline_action.setCheckable(True)
        self.timeline_action.setChecked(True)
        self.timeline_action.toggled.connect(self.timeline.setVisible)
        view_menu.addAction(self.timeline_action)
        self.pane_action = QAction("&Entry Details", self)
        self.pane_action.setShortcut(QKeySequence("Ctrl+I"))
        self.pane_action.triggered.connect(self.show_entry_pane)
        view_menu.addAction(self.pane_action)
        self.report_action = QAction("Integrity &Report", self)
        self.report_action.setShortcut(QKeySequence("Ctrl+R"))
        self.report_action.triggered.connect(self.show_report)
        view_menu.addAction(self.report_action)
        self.utc_action = QAction("Times in &UTC", self)
        self.utc_action.setCheckable(True)
        self.utc_action.setChecked(True)
        self.utc_action.toggled.connect(self.time_range.set_utc)
        view_menu.addAction(self.utc_action)
        view_menu.addSeparator()
        reset = QAction("Reset &Layout", self)
        reset.triggered.connect(self.reset_layout)
        view_menu.addAction(reset)

        integrity_menu = bar.addMenu("&Integrity")
        integrity_menu.addAction(self.report_action)
        self.trust_action = QAction("&Trust Store…", self)
        self.trust_action.triggered.connect(self.open_trust_store)
        integrity_menu.addAction(self.trust_action)
        integrity_menu.addSeparator()
        self.evidence_action = QAction("Save &Fork Evidence…", self)
        self.evidence_action.triggered.connect(lambda: self.save_fork_evidence())
        integrity_menu.addAction(self.evidence_action)
        self.forget_action = QAction("&Forget This Log…", self)
        self.forget_action.setStatusTip("Forget the checkpoints remembered for this log, then verify again")
        self.forget_action.triggered.connect(lambda: self.forget_log())
        integrity_menu.addAction(self.forget_action)

        help_menu = bar.addMenu("&Help")
        syntax = QAction("&Search Syntax", self)
        syntax.triggered.connect(lambda: self.search.help_button.setChecked(True))
        help_menu.addAction(syntax)
        about = QAction("&About AuditViewer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

        self.esc_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.esc_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.esc_shortcut.activated.connect(self._escape)

    def _connect(self) -> None:
        self.start_page.openRequested.connect(self.open_dialog)
        self.start_page.demoRequested.connect(self.open_demo)
        self.start_page.recentRequested.connect(lambda p: self.open_paths([p]))
        self.search.queryApplied.connect(self._query_applied)
        self.time_range.rangeChanged.connect(self._range_changed)
        self.time_range.utcChanged.connect(self._utc_changed)
        self.category_facet.model.selectionChanged.connect(
            lambda sel: self._set_state(self.state.with_(categories=sel))
        )
        self.action_facet.model.selectionChanged.connect(
            lambda sel: self._set_state(self.state.with_(actions=sel))
        )
        self.scope_tree.scopeSelected.connect(self._scope_selected)
        self.timeline.rangeSelected.connect(self.time_range.set_range)
        self.timeline.rangeCleared.connect(self.time_range.clear)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.copyRequested.connect(self.copy_selected_rows)
        self.table.openRequested.connect(self.show_entry_pane)
        self.table.doubleClicked.connect(lambda _i: self.show_entry_pane())
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.horizontalHeader().customContextMenuRequested.connect(self._header_menu)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._save_header_soon())
        self.table.horizontalHeader().sectionMoved.connect(lambda *_: self._save_header_soon())
        self.banner.showReport.connect(self.show_report)
        self.integrity.findingActivated.connect(self.show_finding)
        self.integrity.trustRequested.connect(self.trust_signer)
        self.integrity.saveJsonRequested.connect(self.save_report_json)
        self.integrity.saveHtmlRequested.connect(self.save_report_html)
        self.integrity.saveEvidenceRequested.connect(lambda: self.save_fork_evidence())
        self.export_button.clicked.connect(lambda: self.open_export())
        self.scope_tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.scope_tree.customContextMenuRequested.connect(self._scope_menu)
        self.clear_all.clicked.connect(self.clear_filters)
        self.finding_chip.clicked.connect(lambda: self._set_state(self.state.with_(seq_range=None)))
        self.cancel_button.clicked.connect(self.cancel_loading)
        self.pane.copied.connect(lambda what: self.status(f"Copied the {what}."))
        self._header_timer = QTimer(self)
        self._header_timer.setSingleShot(True)
        self._header_timer.setInterval(500)
        self._header_timer.timeout.connect(self._save_header)

    # ------------------------------------------------------------------
    # Settings

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(self.default_size())
            self._fit_splitters(self.width())
        for key, split in (
            ("window/mainSplitter", self.main_split),
            ("window/leftSplitter", self.left),
            ("window/centreSplitter", self.centre),
        ):
            value = s.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                split.restoreState(value)
        header = s.value("table/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.table.horizontalHeader().restoreState(header)
        hh = self.table.horizontalHeader()
        for col, act in self.column_actions.items():
            act.blockSignals(True)
            act.setChecked(not hh.isSectionHidden(col))
            act.blockSignals(False)
        utc = s.value("view/utc", True)
        utc_on = utc not in (False, "false", "0", 0)
        self.utc_action.setChecked(utc_on)
        self.time_range.set_utc(utc_on)
        self.state = self.state.with_(utc=utc_on)
        self.model.set_utc(utc_on)
        self.timeline.set_utc(utc_on)
        self.timeline_action.setChecked(s.value("view/timeline", True) not in (False, "false"))
        self._refresh_recent()

    def default_size(self) -> QSize:
        """About 80% of the screen's available area (the first start; later the saved geometry)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(1440, 880)
        area = screen.availableGeometry()
        return QSize(max(900, int(area.width() * DEFAULT_SCREEN_SHARE)),
                     max(600, int(area.height() * DEFAULT_SCREEN_SHARE)))

    def _fit_splitters(self, width: int) -> None:
        """Scope tree and facets at a fixed width; of the rest, the log about 7/10, the entry pane 3/10."""
        left = LEFT_WIDTH
        rest = max(600, width - left)
        pane = max(340, rest * 3 // 10)
        self.main_split.setSizes([left, rest - pane, pane])

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("settings/version", SETTINGS_VERSION)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/mainSplitter", self.main_split.saveState())
        s.setValue("window/leftSplitter", self.left.saveState())
        s.setValue("window/centreSplitter", self.centre.saveState())
        self._save_header()
        s.setValue("view/utc", self.state.utc)
        s.setValue("view/timeline", self.timeline_action.isChecked())
        s.sync()

    def _save_header_soon(self) -> None:
        self._header_timer.start()

    def _save_header(self) -> None:
        self.settings.setValue("table/header", self.table.horizontalHeader().saveState())

    def reset_layout(self) -> None:
        hh = self.table.horizontalHeader()
        for col in range(COLUMN_COUNT):
            hh.moveSection(hh.visualIndex(col), col)
            hh.resizeSection(col, DEFAULT_WIDTHS[col])
            self.set_column_visible(col, col not in HIDDEN_BY_DEFAULT)
        hh.moveSection(hh.visualIndex(COL_SEQ), 1)
        self._fit_splitters(self.width())
        self.timeline_action.setChecked(True)

    def recent_paths(self) -> list[str]:
        value: Any = self.settings.value("recent/paths", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return []
        return [str(v) for v in value][:MAX_RECENT]

    def _remember(self, paths: list[str]) -> None:
        recent = self.recent_paths()
        for p in reversed(paths):
            if p in recent:
                recent.remove(p)
            recent.insert(0, p)
        self.settings.setValue("recent/paths", recent[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        recent = self.recent_paths()
        self.start_page.set_recent(recent)
        self.recent_menu.clear()
        for p in recent:
            act = self.recent_menu.addAction(menu_text(p, 90))
            act.triggered.connect(lambda _=False, path=p: self.open_paths([path]))
        self.recent_menu.setEnabled(bool(recent))

    def set_column_visible(self, col: int, visible: bool) -> None:
        hh = self.table.horizontalHeader()
        if not visible and hh.count() - hh.hiddenSectionCount() <= 1:
            visible = True  # keep at least one column
        hh.setSectionHidden(col, not visible)
        act = self.column_actions[col]
        act.blockSignals(True)
        act.setChecked(visible)
        act.blockSignals(False)
        self._save_header_soon()

    # ------------------------------------------------------------------
    # Opening

    def _show_start(self) -> None:
        self.stack.setCurrentWidget(self.start_page)
        self._update_actions()
        self._update_title()

    def open_dialog(self) -> None:
        start_dir = str(Path(self.recent_paths()[0]).parent) if self.recent_paths() else ""
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open audit-log exports", start_dir, OPEN_FILTER
        )
        if files:
            # A bundle's manifest stands for its folder.
            paths = [str(Path(f).parent) if Path(f).name == "manifest.json" else f for f in files]
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a bundle folder")
        if folder:
            self.open_paths([folder])

    def open_demo(self) -> None:
        if self._demo_paths is None:
            QMessageBox.information(self, APP_NAME, "The demo is not available in this build.")
            return
        try:
            paths, trust = self._demo_paths()
        except (OSError, AuditViewerError) as exc:
            QMessageBox.warning(self, APP_NAME, f"Could not prepare the demo: {shown(exc)}")
            return
        self.open_paths(paths, trust=trust, remember=False)

    def open_paths(
        self, paths: list[str], *, trust: list[str] | None = None, remember: bool = True
    ) -> None:
        """Load ``paths`` as one workspace (replacing the current one)."""
        if not paths:
            return
        if self._loader is None:
            QMessageBox.warning(self, APP_NAME, "No loader is available.")
            return
        self.cancel_loading(wait=True)
        self.close_workspace(show_start=False)
        self.paths = [str(p) for p in paths]
        self._extra_trust = list(trust or [])
        if remember:
            self._remember(self.paths)
        loader = self._loader
        extra = list(self._extra_trust)
        paths_copy = list(self.paths)

        memory = self.checkpoint_memory()

        def job(ctx: JobContext) -> Session:
            ctx.trust = extra  # type: ignore[attr-defined]
            ctx.memory = memory  # type: ignore[attr-defined]
            return loader(paths_copy, ctx)

        # Loading gives way to the GUI for the CPU once the store is open (ctx.give_way in the
        # loader): DuckDB's threads, started when it opens, keep the GUI's priority for the
        # filter changes that follow.
        self.worker = Worker(job)
        self.worker.progress.connect(self._on_progress)
        self.worker.rowsStored.connect(self._on_rows_stored)
        self.worker.partial.connect(self._on_partial)
        self.worker.finished.connect(self._on_loaded)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.banner.set_status("loading", "Reading and verifying " + self._inputs_text() + "…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.status("Opening " + self._inputs_text() + "…")
        self._load_started = time.monotonic()
        self._thread = start(self.worker, self)
        self._update_actions()

    def _inputs_text(self) -> str:
        names = [Path(p).name or p for p in self.paths]
        text = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return elide(visible_text(text), 120)

    def is_loading(self) -> bool:
        return self.worker is not None

    def cancel_loading(self, *_: Any, wait: bool = False) -> None:
        worker = self.worker
        if worker is None:
            return
        worker.cancel()
        if wait and self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)

    @Slot(str, int, int)
    def _on_progress(self, phase: str, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / max(total, 1)))
        else:
            self.progress.setRange(0, 0)
        self.progress.setFormat(f"{phase} %p%")
        self.status(f"{phase}…")

    @Slot(object)
    def _on_partial(self, session: object) -> None:
        """The store has its first rows: show them while loading goes on."""
        if self.worker is None:
            return
        self._install_session(session)  # type: ignore[arg-type]

    @Slot(int)
    def _on_rows_stored(self, count: int) -> None:
        if self.session is None:
            return
        self._stored = count
        self.status(f"{count:,} entries stored…")
        now = time.monotonic()
        if now - self._last_load_refresh >= LOADING_REFRESH_S and not self.refresher.pending():
            self._last_load_refresh = now
            self._request(parts=frozenset({PART_TABLE}))

    @Slot(object)
    def _on_loaded(self, session: object) -> None:
        self._finish_worker()
        if self.session is not session:
            self._install_session(session)  # type: ignore[arg-type]
        assert self.session is not None
        self.report = self.session.report
        self._request()
        # The report is shown in two events, so that the event loop runs in between
        # (together ~60 ms at a million entries, the longest stall left of a load):
        # the banner now, the report panel (tables fitted to their contents) next.
        if self.report is not None:
            self.banner.set_report(self.report)
        loaded = self.session
        QTimer.singleShot(0, self, lambda: self._finish_loaded(loaded))

    def _finish_loaded(self, session: Session) -> None:
        if self.session is not session or self.worker is not None:
            return  # closed, or another load started, meanwhile
        self._show_report_panel()
        status = self.report.status if self.report is not None else "error"
        seconds = time.monotonic() - getattr(self, "_load_started", time.monotonic())
        self._loaded_text = f"Opened {self._stored:,} entries in {seconds:.1f} s."
        notices = session.notices
        if notices:
            self._loaded_text += " " + elide(visible_text("; ".join(notices)), 200)
        problems = self.load_problems()
        if problems:
            self._loaded_text += " " + elide(visible_text(problems[0]), 200) + (
                f" (+{len(problems) - 1} more, see the banner)" if len(problems) > 1 else ""
            )
        self.banner.set_notes(problems)
        self.status(self._loaded_text)
        self.loadFinished.emit(status)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._finish_worker()
        self.close_workspace(show_start=True)
        self.banner.set_status("error", shown(message))
        QMessageBox.warning(self, APP_NAME, f"Could not open the export.\n\n{shown(message)}")
        self.loadFinished.emit("error")

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish_worker()
        self.close_workspace(show_start=True)
        self.status("Opening was cancelled.")
        self.loadFinished.emit("cancelled")

    def _finish_worker(self) -> None:
        self.worker = None
        self.progress.hide()
        self.cancel_button.hide()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
            self._thread.deleteLater()
            self._thread = None
        self._update_actions()

    def _install_session(self, session: Session) -> None:
        self.session = session
        self.report = session.report
        self.search.set_checker(lambda text: session.check_query(text, self.state.utc))
        info = session.info
        exported = info.exported_at_ms
        self.model.set_retention_cutoff(
            None if exported is None else exported - 90 * 86_400_000
        )
        self.stack.setCurrentWidget(self.workspace_page)
        self._shown_state = None
        self._last_load_refresh = time.monotonic()
        self._request(parts=frozenset({PART_TABLE}) if self.worker is not None else ALL_PARTS)
        self._update_title()
        self._update_actions()
        self.sessionReady.emit()

    def close_workspace(self, *_: Any, show_start: bool = True) -> None:
        if self.worker is not None and show_start:
            self.cancel_loading(wait=True)
        if self.export_dialog is not None:
            self.export_dialog.shutdown()
            self.export_dialog.close()
            self.export_dialog.deleteLater()
            self.export_dialog = None
        self.banner.set_notes([])
        session = self.session
        self.session = None
        self.report = None
        self.refresher.cancel_pending()
        self._shown_state = None
        self._release_view(self.model.source())
        self.model.set_source(None)
        self.pane.clear()
        self.integrity.set_report(None)
        self.state = FilterState(utc=self.state.utc)
        self.search.set_checker(None)
        self.search.edit.clear()
        self.category_facet.model.set_checked((), notify=False)
        self.action_facet.model.set_checked((), notify=False)
        if session is not None:
            with contextlib.suppress(Exception):  # closing must not stop the window
                session.close()
        if show_start:
            self.banner.set_status("none", "Open an export to see whether its entries are proven authentic.")
            self._show_start()

    # ------------------------------------------------------------------
    # Filtering

    def _set_state(self, state: FilterState) -> None:
        if state == self.state:
            return
        self.state = state
        self._apply()

    def _query_applied(self, text: str) -> None:
        self._set_state(self.state.with_(query=text))

    def _range_changed(self, rng: tuple[int | None, int | None]) -> None:
        start, end = rng
        self.timeline.set_selection(start, end)
        self._set_state(self.state.with_(start_ms=start, end_ms=end))

    def _utc_changed(self, utc: bool) -> None:
        self.utc_action.blockSignals(True)
        self.utc_action.setChecked(utc)
        self.utc_action.blockSignals(False)
        self.model.set_utc(utc)
        self.timeline.set_utc(utc)
        self.state = self.state.with_(utc=utc)
        self.settings.setValue("view/utc", utc)
        if self.search.text().strip():
            self.search.apply()  # typed times are read in the new zone
            if self.session is not None:
                self._apply()

    def _scope_selected(self, scope: Scope) -> None:
        self._set_state(self.state.with_(scope=scope))

    def scope_to(self, scope: Scope) -> None:
        self.scope_tree.select_scope(scope, emit=False)
        self._set_state(self.state.with_(scope=scope))

    def _sort_requested(self, key: str, descending: bool) -> None:
        if key not in SORTABLE_KEYS:
            # Summary is made for display, not stored: keep the current order.
            col = next((c for c, k in SORT_KEYS.items() if k == self.state.sort_key), COL_TIME)
            order = Qt.SortOrder.DescendingOrder if self.state.descending else Qt.SortOrder.AscendingOrder
            hh = self.table.horizontalHeader()
            hh.blockSignals(True)
            hh.setSortIndicator(col, order)
            hh.blockSignals(False)
            self.status("The Summary column cannot be sorted; sort by another column.")
            return
        self._set_state(self.state.with_(sort_key=key, descending=descending))

    def clear_filters(self) -> None:
        self.search.edit.clear()
        self.search.apply()
        self.category_facet.model.set_checked((), notify=False)
        self.action_facet.model.set_checked((), notify=False)
        self.time_range.blockSignals(True)
        self.time_range.clear()
        self.time_range.blockSignals(False)
        self.timeline.set_selection(None, None)
        self.scope_tree.select_scope(ALL, emit=False)
        self._set_state(self.state.cleared())

    def show_finding(self, first: int, last: int) -> None:
        """Show the entries a finding names (the rest of the filter cleared)."""
        self.clear_filters()
        self._set_state(self.state.with_(seq_range=(int(first), int(last)), sort_key="seq",
                                         descending=False))
        self.table.horizontalHeader().setSortIndicator(
            next(c for c, k in SORT_KEYS.items() if k == "seq"), Qt.SortOrder.AscendingOrder
        )
        self.right.setCurrentWidget(self.pane)
        self._select_first = True
        if self.is_idle() and self.model.rowCount():
            self._select_first = False
            self.table.selectRow(0)
        self.table.setFocus()

    def _apply(self) -> None:
        """Ask for the view of the current state (answered in ``_on_result``)."""
        self._request()

    def _request(self, parts: frozenset[str] = ALL_PARTS) -> None:
        if self.session is None:
            return
        self._keep_seq = self._selected_seq()
        self.refresher.request(self.session, self.state, parts, keep_seq=self._keep_seq)

    @Slot(object)
    def _on_result(self, result: ViewResult) -> None:
        """Show a computed view: table, counts, facets, then timeline and scope counts."""
        if self.session is None:
            return
        if result.error:
            self.status(f"Could not update the view: {shown(result.error)}")
            return
        if result.view is not None:
            self.last_apply_ms = result.table_ms
            self._total = result.total
            same = self._shown_state == result.state
            old = self.model.source()
            scroll = self.table.verticalScrollBar().value()
            if same and old is not None:
                # The same filter over more rows (loading) or new states: no reset.
                self.model.replace_source(result.view)
                self.model.seed_pages(result.pages)
                self.table.verticalScrollBar().setValue(scroll)
            else:
                self.model.set_source(result.view)
                self.model.seed_pages(result.pages)
            if old is not result.view:
                self.refresher.release(old)
            self._shown_state = result.state
            self._update_counts()
            self.category_facet.model.set_counts(result.facets.get("category", []))
            self.action_facet.model.set_counts(result.facets.get("action", []))
            self._restore_selection(result.keep_row, quiet=same)
            if self._select_first and self.model.rowCount():
                self._select_first = False
                self.table.selectRow(0)
        if result.bounds is not None:
            self.time_range.set_bounds(*result.bounds)
        if result.histogram is not None:
            bins, bin_ms = result.histogram
            lo, hi = result.bounds or (None, None)
            span = (lo, hi + 1) if lo is not None and hi is not None else None
            self.timeline.set_bins(bins, bin_ms, span)
            self.timeline.set_selection(self.state.start_ms, self.state.end_ms)
        if result.scope_rows is not None:
            self.scope_tree.set_rows(result.scope_rows, self._scope_root_label())
        self._update_breadcrumb()
        self.viewUpdated.emit()

    def _restore_selection(self, row: int | None, *, quiet: bool) -> None:
        if self._keep_seq is None or row is None:
            if not quiet:
                self._entry_generation += 1  # an entry on its way is no longer wanted
                self.pane.clear()
            return
        if row is None:
            if not quiet:
                self.pane.clear()
            return
        if quiet:
            self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        if quiet:
            self.table.selectionModel().blockSignals(False)
            self.table.viewport().update()
        else:
            self.table.scrollTo(self.model.index(row, 0))

    @staticmethod
    def _release_view(view: Any) -> None:
        close = getattr(view, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()

    def is_idle(self) -> bool:
        """No filter change is being computed (tests and benchmarks wait for this)."""
        return not self.refresher.pending()

    def _update_counts(self) -> None:
        shown = self.model.rowCount()
        self.count_label.setText(f"Showing {shown:,} of {self._total:,}")
        self.clear_all.setEnabled(self.state.is_filtered)
        if self.state.seq_range is not None:
            a, b = self.state.seq_range
            self.finding_chip.setText(f"Finding: entries {a:,}–{b:,}  ✕")
            self.finding_chip.setToolTip("Show all entries again")
            self.finding_chip.show()
        else:
            self.finding_chip.hide()

    def _claimed_org(self) -> str | None:
        return claimed_organization(self.session.info.organization) if self.session else None

    def _scope_root_label(self) -> str:
        """The scope tree's root: the manifest's organisation name, marked as its claim."""
        org = self._claimed_org()
        return f"“{org}” (from manifest, unsigned)" if org else "Organization"

    def _update_breadcrumb(self) -> None:
        if not self.state.scope.is_all:
            crumb = self.scope_tree.breadcrumb()
        else:
            org = self._claimed_org()
            crumb = f"{CLAIMED_ORGANIZATION}: “{org}”" if org else "All entries"
        self.breadcrumb.setText(crumb)
        self._update_title()

    def _update_title(self) -> None:
        """The opened files' names (never the manifest's claims), then the scope, quoted."""
        if self.session is None:
            self.setWindowTitle(APP_NAME)
            return
        title = self._inputs_text()
        if not self.state.scope.is_all:
            title += f" ▸ “{shown(self.state.scope.label, 80)}”"
        self.setWindowTitle(f"{title} — {APP_NAME}")

    # ------------------------------------------------------------------
    # Selection, entry pane, copying

    def _selected_seq(self) -> int | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.model.seq_at(idx.row())

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        session = self.session
        if not current.isValid() or session is None:
            self.pane.clear()
            return
        seq = self.model.seq_at(current.row())
        if seq is None:
            return  # its page is on the way; _page_loaded comes back here
        self._entry_generation += 1
        if session.threaded:
            self.fetcher.entry(session, seq, self._entry_generation)
        else:
            self._entry_ready(seq, session.entry(seq), self._entry_generation)

    def _page_loaded(self, first: int, last: int) -> None:
        current = self.table.currentIndex()
        if current.isValid() and first <= current.row() <= last:
            shown = self.pane.entry()
            seq = self.model.seq_at(current.row())
            if shown is None or shown.get("seq") != seq:
                self._current_row_changed(current, QModelIndex())

    @Slot(int, object, int)
    def _entry_ready(self, seq: int, got: object, generation: int) -> None:
        if generation != self._entry_generation or self.session is None:
            return
        current = self.table.currentIndex()
        if not current.isValid() or self.model.seq_at(current.row()) != seq:
            return
        if got is None:
            self.pane.clear()
            return
        entry, leaf, state = cast("tuple[dict[str, Any], str | None, str | None]", got)
        row = self.model.row(current.row())
        notice = None
        if row is not None and row.beyond_retention:
            notice = "⌛ beyond the dashboard's 90-day retention"
        self.pane.set_entry(entry, leaf=leaf, state=state, notice=notice)

    def show_entry_pane(self) -> None:
        sizes = self.main_split.sizes()
        if len(sizes) == 3 and sizes[2] < 120:
            self.main_split.setSizes([sizes[0], max(300, sizes[1] - 420), 420])
        self.right.setCurrentWidget(self.pane)
        if self.pane.entry() is not None:
            self.pane.tabs.currentWidget().setFocus()

    def show_report(self) -> None:
        if self.session is None:
            return
        sizes = self.main_split.sizes()
        if len(sizes) == 3 and sizes[2] < 300:
            self.main_split.setSizes([sizes[0], max(300, sizes[1] - 520 + sizes[2]), 520])
        self.right.setCurrentWidget(self.integrity)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def copy_selected_rows(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        hh = self.table.horizontalHeader()
        columns = [
            hh.logicalIndex(v) for v in range(hh.count()) if not hh.isSectionHidden(hh.logicalIndex(v))
        ]
        if len(rows) > 100_000:
            QMessageBox.information(self, APP_NAME, "Select at most 100,000 rows to copy.")
            return
        QGuiApplication.clipboard().setText(self.model.rows_as_tsv(rows, columns))
        self.status(f"Copied {len(rows):,} row{'s' if len(rows) != 1 else ''}.")

    def _table_menu(self, pos: Any) -> None:
        idx = self.table.indexAt(pos)
        if not idx.isValid() or self.session is None:
            return
        if idx.row() not in self.selected_rows():
            self.table.selectRow(idx.row())
        seq = self.model.seq_at(idx.row())
        shown = self.pane.entry()
        got: Any = None
        if shown is not None and seq is not None and shown.get("seq") == seq:
            got = (shown, None, None)
        elif seq is not None:
            got = self.session.entry(seq)
        menu = QMenu(self)
        if got is not None:
            entry = got[0]
            res = entry.get("resource") if isinstance(entry.get("resource"), dict) else None
            title = entry.get("title") if isinstance(entry.get("title"), dict) else None
            if res and res.get("id") is not None:
                name = str(res.get("name") or res.get("id"))
                res_scope = Scope("resource", resource_type=res.get("type"),
                                  resource_id=str(res.get("id")),
                                  label=f"{res.get('type') or 'resource'} {name}")
                act = menu.addAction(
                    f"Show this resource's history ({menu_text(name, 40)})"
                )
                act.triggered.connect(lambda: self.scope_to(res_scope))
                exp = menu.addAction("Export this resource's history…")
                exp.setEnabled(self.can_export())
                exp.triggered.connect(lambda: self.open_export(res_scope))
            if title and title.get("id") is not None:
                tname = str(title.get("name") or title.get("id"))
                act = menu.addAction(f"Show this title ({menu_text(tname, 40)})")
                act.triggered.connect(
                    lambda: self.scope_to(
                        Scope("title", title_id=str(title.get("id")), label=f"Title {tname}")
                    )
                )
            menu.addSeparator()
        menu.addAction("Copy rows (TSV, JSON-escaped)", self.copy_selected_rows)
        menu.addAction("Copy entry (stored JSON)", self._copy_current_entry)
        menu.addAction("Show details", self.show_entry_pane)
        self._popup(menu, self.table.viewport().mapToGlobal(pos))

    def _copy_current_entry(self) -> None:
        self.pane.copy_entry()

    def _header_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for act in self.column_actions.values():
            menu.addAction(act)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def _escape(self) -> None:
        if self.search.text():
            self.search.clear()
        elif self.state.seq_range is not None:
            self._set_state(self.state.with_(seq_range=None))

    # ------------------------------------------------------------------
    # Integrity: report, trust

    def _show_report_panel(self) -> None:
        report = self.report
        if report is None:
            return
        hints = self.session.info.key_hints if self.session is not None else []
        self.integrity.set_report(report, key_hints=hints)
        self._update_actions()

    def trust_signer(self, signer: UntrustedSigner) -> None:
        dialog = TrustKeyDialog(signer.label, signer.key, self)
        if dialog.exec() != TrustKeyDialog.DialogCode.Accepted or dialog.key is None:
            return
        try:
            TrustStore().add(dialog.key)
        except (TrustStoreError, OSError) as exc:
            QMessageBox.warning(self, APP_NAME, f"Could not add the key: {shown(exc)}")
            return
        self.status(f"Trusted {shown(dialog.key.label, 120)}; verifying again…")
        self.reverify()

    def open_trust_store(self) -> None:
        dialog = TrustStoreDialog(parent=self)
        dialog.exec()
        if dialog.changed and self.session is not None:
            self.reverify()

    def reverify(self) -> None:
        if self.paths:
            self.open_paths(list(self.paths), trust=self._extra_trust, remember=False)

    def _report_basename(self) -> str:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%d-%H%M%S")
        return f"verification-report-{stamp}"

    def save_report_json(self, path: str | None = None) -> str | None:
        if self.report is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save report as JSON", self._report_basename() + ".json", "JSON (*.json)"
            )
        if not path:
            return None
        data = self.report.to_json()
        data["inputs"] = list(self.paths)
        self._write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return path

    def save_report_html(self, path: str | None = None) -> str | None:
        if self.report is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save report as HTML", self._report_basename() + ".html", "HTML (*.html)"
            )
        if not path:
            return None
        org = claimed_organization(self.session.info.organization) if self.session else None
        self._write(path, report_html(self.report, inputs=self.paths, organization=org))
        return path

    def _write(self, path: str, text: str) -> None:
        try:
            write_file(Path(path), text.encode("utf-8"))
        except AuditViewerError as exc:
            QMessageBox.warning(self, APP_NAME, f"Could not save {shown(path)}: {shown(exc)}")
            return
        self.status(f"Saved {shown(path)}.")

    # ------------------------------------------------------------------
    # Remembered checkpoints

    def remember_checkpoints(self) -> bool:
        return remember_enabled(self.settings)

    def checkpoint_memory(self) -> CheckpointMemory | None:
        """The memory the next load reads and adds to (None when the preference is off)."""
        if not self.remember_checkpoints():
            return None
        if self._memory is None:
            self._memory = CheckpointMemory()
        return self._memory

    def load_problems(self) -> list[str]:
        """Files that failed mid-load and memory problems of the open session, one line each."""
        session = self.session
        if session is None:
            return []
        lines = [f"Not read: {e}" for e in session.file_errors]
        lines += [f"Remembered checkpoints: {m}" for m in session.memory_problems]
        return lines

    def _origin(self) -> str | None:
        if self.report is not None and self.report.origin:
            return self.report.origin
        return self.session.info.origin if self.session is not None else None

    def open_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        dialog.exec()

    def forget_log(self, *, confirm: bool = True) -> int | None:
        """Forget the remembered checkpoints of the open log (after confirming), then verify again."""
        origin = self._origin()
        if self.session is None or not origin:
            return None
        memory = self._memory or CheckpointMemory()
        if confirm:
            answer = QMessageBox.question(
                self,
                "Forget this log?",
                f"Forget every checkpoint remembered for\n{shown(origin)}?\n\nOlder or rewritten exports of "
                "this log can then no longer be recognised as such. The open export is verified again.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        try:
            count = memory.forget(origin)
        except CheckpointMemoryError as exc:
            QMessageBox.warning(self, APP_NAME, f"Could not forget this log: {shown(exc)}")
            return None
        self.status(f"Forgot {count:,} remembered checkpoints of {elide(visible_text(origin), 80)}; "
                    "verifying again…")
        self.reverify()
        return count

    def save_fork_evidence(self, path: str | None = None) -> str | None:
        report = self.report
        if not has_fork(report):
            return None
        assert report is not None
        if not path:
            stamp = datetime.now(tz=UTC).strftime("%Y%m%d-%H%M%S")
            path, _ = QFileDialog.getSaveFileName(
                self, "Save fork evidence", f"fork-evidence-{stamp}.json", "JSON (*.json)"
            )
        if not path:
            return None
        try:
            write_evidence(report, Path(path), memory=self._memory)
        except (OSError, AuditViewerError) as exc:
            QMessageBox.warning(self, APP_NAME, f"Could not save {shown(path)}: {shown(exc)}")
            return None
        self.status(f"Saved the fork evidence to {shown(path)}.")
        return path

    # ------------------------------------------------------------------
    # Export

    def can_export(self) -> bool:
        session = self.session
        if session is None or self.worker is not None:
            return False
        return session.can_export()

    def open_export(self, scope: Scope | None = None) -> ExportDialog | None:
        """The export dialog for the current filter and scope, or for one scope's whole history."""
        if not self.can_export():
            return None
        session: Any = self.session
        if scope is None:
            state = self.state
            title = "Export the entries shown"
        else:
            state = FilterState(scope=scope, utc=self.state.utc)
            title = f"Export the history of {elide(visible_text(scope.label), 60)}"
        filt = session.to_filter(state)
        if self.export_dialog is not None:
            self.export_dialog.shutdown()
            self.export_dialog.deleteLater()
        dialog = ExportDialog(session, filt, title=title, settings=self.settings, parent=self)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def _scope_menu(self, pos: Any) -> None:
        idx = self.scope_tree.indexAt(pos)
        if not idx.isValid() or self.session is None:
            return
        node = self.scope_tree.scope_model.node(idx)
        scope = node.scope
        if scope is None:
            return
        menu = QMenu(self)
        menu.addAction("Show", lambda: self.scope_to(scope))
        if scope.kind == "resource":
            label = "Export this resource's history…"
        elif scope.kind == "title":
            label = "Export this title's entries…"
        else:
            label = "Export all entries…"
        act = menu.addAction(label)
        act.setEnabled(self.can_export())
        act.triggered.connect(lambda: self.open_export(scope))
        self._popup(menu, self.scope_tree.viewport().mapToGlobal(pos))

    def _popup(self, menu: QMenu, at: Any) -> None:
        """Show a context menu (tests replace this to read its actions)."""
        menu.exec(at)

    # ------------------------------------------------------------------
    # Misc

    def status(self, text: str) -> None:
        """One line in the status bar (made visible and elided by the label)."""
        self.status_label.setText(text)

    def _update_actions(self) -> None:
        has = self.session is not None
        has_report = self.report is not None
        for act in (self.save_json_action, self.save_html_action):
            act.setEnabled(has_report)
        self.close_action.setEnabled(has or self.worker is not None)
        self.report_action.setEnabled(has)
        self.copy_rows_action.setEnabled(has)
        self.clear_filters_action.setEnabled(has)
        can_export = self.can_export()
        self.export_action.setEnabled(can_export)
        self.export_button.setEnabled(can_export)
        self.evidence_action.setEnabled(has_fork(self.report))
        origin = self._origin()
        self.forget_action.setEnabled(has and self.worker is None and bool(origin))

    def _about(self) -> None:
        try:
            from auditviewer.ui.dialogs.about import show_about
        except ImportError:
            from auditviewer import __version__

            QMessageBox.about(
                self,
                "About AuditViewer",
                f"AuditViewer {__version__}\n\nOpen, search and verify signed audit-log exports.",
            )
            return
        show_about(self)

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
        self.cancel_loading(wait=True)
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)
        self.close_workspace(show_start=False)
        self.refresher.stop()
        self.fetcher.stop()
        super().closeEvent(event)
