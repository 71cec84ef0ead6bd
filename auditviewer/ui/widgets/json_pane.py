"""The metadata pane: the selected entry as a tree, as coloured JSON text, and
its before/after changes; copy value, copy JSON path, copy entry.

Everything from the bundle is plain text: labels use ``Qt.PlainText``, the
text view is a ``QPlainTextEdit`` (never HTML) and invisible or reordering
characters are shown as ``⟨U+202E⟩`` escapes.

The app's verdict on the entry (✔ verified / ✖ failed verification / ◐
unverified) has its own label, first in the header, coloured by the app and
never holding data; the entry's own fields (event type; seq, time and id)
follow in :class:`~auditviewer.ui.widgets.elided_label.ElidedLabel` s, elided by width,
so no value can push the verdict out of sight or widen the window.

No entry stalls the window: the tree makes its nodes a page at a time
(:mod:`auditviewer.ui.models.json_model`), default expansion opens only small
containers, and an entry whose text exceeds ``TEXT_LIMIT`` characters is shown
compact and cut there, uncoloured, with a "Show all" button (the person's
choice to wait).

The header's time follows the window's one time setting (:meth:`MetadataPane.set_utc`,
the same as the table's), its zone named: ``2026-11-19 13:35:42.600 CET``; the stored
text is in the tooltip, the tree and the JSON, and a time that does not parse is shown
as stored.

Copies are exact and safe: a value or path is copied as JSON in which every
control, bidi or invisible character is a ``\\uXXXX`` escape
(:func:`auditviewer.core.display.json_text`); "Copy entry" copies the stored text.

A malformed line's row (not an entry) is shown by :meth:`MetadataPane.set_malformed`: its
own verdict, its file and line, and one "Raw line" tab with its bytes escaped; no tree, no
changes, nothing coloured as JSON.

The tree's menu offers "Add as column" on a node under ``metadata``
(:attr:`MetadataPane.addColumnRequested`, its key path; the window's columns
controller, ``ui/window/columns.py``, adds the ``meta.<path>`` column).
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

from auditviewer.core.display import json_text, plain_tooltip, visible
from auditviewer.core.times import format_time, parse_rfc3339_ms, zone_name
from auditviewer.ui.models.json_model import JSON_PATH_ROLE, JsonTreeModel
from auditviewer.ui.widgets.diff_view import DiffView
from auditviewer.ui.widgets.elided_label import ElidedLabel

TAB_CHANGES = 0
TAB_TREE = 1
TAB_TEXT = 2

#: Characters of JSON text shown (and coloured) before "Show all" is needed.
TEXT_LIMIT = 20_000
#: Default expansion opens a container only if it has at most this many children.
EXPAND_SMALL = 50

#: The verdict label's words and colours (background, text), by entry state.
VERDICT_STYLE = {
    "verified": ("✔ verified", "#2e7d32", "#ffffff"),
    "failed": ("✖ failed verification", "#c62828", "#ffffff"),
    "unverified": ("◐ unverified", "#8d6e00", "#ffffff"),
    # A malformed line's row (store/malformed.py): not an entry, never verified.
    "malformed": ("⊘ malformed line: not an entry", "#6a1b9a", "#ffffff"),
}
#: The JSON tab's head when the row is a malformed line (its bytes follow, escaped).
NOT_JSON_HEAD = (
    "Not an entry: this line is malformed (spec §2), so it is not read as JSON and nothing in it is "
    "verified. Its bytes as read, escaped (\\n, \\uXXXX, \\xNN for a byte that is not UTF-8):"
)


def pretty_json(value: Any) -> str:
    """Indented JSON, every character visible (json escapes controls; we escape the rest)."""
    return visible(json.dumps(value, indent=2, ensure_ascii=False), keep_newlines=True)


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
    #: "Add as column" on a metadata node: its key path under ``metadata`` (a tuple of keys).
    addColumnRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entry: dict[str, Any] | None = None
        self._leaf: str | None = None
        self._utc = True

        # The app's words: its own label, first, never holding data.
        self.verdict = QLabel(self)
        self.verdict.setObjectName("paneVerdict")
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        vfont = self.verdict.font()
        vfont.setBold(True)
        self.verdict.setFont(vfont)
        self.notice = QLabel(self)
        self.notice.setObjectName("paneNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setEnabled(False)
        # The entry's own fields: plain, elided by width.
        self.title = ElidedLabel(parent=self)
        self.title.setObjectName("paneTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.subtitle = ElidedLabel(parent=self)
        self.subtitle.setObjectName("paneSubtitle")
        self.header = QWidget(self)
        header = QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.verdict)
        header.addWidget(self.title, 1)
        header.addWidget(self.notice)

        self.copy_value_button = QToolButton(self)
        self.copy_value_button.setText("Copy value (JSON)")
        self.copy_value_button.setToolTip(
            "Copy the selected value as JSON: exact, with control and invisible characters escaped"
        )
        self.copy_path_button = QToolButton(self)
        self.copy_path_button.setText("Copy JSON path")
        self.copy_entry_button = QToolButton(self)
        self.copy_entry_button.setText("Copy entry (stored JSON)")
        self.copy_entry_button.setToolTip("Copy the entry's text exactly as stored in the export")
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
        self.tree.doubleClicked.connect(self._tree_activated)

        self.text = QPlainTextEdit(self)
        self.text.setObjectName("jsonText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.highlighter = JsonHighlighter(self.text.document(), self._dark())
        self.show_all_button = QToolButton(self)
        self.show_all_button.setObjectName("showAllText")
        self.show_all_button.clicked.connect(self.show_all_text)
        self.show_all_button.hide()
        text_page = QWidget(self)
        text_layout = QVBoxLayout(text_page)
        text_layout.setContentsMargins(0, 0, 0, 0)
        text_layout.setSpacing(2)
        text_layout.addWidget(self.show_all_button)
        text_layout.addWidget(self.text, 1)
        self.text_page = text_page

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.diff, "Changes")
        self.tabs.addTab(self.tree, "Tree")
        self.tabs.addTab(text_page, "JSON")
        self.tabs.currentChanged.connect(self._update_buttons)

        self.placeholder = QLabel("Select an entry to see its details.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.buttons)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.placeholder, 1)

        copy_action = QAction("Copy value (JSON)", self.tree)
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
        self._show_entry_tabs(True)
        self.verdict.setText("")
        self.notice.setText("")
        self.title.setText("")
        self.subtitle.setText("")
        self.tree_model.clear()
        self._set_text("", full=True)
        self.diff.set_entry(None)
        for w in (self.header, self.subtitle, self.tabs, self.buttons):
            w.setVisible(False)
        self.placeholder.setVisible(True)
        self._update_buttons()

    def entry(self) -> dict[str, Any] | None:
        return self._entry

    def set_utc(self, utc: bool) -> None:
        """Show the entry's time in UTC or local time (the window's one setting)."""
        if utc == self._utc:
            return
        self._utc = utc
        if self._entry is not None:
            self._set_subtitle(self._entry)

    def _set_subtitle(self, entry: dict[str, Any]) -> None:
        bits = []
        if "seq" in entry:
            bits.append(f"seq {entry['seq']}")
        if entry.get("time"):
            bits.append(self.time_text(entry["time"]))
        if entry.get("id"):
            bits.append(str(entry["id"]))
        self.subtitle.setText("  ·  ".join(bits))
        if entry.get("time"):  # the stored text, through the one display-safety path
            self.subtitle.setToolTip(plain_tooltip(
                f"{self.subtitle.full_text()}\nTime as stored: {entry['time']}"
            ))

    def time_text(self, stored: Any) -> str:
        """The stored time in the window's zone, named; as stored if it does not parse."""
        ms = parse_rfc3339_ms(stored) if isinstance(stored, str) else None
        if ms is None:
            return str(stored)
        return f"{format_time(ms, self._utc, millis=True)} {zone_name(self._utc)}"

    def set_entry(
        self,
        entry: dict[str, Any],
        *,
        leaf: str | None = None,
        state: str | None = None,
        notice: str | None = None,
    ) -> None:
        """Show ``entry``; ``leaf`` is its exact stored text (what Copy entry copies).

        ``state`` is the app's verdict on it (``verified``/``failed``/``unverified``);
        ``notice`` an app note beside it (never data)."""
        self._entry = entry
        self._leaf = leaf
        self._show_entry_tabs(True)
        self._set_verdict(state)
        self.notice.setText(notice or "")
        self.notice.setVisible(bool(notice))
        category = str(entry.get("category") or "")
        action = str(entry.get("action") or "")
        event_type = " ".join(p for p in (category, action) if p) or "Entry"
        self.title.setText(event_type)
        self._set_subtitle(entry)
        self.tree_model.set_value(entry)
        self._expand_defaults()
        self._set_text(self._entry_text(entry, limit=TEXT_LIMIT), full=False)
        self.diff.set_entry(entry)
        for w in (self.header, self.subtitle, self.tabs, self.buttons):
            w.setVisible(True)
        self.placeholder.setVisible(False)
        self.tabs.setTabText(
            TAB_CHANGES, f"Changes ({self.diff.model.rowCount()})" if self.diff.has_changes()
            else "Changes"
        )
        if self.tabs.currentIndex() == TAB_CHANGES and not self.diff.has_changes():
            self.tabs.setCurrentIndex(TAB_TREE)
        self._update_buttons()

    def set_malformed(self, place: str, reason: str, text: str) -> None:
        """Show a malformed line's row (not an entry): ``place`` (its file and line, made
        safe), its ``reason``, and its bytes as ``text``, already escaped
        (:func:`auditviewer.core.display.bytes_text`): no tree, no changes, never coloured
        as JSON; past :data:`TEXT_LIMIT` characters cut (a copy of its row's Summary holds all)."""
        self._entry = None
        self._leaf = None
        self._set_verdict("malformed")
        self.notice.setText("")
        self.notice.setVisible(False)
        self.title.setText("Malformed line")
        self.subtitle.setText(f"{place}  ·  {visible(reason)}")
        self.subtitle.setToolTip(plain_tooltip(f"{place}\n{reason}"))
        self.tree_model.clear()
        self.diff.set_entry(None)
        self._show_entry_tabs(False)
        self.show_all_button.hide()
        self.highlighter.setDocument(None)
        cut = len(text) > TEXT_LIMIT
        self._wrap(QPlainTextEdit.LineWrapMode.NoWrap if cut else QPlainTextEdit.LineWrapMode.WidgetWidth)
        tail = f"\n… the first {TEXT_LIMIT:,} of {len(text):,} characters" if cut else ""
        self.text.setPlainText(f"{NOT_JSON_HEAD}\n\n{text[:TEXT_LIMIT]}{tail}")
        for w in (self.header, self.subtitle, self.tabs, self.buttons):
            w.setVisible(True)
        self.placeholder.setVisible(False)
        self._update_buttons()

    def _show_entry_tabs(self, entry: bool) -> None:
        """An entry has Changes, Tree and JSON; a malformed line only its bytes."""
        was_entry = self.tabs.isTabVisible(TAB_TREE)
        if not was_entry:
            self.subtitle.setToolTip("")  # the line's, not the next entry's
        self.tabs.setTabVisible(TAB_CHANGES, entry)
        self.tabs.setTabVisible(TAB_TREE, entry)
        self.tabs.setTabText(TAB_TEXT, "JSON" if entry else "Raw line")
        if not entry:
            self.tabs.setCurrentIndex(TAB_TEXT)
        elif not was_entry:
            self.tabs.setCurrentIndex(TAB_TREE)

    def _set_verdict(self, state: str | None) -> None:
        style = VERDICT_STYLE.get(state or "")
        if style is None:
            self.verdict.setText("")
            self.verdict.hide()
            return
        words, bg, fg = style
        self.verdict.setText(words)
        self.verdict.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {fg}; border-radius: 3px; padding: 1px 6px; }}"
        )
        self.verdict.show()

    def verdict_text(self) -> str:
        return self.verdict.text()

    def _entry_text(self, entry: dict[str, Any], *, limit: int | None) -> str | None:
        """Pretty JSON of ``entry``, or None when it is larger than ``limit`` characters."""
        leaf_size = len(self._leaf) if self._leaf is not None else None
        if limit is not None:
            size = leaf_size if leaf_size is not None else len(json.dumps(entry, ensure_ascii=False))
            if size > limit:
                return None
        return pretty_json(entry)

    def _set_text(self, text: str | None, *, full: bool) -> None:
        """The JSON tab: ``text``, or (None) the first ``TEXT_LIMIT`` characters of the
        compact entry, uncoloured, with a "Show all" button."""
        if text is None and self._entry is not None:
            compact = self._leaf if self._leaf is not None else json.dumps(
                self._entry, ensure_ascii=False
            )
            shown = visible(compact[:TEXT_LIMIT], keep_newlines=False)
            self.highlighter.setDocument(None)
            self._wrap(QPlainTextEdit.LineWrapMode.NoWrap)
            self.text.setPlainText(shown)
            kb = len(compact.encode("utf-8", "surrogatepass")) // 1024
            self.show_all_button.setText(
                f"Large entry: {kb:,} KB; its first {TEXT_LIMIT:,} characters are shown "
                "as stored. Show all, formatted…"
            )
            self.show_all_button.show()
            return
        self.show_all_button.hide()
        self._wrap(QPlainTextEdit.LineWrapMode.WidgetWidth)
        if self.highlighter.document() is None:
            self.highlighter.setDocument(self.text.document())
        self.text.setPlainText(text or "")

    def _wrap(self, mode: QPlainTextEdit.LineWrapMode) -> None:
        """Set the text view's wrapping, emptying it first when the mode changes: Qt lays
        the old text out again in the new mode, and a large entry's one unwrapped line of
        TEXT_LIMIT characters took 0.2 s to wrap on the GUI thread (issue 17.3: a search
        that cleared the pane stalled the window)."""
        if self.text.lineWrapMode() != mode:
            self.text.clear()
            self.text.setLineWrapMode(mode)

    def show_all_text(self) -> None:
        """The whole entry, formatted (the person asked; it may take a moment)."""
        if self._entry is None:
            return
        text = self._entry_text(self._entry, limit=None)
        self.show_all_button.hide()
        self.highlighter.setDocument(None)
        self._wrap(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setPlainText(text or "")

    def _expand_defaults(self) -> None:
        """Open the interesting parts: the metadata (two levels, small containers only),
        actor and resource."""
        model = self.tree_model
        for row in range(min(model.rowCount(), EXPAND_SMALL)):
            idx = model.index(row, 0)
            path = idx.data(JSON_PATH_ROLE)
            if path in ("$.metadata", "$.actor", "$.resource", "$.title"):
                self.tree.expand(idx)
                if path == "$.metadata":
                    for sub in range(min(model.rowCount(idx), EXPAND_SMALL)):
                        child = model.index(sub, 0, idx)
                        if 0 < model.node(child).size() <= EXPAND_SMALL:
                            self.tree.expand(child)
        self._fit_key_column()

    def _fit_key_column(self) -> None:
        """The key column as wide as the first keys need (not measured over every row)."""
        model, metrics = self.tree_model, self.tree.fontMetrics()
        widths = [metrics.horizontalAdvance(str(model.headerData(0, Qt.Orientation.Horizontal)))]
        stack, seen = [QModelIndex()], 0
        while stack and seen < EXPAND_SMALL * 4:
            parent = stack.pop()
            depth = 0
            up = parent
            while up.isValid():
                depth, up = depth + 1, up.parent()
            for row in range(min(model.rowCount(parent), EXPAND_SMALL)):
                idx = model.index(row, 0, parent)
                seen += 1
                widths.append(metrics.horizontalAdvance(str(idx.data())) + depth * 20 + 30)
                if self.tree.isExpanded(idx):
                    stack.append(idx)
        self.tree.setColumnWidth(0, min(max(widths), max(120, self.width() // 2)))

    def _tree_activated(self, index: QModelIndex) -> None:
        if self.tree_model.is_more(index):
            self.tree_model.fetch_more(index.siblingAtColumn(0))

    # -- copying ---------------------------------------------------------
    def _current_node_index(self) -> QModelIndex:
        idx = self.tree.currentIndex()
        return idx.siblingAtColumn(0) if idx.isValid() else QModelIndex()

    def _update_buttons(self, *_: Any) -> None:
        has_entry = self._entry is not None
        on_tree = self.tabs.currentIndex() == TAB_TREE
        node = self._current_node_index()
        has_node = node.isValid() and not self.tree_model.is_more(node)
        self.copy_entry_button.setEnabled(has_entry)
        self.copy_value_button.setEnabled(has_entry and on_tree and has_node)
        self.copy_path_button.setEnabled(has_entry and on_tree and has_node)

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(what)

    def copy_value(self) -> None:
        """The selected value as JSON, exact and escaped (a string keeps its quotes)."""
        idx = self._current_node_index()
        if idx.isValid() and not self.tree_model.is_more(idx):
            self._copy(json_text(self.tree_model.node(idx).value), "value (JSON)")

    def copy_path(self) -> None:
        idx = self._current_node_index()
        if idx.isValid() and not self.tree_model.is_more(idx):
            self._copy(str(idx.data(JSON_PATH_ROLE)), "JSON path")

    def copy_entry(self) -> None:
        if self._entry is None:
            return
        text = self._leaf if self._leaf is not None else json.dumps(self._entry, ensure_ascii=False)
        self._copy(text, "entry")

    def metadata_path(self, index: QModelIndex) -> tuple[str, ...] | None:
        """The keys from ``metadata`` down to this node (``("image", "after")``), or None
        for a node outside the metadata, the metadata itself or one inside an array."""
        if not index.isValid() or self.tree_model.is_more(index):
            return None
        node: Any = self.tree_model.node(index)
        keys: list[str] = []
        while node is not None and node.key is not None:
            if not isinstance(node.key, str):
                return None
            keys.append(node.key)
            node = node.parent
        keys.reverse()
        if len(keys) < 2 or keys[0] != "metadata":
            return None
        return tuple(keys[1:])

    def _tree_menu(self, pos: Any) -> None:
        idx = self.tree.indexAt(pos)
        if not idx.isValid():
            return
        self.tree.setCurrentIndex(idx)
        menu = QMenu(self)
        if self.tree_model.is_more(idx):
            menu.addAction("Show more", lambda: self.tree_model.fetch_more(idx.siblingAtColumn(0)))
        else:
            menu.addAction("Copy value (JSON)", self.copy_value)
            menu.addAction("Copy JSON path", self.copy_path)
            path = self.metadata_path(idx)
            if path:
                menu.addSeparator()
                menu.addAction("Add as column", lambda: self.addColumnRequested.emit(path))
        menu.addSeparator()
        menu.addAction("Copy entry (stored JSON)", self.copy_entry)
        self.popup(menu, self.tree.viewport().mapToGlobal(pos))

    def popup(self, menu: QMenu, at: Any) -> None:
        """Show a context menu (tests replace this to read its actions)."""
        menu.exec(at)

