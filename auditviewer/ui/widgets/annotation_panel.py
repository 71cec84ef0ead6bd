"""The Case notes tab: the annotations of the selected entry, apart from the entry itself.

An annotation is a person's statement, not the log's (spec §5): it is shown in
its own tab, under a heading saying so, in plain (never green, never ticked)
text, each with its author and time — never in the entry's JSON, never in the
verdict. One made on other bytes than the entry's (its leaf hash differs: another
export held something else at that seq) is flagged **made on other content**, in
red and first, because that is evidence in itself. Annotations read from the
opened bundle's ``annotations`` file (a slice carries the ones its sender made)
are listed apart from one's own, under the file's name: what someone else said.

Every string passes :func:`auditviewer.core.display.visible` (a right-to-left
override in a note is shown as ``⟨U+202E⟩``, never obeyed) into plain-text labels
(never rich text), which wrap to the pane's width: a narrow pane loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from auditviewer.casework.annotations import STAR, EntryAnnotation
from auditviewer.core.display import elide, visible

HEADING = "Case notes: what investigators wrote on this entry. Their statements, not the log's; not verified."
OTHER_CONTENT = "MADE ON OTHER CONTENT"
OTHER_CONTENT_TEXT = (
    "This note was made on an entry with other bytes at this seq (its leaf hash differs): "
    "the log was changed, or another log carries this origin."
)
_RED = "#c62828"
#: What each annotation shows (:meth:`AnnotationPanel.shown_texts`): a line of author, time
#: and tags, the note below it.
FIELDS = ("author", "time", "tags", "note")


def _label(text: str, parent: QWidget, *, bold: bool = False, red: bool = False, indent: int = 0) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # data is never markup
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setIndent(indent)
    style = ("font-weight: bold;" if bold else "") + (f"color: {_RED};" if red else "")
    if style:
        label.setStyleSheet(style)
    return label


class AnnotationPanel(QWidget):
    """Annotations of one entry: the person's store's, then those of the bundle's file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationPanel")
        self.heading = QLabel(HEADING, self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.warning = _label("", self, bold=True, red=True)
        self.warning.setObjectName("otherContentWarning")
        self.warning.hide()
        self.list_area = QScrollArea(self)
        self.list_area.setObjectName("annotationList")
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QFrame.Shape.StyledPanel)
        self.list_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty = QLabel("No notes on this entry. Tag it (Ctrl+T), star it (Ctrl+D) or write a note (Ctrl+Shift+N).", self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        # Without notes the message takes the room, at the top (the heading stays above it).
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.heading.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.warning)
        layout.addWidget(self.list_area, 1)
        layout.addWidget(self.empty)
        self._shown: list[list[str]] = []
        self.set_annotations(None, [], [])

    def set_annotations(
        self,
        seq: int | None,
        mine: Sequence[EntryAnnotation],
        bundled: Sequence[tuple[str, EntryAnnotation]] = (),
    ) -> None:
        """Show entry ``seq``'s annotations: ``mine`` (the user's store: everyone's kept
        there) and ``bundled`` ((file label, annotation) from the opened bundle)."""
        others = sum(a.other_content for a in mine) + sum(a.other_content for _, a in bundled)
        self.warning.setVisible(bool(others))
        self.warning.setText(f"{OTHER_CONTENT} ({others}): {OTHER_CONTENT_TEXT}" if others else "")
        groups: list[tuple[str, list[EntryAnnotation]]] = []
        if mine:
            groups.append(("Kept in your data folder", list(mine)))
        by_file: dict[str, list[EntryAnnotation]] = {}
        for label, one in bundled:
            by_file.setdefault(label, []).append(one)
        for label, listed in by_file.items():
            groups.append((f"From the bundle's annotations file {elide(visible(label), 120)} (its sender's)", listed))
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        self._shown = []
        for title, found in groups:
            column.addWidget(_label(title, content, bold=True))
            self._shown.append([title])
            for entry in sorted(found, key=lambda e: (not e.other_content, e.annotation.author)):
                self._add(column, content, entry)
        column.addStretch(1)
        self.list_area.setWidget(content)  # the previous one is deleted
        self.empty.setVisible(seq is not None and not groups)
        self.list_area.setVisible(bool(groups))

    def _add(self, column: QVBoxLayout, parent: QWidget, entry: EntryAnnotation) -> None:
        a = entry.annotation
        tags = ([STAR] if a.starred else []) + [t for t in a.tags if t != STAR]
        fields = [
            elide(visible(a.author), 60),
            visible(a.time),
            elide(visible(" ".join(tags)), 200),
            elide(visible(a.note), 4000),
        ]
        if entry.other_content:
            fields[0] = f"⚠ {fields[0]}"
            fields[3] = f"[{OTHER_CONTENT}] {fields[3]}"
        tip = f"{visible(a.author)} wrote this at {visible(a.time)} on the entry with leaf hash {a.leaf_hash}"
        if entry.other_content:
            tip += f"\n{OTHER_CONTENT_TEXT}"
        head = _label("  ·  ".join(part for part in fields[:3] if part), parent, red=entry.other_content, indent=8)
        head.setToolTip(tip)
        column.addWidget(head)
        if a.note or entry.other_content:
            note = _label(fields[3], parent, red=entry.other_content, indent=24)
            note.setToolTip(tip)
            column.addWidget(note)
        self._shown.append(fields)

    def shown_texts(self) -> list[list[str]]:
        """What is shown: each group's title, then each annotation as its author, time, tags
        and note (the head line holds the first three, the line below the note)."""
        return [list(row) for row in self._shown]

    def label_texts(self) -> list[str]:
        """The texts of the labels on screen, in order (for tests: exactly what is drawn)."""
        content = self.list_area.widget()
        return [w.text() for w in content.findChildren(QLabel)] if content is not None else []


__all__ = ["FIELDS", "HEADING", "OTHER_CONTENT", "AnnotationPanel"]
