"""The window's two fixed pieces: the start page (open, demo, recent files) and the
log table widget (keys for copy and open; its columns, widths and order set up once).

Recent paths are data (a file name may hold anything): shown through
:func:`auditviewer.core.display.visible`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QKeyCombination, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.about import APP_NAME
from auditviewer.core.display import visible
from auditviewer.ui.models.table_model import COL_SEQ, COL_TAGS, DEFAULT_WIDTHS, HIDDEN_BY_DEFAULT
from auditviewer.ui.widgets.log_header import LogHeader
from auditviewer.workspace.cache_folder import cached_exports, opens_fast

#: After a recent file whose database is in the workspace cache.
FAST_MARK = "  — opens fast"

class StartPage(QWidget):
    """What an empty window shows: open an export, the demo, recent files, drop hint."""

    openRequested = Signal()
    demoRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        title = QLabel(APP_NAME, self)
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
        cached = cached_exports()
        for p in paths:
            fast = opens_fast(p, cached)
            item = QListWidgetItem(visible(p) + (FAST_MARK if fast else ""))
            item.setData(Qt.ItemDataRole.UserRole, p)
            if fast:
                item.setToolTip("Opens fast: its database is in the workspace cache")
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_title.setVisible(bool(paths))


#: Copies the selected rows (TSV with a header); Ctrl+C copies one cell.
COPY_ROWS_KEY = QKeyCombination(
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_C
)


class LogTable(QTableView):
    """The log view: Ctrl+C copies the current cell's value, Ctrl+Shift+C the selected rows
    as TSV, Enter opens the entry."""

    copyRequested = Signal()
    copyCellRequested = Signal()
    openRequested = Signal()

    def keyPressEvent(self, event: Any) -> None:
        if event.keyCombination() == COPY_ROWS_KEY:
            self.copyRequested.emit()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copyCellRequested.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.openRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def set_up_log_table(table: QTableView, row_height: int) -> None:
    """Selection, scrolling, header (movable, sortable, default widths and hidden columns:
    badge, seq, time, …) of the log table; its header draws the sort arrow the way the
    rows run (:mod:`auditviewer.ui.widgets.log_header`)."""
    table.setHorizontalHeader(LogHeader(table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setSortingEnabled(True)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setAccessibleName("Audit log entries")
    vh = table.verticalHeader()
    vh.setVisible(False)
    vh.setDefaultSectionSize(row_height)
    vh.setSectionResizeMode(vh.ResizeMode.Fixed)
    hh = table.horizontalHeader()
    hh.setSectionsMovable(True)
    hh.setHighlightSections(False)
    hh.setStretchLastSection(True)
    hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    for col, width in DEFAULT_WIDTHS.items():
        hh.resizeSection(col, width)
    for col in HIDDEN_BY_DEFAULT:
        hh.hideSection(col)
    hh.moveSection(hh.visualIndex(COL_SEQ), 1)  # badge, seq, time, …
    hh.moveSection(hh.visualIndex(COL_TAGS), 2)  # … the investigator's tags after seq (issue 14)
    hh.setSortIndicator(COL_SEQ, Qt.SortOrder.DescendingOrder)
