"""The menu bar, its actions and shortcuts; which actions are enabled when.

Actions are built here and connected to the controllers' methods (the window
holds the controllers); the window and tests reach them as
``window.menus.<name>_action``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut

from auditviewer.core.about import APP_NAME
from auditviewer.ui.models.table_model import COLUMN_COUNT, COLUMN_NAMES
from auditviewer.ui.theme import SYSTEM, THEME_LABELS, THEMES
from auditviewer.ui.widgets.integrity_banner import has_fork
from auditviewer.ui.window.base import Controller
from auditviewer.ui.window.field_keys import ActionKeysInField

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow


class Menus(Controller):
    """File, Edit, View, Integrity and Help; Escape (clear the search or the finding)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        w = window
        bar = w.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = QAction("&Open…", w)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(w.loading.open_dialog)
        file_menu.addAction(self.open_action)
        self.open_folder_action = QAction("Open &Folder…", w)
        self.open_folder_action.triggered.connect(w.loading.open_folder_dialog)
        file_menu.addAction(self.open_folder_action)
        self.new_tab_action = QAction("Open in New &Tab…", w)  # shown when the window is a tab
        self.new_tab_action.setShortcut(QKeySequence.StandardKey.AddTab)
        self.new_tab_action.setVisible(False)
        self.new_tab_action.triggered.connect(lambda: w.newTabRequested.emit(None))
        file_menu.addAction(self.new_tab_action)
        self.demo_action = QAction("Open the &Demo", w)
        self.demo_action.triggered.connect(w.loading.open_demo)
        file_menu.addAction(self.demo_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        self.save_json_action = QAction("Save Report as &JSON…", w)
        self.save_json_action.triggered.connect(lambda: w.reports.save_report_json())
        self.save_html_action = QAction("Save Report as &HTML…", w)
        self.save_html_action.triggered.connect(lambda: w.reports.save_report_html())
        file_menu.addAction(self.save_json_action)
        file_menu.addAction(self.save_html_action)
        file_menu.addSeparator()
        self.export_action = QAction("&Export…", w)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("Export the entries shown: a verifiable slice bundle or a plain file")
        self.export_action.triggered.connect(lambda: w.export.open_export())
        file_menu.addAction(self.export_action)
        self.search_keys = ActionKeysInField(w.search.edit, [self.export_action])  # xcb's Ctrl+E
        file_menu.addSeparator()
        self.close_action = QAction("&Close Workspace", w)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(lambda: w.loading.close_workspace())
        file_menu.addAction(self.close_action)
        self.quit_action = QAction("&Quit", w)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(w.close)
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.find_action = QAction("&Find", w)
        # Ctrl+L as in browsers (the address bar), beside the platform's Find.
        self.find_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("Ctrl+L")]
        )
        self.find_action.triggered.connect(w.search.focus)
        edit_menu.addAction(self.find_action)
        self.copy_value_action = QAction("Copy &Value", w)
        self.copy_value_action.setToolTip("Copy the current cell's whole value (Ctrl+C in the log)")
        self.copy_value_action.triggered.connect(w.entries.copy_current_cell)
        edit_menu.addAction(self.copy_value_action)
        self.copy_rows_action = QAction("&Copy Rows (TSV, JSON-escaped)", w)
        self.copy_rows_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_rows_action.triggered.connect(w.entries.copy_selected_rows)
        edit_menu.addAction(self.copy_rows_action)
        self.clear_filters_action = QAction("C&lear Filters", w)
        self.clear_filters_action.triggered.connect(w.filtering.clear_filters)
        edit_menu.addAction(self.clear_filters_action)
        edit_menu.addSeparator()
        self.preferences_action = QAction("&Preferences…", w)
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(w.trust.open_preferences)
        edit_menu.addAction(self.preferences_action)

        view_menu = bar.addMenu("&View")
        self.columns_menu = view_menu.addMenu("&Columns")
        self.column_actions: dict[int, QAction] = {}
        for col in range(COLUMN_COUNT):
            act = QAction(COLUMN_NAMES[col], w)
            act.setCheckable(True)
            act.toggled.connect(lambda on, c=col: w.layouts.set_column_visible(c, on))
            self.columns_menu.addAction(act)
            self.column_actions[col] = act
        self.timeline_action = QAction("&Timeline", w)
        self.timeline_action.setCheckable(True)
        self.timeline_action.setChecked(True)
        self.timeline_action.toggled.connect(w.timeline.setVisible)
        view_menu.addAction(self.timeline_action)
        self.pane_action = QAction("&Entry Pane", w)  # opens and closes it (ui/window/layout.py)
        self.pane_action.setCheckable(True)
        self.pane_action.setChecked(True)
        self.pane_action.setShortcut(QKeySequence("Ctrl+I"))
        self.pane_action.triggered.connect(w.layouts.pane_toggled)
        view_menu.addAction(self.pane_action)
        self.report_action = QAction("Integrity &Report", w)
        self.report_action.setShortcut(QKeySequence("Ctrl+R"))
        self.report_action.triggered.connect(w.layouts.show_report)
        view_menu.addAction(self.report_action)
        self.utc_action = QAction("Times in &UTC", w)
        self.utc_action.setCheckable(True)
        self.utc_action.setChecked(True)
        self.utc_action.toggled.connect(w.time_range.set_utc)
        view_menu.addAction(self.utc_action)
        self.theme_menu = view_menu.addMenu("T&heme")
        themes = QActionGroup(w)
        themes.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            action = QAction(THEME_LABELS[name], w)
            action.setCheckable(True)
            action.setChecked(name == SYSTEM)
            action.triggered.connect(lambda _checked=False, n=name: w.layouts.set_theme(n))
            themes.addAction(action)
            self.theme_menu.addAction(action)
            self.theme_actions[name] = action
        view_menu.addSeparator()
        reset = QAction("Reset &Layout", w)
        reset.triggered.connect(w.layouts.reset_layout)
        view_menu.addAction(reset)

        integrity_menu = bar.addMenu("&Integrity")
        integrity_menu.addAction(self.report_action)
        self.trust_action = QAction("&Trust Store…", w)
        self.trust_action.triggered.connect(w.trust.open_trust_store)
        integrity_menu.addAction(self.trust_action)
        integrity_menu.addSeparator()
        self.evidence_action = QAction("Save &Fork Evidence…", w)
        self.evidence_action.triggered.connect(lambda: w.reports.save_fork_evidence())
        integrity_menu.addAction(self.evidence_action)
        self.forget_action = QAction("&Forget This Log…", w)
        self.forget_action.setStatusTip("Forget the checkpoints remembered for this log, then verify again")
        self.forget_action.triggered.connect(lambda: w.trust.forget_log())
        integrity_menu.addAction(self.forget_action)

        help_menu = bar.addMenu("&Help")
        syntax = QAction("&Search Syntax", w)
        syntax.triggered.connect(lambda: w.search.help_button.setChecked(True))
        help_menu.addAction(syntax)
        about = QAction(f"&About {APP_NAME}", w)
        about.triggered.connect(w.reports.about)
        help_menu.addAction(about)

        self.esc_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), w)
        self.esc_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.esc_shortcut.activated.connect(w.filtering.escape)

    def update_actions(self) -> None:
        """Enable what applies to the open workspace, its report and whether it loads."""
        w = self.w
        has = w.session is not None
        loading = w.loading.worker is not None
        has_report = w.report is not None
        for act in (self.save_json_action, self.save_html_action):
            act.setEnabled(has_report)
        self.close_action.setEnabled(has or loading)
        self.report_action.setEnabled(has)
        self.copy_rows_action.setEnabled(has)
        self.copy_value_action.setEnabled(has)
        self.clear_filters_action.setEnabled(has)
        can_export = w.export.can_export()
        self.export_action.setEnabled(can_export)
        w.export_button.setEnabled(can_export)
        self.evidence_action.setEnabled(has_fork(w.report))
        origin = w.trust.origin()
        self.forget_action.setEnabled(has and not loading and bool(origin))
        w.casework.update_actions()  # the Case menu (issue 14)
