"""The metadata pane: the selected entry as a tree, as coloured JSON text, and
its before/after changes; copy value, copy JSON path, copy entry.

Everything from the bundle is plain text: labels use ``Qt.PlainText``, the
text view is a ``QPlainTextEdit`` (never HTML) and invisible or reordering
characters are shown as ``⟨U+202E⟩`` escapes.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.text import elide, visible_text
from auditviewer.ui.models.json_model import JSON_PATH_ROLE, JSON_VALUE_ROLE, JsonTreeModel
from auditviewer.ui.widgets.diff_view import DiffView

TAB_CHANGES = 0
TAB_TREE = 1
TAB_TEXT = 2


def pretty_json(value: Any) -> str:
    """Indented JSON, every character visible (json escapes controls; we escape the rest)."""
    return visible_text(json.dumps(value, indent=2, ensure_ascii=False), keep_newlines=True)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours keys, strings, numbers and literals; follows the palette's lightness."""

    _STRING = QRegularExpression(r'"(?:[^"\\]|\\.)*"')
    _KEY = QRegularExpression(r'"(?:[^"\\]|\\.)*"(?=\s*:)')
    _NUMBER = QRegularExpression(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
    _LITERAL = QRegularExpression(r"\b(?:true|false|null)\b")

    def __init__(self, document: QTextDocument, dark: bool) -> None:
        super().__init__(document)
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        def fmt(light: str, darkc: str, bold: bool = False) -> QTextCharFormat:
            f = QTextCharFormat()
            f.setForeground(QColor(darkc if dark else light))
            if bold:
                f.setFontWeight(QFont.Weight.DemiBold)
            return f

        self._key_fmt = fmt("#1f4e9c", "#8ab4f8", bold=True)
        self._string_fmt = fmt("#0b7a3b", "#a8dba8")
        self._number_fmt = fmt("#a14a00", "#f9b96e")
        self._literal_fmt = fmt("#8a2be2", "#d7a6ff")
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for regex, f in (
            (self._NUMBER, self._number_fmt),
            (self._LITERAL, self._literal_fmt),
            (self._STRING, self._string_fmt),
            (self._KEY, self._key_fmt),
        ):
            it = regex.globalMatch(text)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), f)


