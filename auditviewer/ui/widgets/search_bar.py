"""The search bar: the query language, applied as you type (after a pause) or
on Enter, with a malformed query's column underlined and explained inline.

It remembers as a shell does (issue 14): Up and Down walk the log's search
history (newest first; what was being typed comes back past the newest), and
the ▾ button lists the recent searches to run one again. The history itself is
kept by the case-work controller (``casework/searches.py``, per log origin) and
handed over with :meth:`SearchBar.set_history`.

``check`` is the core's parser (it raises :class:`auditviewer.core.errors.QueryError`
with a 1-based ``column``); the bar applies only queries that parse.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QInputMethodEvent, QKeyEvent, QTextCharFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import elide, visible
from auditviewer.core.errors import QueryError

DEBOUNCE_MS = 350
#: Recent searches the ▾ menu lists (Up/Down walk all the history holds).
HISTORY_MENU_ITEMS = 20

SYNTAX_HELP = """\
Words and "phrases" match anywhere in an entry's text.

  dragon "image rollback"        both: a word and a phrase
  actor:hana@*                   a field; * is the only wildcard
  category:"Nakama Deployment"   quote values with spaces
  meta.image.after:*3.22*        a value inside the metadata
  seq:100..200   seq:>=1000      seq ranges and comparisons
  time:2026-09-01   time:>=2026-09-01T12:00
  status:failed                  verified, failed or unverified
  status:malformed               lines that are not entries (listed last)
  tag:exfil-*  starred:yes  note:public  annotated:no   your case notes
  a b   a OR b   -a   (a OR b) c AND (implied), OR, NOT, grouping

Fields: category action event actor resource type title id seq time status meta.<path>
       tag starred note annotated
Times without an offset are read in the zone of the UTC/Local switch.
Enter applies now, Esc clears, Up/Down walk the recent searches."""


class QueryLineEdit(QLineEdit):
    """A line edit that can underline a range (the error's column) without HTML."""

    escapePressed = Signal()
    historyStep = Signal(int)  # +1: an older search (Up), -1: a newer one (Down)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.escapePressed.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not event.modifiers():
            self.historyStep.emit(1 if event.key() == Qt.Key.Key_Up else -1)
            event.accept()
            return
        super().keyPressEvent(event)

    def mark(self, start: int, length: int) -> None:
        """Underline ``length`` characters from 0-based ``start`` (pre-edit formats)."""
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor("#d32f2f"))
        fmt.setBackground(QColor(211, 47, 47, 50))
        attrs = [
            QInputMethodEvent.Attribute(
                QInputMethodEvent.AttributeType.TextFormat,
                start - self.cursorPosition(),
                length,
                fmt,
            )
        ]
        QCoreApplication.sendEvent(self, QInputMethodEvent("", attrs))

    def unmark(self) -> None:
        QCoreApplication.sendEvent(self, QInputMethodEvent("", []))


