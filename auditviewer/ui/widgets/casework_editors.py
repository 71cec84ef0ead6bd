"""The tag editor and the note editor: what an investigator puts on the selected entries.

Both are small dialogs the case-work controller (:mod:`auditviewer.ui.window.casework`)
opens on the selection and reads back; they change nothing themselves.

- :class:`TagEditor` lists the person's own tags already on the selection, each
  ticked (untick to remove; "2 of 3" when only some entries carry it), and takes
  new tags typed as words separated by spaces, completed from the tags already
  used on this log, most used first (:class:`WordCompleter` completes the word
  under the cursor, not the whole line). Each new word is checked with the core's
  rule (:func:`auditviewer.casework.annotations.valid_tag`); OK stays disabled
  while one is not a tag, the reason shown beside it.
- :class:`NoteEditor` edits the person's note (the same text on every selected
  entry), bounded by ``max_note_chars``.

Both say whose words these are: the investigator's, not the log's, not verified.
Every tag shown passes :func:`auditviewer.core.display.visible` (a tag holds no
invisible character, but one imported from a hostile file is shown, not obeyed).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditviewer.casework.annotations import STAR, valid_tag
from auditviewer.core.display import elide, visible
from auditviewer.core.limits import DEFAULT_LIMITS

#: What every editor says about the words it takes.
WHOSE = "Yours, the investigator's: kept beside the log in your data folder, not part of it and not verified."
_TAG_ROLE = int(Qt.ItemDataRole.UserRole) + 60


class WordCompleter(QCompleter):
    """Completes the last word of a line of space-separated words."""

    def splitPath(self, path: str) -> list[str]:
        return [path.split(" ")[-1]]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        head = text.rsplit(" ", 1)[0] + " " if " " in text else ""
        return head + str(index.data())


class TagEditor(QDialog):
    """Tags for ``count`` entries: ``present`` (tag → entries of the selection with it, yours),
    completion from ``known`` (tags used on this log, most used first)."""

    def __init__(
        self,
        count: int,
        present: dict[str, int],
        known: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tagEditor")
        self.setWindowTitle("Tags")
        self._count = count
        heading = QLabel(f"Tags on {count:,} selected {'entry' if count == 1 else 'entries'}", self)
        whose = QLabel(WHOSE, self)
        whose.setWordWrap(True)
        whose.setEnabled(False)
        self.current = QListWidget(self)
        self.current.setObjectName("currentTags")
        for tag, n in sorted(present.items(), key=lambda item: (item[0] != STAR, item[0].casefold())):
            label = elide(visible(tag), 80) + ("" if n >= count else f"   ({n:,} of {count:,})")
            item = QListWidgetItem(label, self.current)
            item.setData(_TAG_ROLE, tag)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip("Untick to remove it from the selected entries")
        self.current.setVisible(bool(present))
        rows = min(max(1, len(present)), 6)  # as tall as its tags, up to six (then it scrolls)
        self.current.setFixedHeight(rows * max(18, self.current.sizeHintForRow(0)) + 2 * self.current.frameWidth() + 4)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("newTags")
        self.edit.setPlaceholderText("Add tags: words separated by spaces, e.g. exfil suspect")
        self.completer = WordCompleter(QStringListModel([visible(t) for t in known], self), self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.edit.setCompleter(self.completer)
        self.error = QLabel(self)
        self.error.setObjectName("tagError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #d32f2f;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.current)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(whose)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self.setMinimumWidth(440)

    def added(self) -> list[str]:
        return list(dict.fromkeys(word for word in self.edit.text().split(" ") if word))

    def removed(self) -> list[str]:
        out = []
        for row in range(self.current.count()):
            item = self.current.item(row)
            if item.checkState() != Qt.CheckState.Checked:
                out.append(str(item.data(_TAG_ROLE)))
        return out

    def problem(self) -> str | None:
        for word in self.added():
            why = valid_tag(word, DEFAULT_LIMITS)
            if why:
                return why
        return None

    def _check(self) -> None:
        why = self.problem()
        self.error.setVisible(why is not None)
        self.error.setText(elide(visible(why or ""), 300))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(why is None)

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()


class NoteEditor(QDialog):
    """The person's note on ``count`` entries (``text``: the note there now, if one)."""

    def __init__(self, count: int, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.setWindowTitle("Note")
        heading = QLabel(
            f"Your note on {count:,} selected {'entry' if count == 1 else 'entries'}"
            + ("" if count == 1 else " (the same note on each)"),
            self,
        )
        whose = QLabel(WHOSE + " An empty note removes it.", self)
        whose.setWordWrap(True)
        whose.setEnabled(False)
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("noteText")
        self.edit.setPlainText(text)
        self.edit.setTabChangesFocus(True)
        self.limit = QLabel(self)
        self.limit.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.limit)
        layout.addWidget(whose)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()
        self.resize(480, 300)

    def text(self) -> str:
        return self.edit.toPlainText()

    def _check(self) -> None:
        most = DEFAULT_LIMITS.max_note_chars
        over = len(self.text()) > most
        self.limit.setText(f"Longer than {most:,} characters: shorten it." if over else "")
        self.limit.setVisible(over)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not over)


__all__ = ["WHOSE", "NoteEditor", "TagEditor", "WordCompleter"]