class MetadataPane(QWidget):
    """Shows one entry; ``set_entry(entry, leaf=..., state=...)`` or ``clear()``."""

    copied = Signal(str)  # what was copied, for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entry: dict[str, Any] | None = None
        self._leaf: str | None = None

        self.title = QLabel(self)
        self.title.setObjectName("paneTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("paneSubtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle.setWordWrap(True)

        self.copy_value_button = QToolButton(self)
        self.copy_value_button.setText("Copy value")
        self.copy_path_button = QToolButton(self)
        self.copy_path_button.setText("Copy JSON path")
        self.copy_entry_button = QToolButton(self)
        self.copy_entry_button.setText("Copy entry")
        self.copy_value_button.clicked.connect(self.copy_value)
        self.copy_path_button.clicked.connect(self.copy_path)
        self.copy_entry_button.clicked.connect(self.copy_entry)
        self.buttons = QWidget(self)
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.copy_value_button)
        buttons.addWidget(self.copy_path_button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_entry_button)

        self.diff = DiffView(self)
        self.tree_model = JsonTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("jsonTree")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.selectionModel().currentChanged.connect(self._update_buttons)

        self.text = QPlainTextEdit(self)
        self.text.setObjectName("jsonText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = JsonHighlighter(self.text.document(), self._dark())

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.diff, "Changes")
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(self.text, "JSON")
        self.tabs.currentChanged.connect(self._update_buttons)

        self.placeholder = QLabel("Select an entry to see its details.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.buttons)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.placeholder, 1)

        copy_action = QAction("Copy value", self.tree)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy_value)
        self.tree.addAction(copy_action)
        self.clear()

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def changeEvent(self, event: Any) -> None:  # palette follows the system
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and hasattr(self, "highlighter"):
            self.highlighter.set_dark(self._dark())

    # -- content ---------------------------------------------------------
    def clear(self) -> None:
        self._entry = None
        self._leaf = None
        self.title.setText("")
        self.subtitle.setText("")
        self.tree_model.clear()
        self.text.setPlainText("")
        self.diff.set_entry(None)
        for w in (self.title, self.subtitle, self.tabs, self.buttons):
            w.setVisible(False)
        self.placeholder.setVisible(True)
        self._update_buttons()

    def entry(self) -> dict[str, Any] | None:
        return self._entry

    def set_entry(
        self, entry: dict[str, Any], *, leaf: str | None = None, state: str | None = None
    ) -> None:
        """Show ``entry``; ``leaf`` is its exact stored text (what Copy entry copies)."""
        self._entry = entry
        self._leaf = leaf
        category = str(entry.get("category") or "")
        action = str(entry.get("action") or "")
        event_type = " ".join(p for p in (category, action) if p) or "Entry"
        self.title.setText(elide(visible_text(event_type), 200))
        bits = []
        if "seq" in entry:
            bits.append(f"seq {entry['seq']}")
        if entry.get("time"):
            bits.append(str(entry["time"]))
        if entry.get("id"):
            bits.append(str(entry["id"]))
        if state:
            bits.append(state)
        self.subtitle.setText(elide(visible_text("  ·  ".join(bits)), 400))
        self.tree_model.set_value(entry)
        self._expand_defaults()
        self.text.setPlainText(pretty_json(entry))
        self.diff.set_entry(entry)
        for w in (self.title, self.subtitle, self.tabs, self.buttons):
            w.setVisible(True)
        self.placeholder.setVisible(False)
        self.tabs.setTabText(
            TAB_CHANGES, f"Changes ({self.diff.model.rowCount()})" if self.diff.has_changes()
            else "Changes"
        )
        if self.tabs.currentIndex() == TAB_CHANGES and not self.diff.has_changes():
            self.tabs.setCurrentIndex(TAB_TREE)
        self._update_buttons()

    def _expand_defaults(self) -> None:
        """Open the interesting parts: the metadata (two levels), actor and resource."""
        model = self.tree_model
        for row in range(model.rowCount()):
            idx = model.index(row, 0)
            path = idx.data(JSON_PATH_ROLE)
            if path in ("$.metadata", "$.actor", "$.resource", "$.title"):
                self.tree.expand(idx)
                if path == "$.metadata":
                    for sub in range(min(model.rowCount(idx), 50)):
                        self.tree.expand(model.index(sub, 0, idx))
        self.tree.resizeColumnToContents(0)

    # -- copying ---------------------------------------------------------
    def _current_node_index(self) -> QModelIndex:
        idx = self.tree.currentIndex()
        return idx.siblingAtColumn(0) if idx.isValid() else QModelIndex()

    def _update_buttons(self, *_: Any) -> None:
        has_entry = self._entry is not None
        on_tree = self.tabs.currentIndex() == TAB_TREE
        has_node = self._current_node_index().isValid()
        self.copy_entry_button.setEnabled(has_entry)
        self.copy_value_button.setEnabled(has_entry and on_tree and has_node)
        self.copy_path_button.setEnabled(has_entry and on_tree and has_node)

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(what)

    def copy_value(self) -> None:
        idx = self._current_node_index()
        if idx.isValid():
            self._copy(str(idx.data(JSON_VALUE_ROLE)), "value")

    def copy_path(self) -> None:
        idx = self._current_node_index()
        if idx.isValid():
            self._copy(str(idx.data(JSON_PATH_ROLE)), "JSON path")

    def copy_entry(self) -> None:
        if self._entry is None:
            return
        text = self._leaf if self._leaf is not None else json.dumps(self._entry, ensure_ascii=False)
        self._copy(text, "entry")

    def _tree_menu(self, pos: Any) -> None:
        idx = self.tree.indexAt(pos)
        if not idx.isValid():
            return
        self.tree.setCurrentIndex(idx)
        menu = QMenu(self)
        menu.addAction("Copy value", self.copy_value)
        menu.addAction("Copy JSON path", self.copy_path)
        menu.addSeparator()
        menu.addAction("Copy entry", self.copy_entry)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