class SearchBar(QWidget):
    """Emits ``queryApplied(text)`` for every valid query the person settles on."""

    queryApplied = Signal(str)
    errorChanged = Signal(str)  # "" when the query parses

    def __init__(
        self, check: Callable[[str], object] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._check = check
        self._applied = ""
        self._error: QueryError | None = None

        self.edit = QueryLineEdit(self)
        self.edit.setObjectName("searchEdit")
        self.edit.setPlaceholderText(
            'Search   e.g.  actor:hana@*   meta.image.after:*3.22*   status:failed   (Ctrl+F)'
        )
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Search query")
        self.help_button = QToolButton(self)
        self.help_button.setText("?")
        self.help_button.setToolTip("Search syntax")
        self.help_button.setCheckable(True)
        self.help_button.setAccessibleName("Search syntax help")
        self._history: list[str] = []  # newest first
        self._walk = -1  # where Up/Down are in the history (-1: the text being typed)
        self._draft = ""
        self.history_button = QToolButton(self)
        self.history_button.setObjectName("searchHistory")
        # An arrow drawn by the style, not a "▾" glyph: with a menu the style drew its own
        # indicator beside the glyph, two arrows crammed into one small button.
        self.history_button.setArrowType(Qt.ArrowType.DownArrow)
        self.history_button.setToolTip("Recent searches (Up/Down in the search field)")
        self.history_button.setAccessibleName("Recent searches")
        self.history_menu = QMenu(self.history_button)
        self.history_menu.setObjectName("searchHistoryMenu")
        self.history_menu.aboutToShow.connect(self._fill_history_menu)
        self.history_button.clicked.connect(self._show_history_menu)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("searchError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #d32f2f;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.help_label = QLabel(SYNTAX_HELP, self)
        self.help_label.setObjectName("searchHelp")
        self.help_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.help_label.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.help_label.setFont(font)
        self.help_label.setFrameShape(QLabel.Shape.StyledPanel)
        self.help_label.setMargin(8)
        self.help_label.hide()
        self.help_button.toggled.connect(self.help_label.setVisible)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.history_button)
        row.addWidget(self.help_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.help_label)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply)
        self.edit.textEdited.connect(self._edited)
        self.edit.returnPressed.connect(self.apply)
        self.edit.escapePressed.connect(self.clear)
        self.edit.historyStep.connect(self.step_history)
        # The clear button (×) empties the text without textEdited.
        self.edit.textChanged.connect(self._changed)

    def set_checker(self, check: Callable[[str], object] | None) -> None:
        self._check = check

    def text(self) -> str:
        return self.edit.text()

    def applied_text(self) -> str:
        return self._applied

    def error(self) -> QueryError | None:
        return self._error

    def set_text(self, text: str, *, apply: bool = True) -> None:
        self.edit.setText(text)
        if apply:
            self.apply()

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def clear(self) -> None:
        self.edit.clear()
        self.apply()

    # -- history -----------------------------------------------------------

    def set_history(self, queries: list[str]) -> None:
        """The log's recent searches, newest first (the controller keeps them)."""
        self._history = list(queries)
        self._walk = -1

    def history(self) -> list[str]:
        return list(self._history)

    def step_history(self, step: int) -> None:
        """Up (``+1``) shows an older search, Down (``-1``) a newer one, then the draft; Enter runs it."""
        if not self._history:
            return
        if self._walk == -1:
            self._draft = self.edit.text()
        at = max(-1, min(len(self._history) - 1, self._walk + step))
        if at == self._walk:
            return
        self._walk = at
        self._timer.stop()
        self.edit.setText(self._draft if at == -1 else self._history[at])

    def _show_history_menu(self) -> None:
        """Opens the recent searches under the button (filled as it opens: ``aboutToShow``)."""
        self.history_menu.popup(self.history_button.mapToGlobal(QPoint(0, self.history_button.height())))

    def _fill_history_menu(self) -> None:
        menu = self.history_menu
        menu.clear()
        if not self._history:
            none = menu.addAction("No recent searches on this log")
            none.setEnabled(False)
            return
        for query in self._history[:HISTORY_MENU_ITEMS]:
            # A query is the person's own text, but it may hold anything pasted: shown visible.
            action = menu.addAction(elide(visible(query), 90).replace("&", "&&"))
            action.setToolTip(elide(visible(query), 2000))
            action.triggered.connect(lambda _checked=False, q=query: self.set_text(q))

    def _edited(self, _text: str) -> None:
        self._walk = -1
        self._timer.start()

    def _changed(self, text: str) -> None:
        if not text and self._applied:
            self._timer.stop()
            self.apply()

    def apply(self) -> None:
        """Check the current text; apply it, or show where it is wrong."""
        self._timer.stop()
        text = self.edit.text()
        try:
            if self._check is not None and text.strip():
                self._check(text)
        except QueryError as exc:
            self._show_error(exc, text)
            return
        self._clear_error()
        if text != self._applied:
            self._applied = text
            self.queryApplied.emit(text)

    def _show_error(self, exc: QueryError, text: str) -> None:
        self._error = exc
        column = max(1, min(exc.column, len(text) + 1))
        start = column - 1
        length = 1 if start < len(text) else 0
        if length == 0 and text:  # error at the end: mark the last character
            start, length = len(text) - 1, 1
        self.edit.mark(start, length)
        self.edit.setStyleSheet("QLineEdit { border: 1px solid #d32f2f; }")
        self.error_label.setText(
            f"Column {column}: {elide(visible(exc.reason), 300)}"
        )
        self.error_label.show()
        self.errorChanged.emit(self.error_label.text())

    def _clear_error(self) -> None:
        had = self._error is not None
        self._error = None
        self.edit.unmark()
        self.edit.setStyleSheet("")
        self.error_label.hide()
        self.error_label.clear()
        if had:
            self.errorChanged.emit("")
