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
override in a note is shown as ``⟨U+202E⟩``, never obeyed).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditviewer.casework.annotations import STAR, EntryAnnotation
from auditviewer.core.display import elide, visible

HEADING = "Case notes: what investigators wrote on this entry. Their statements, not the log's; not verified."
OTHER_CONTENT = "MADE ON OTHER CONTENT"
OTHER_CONTENT_TEXT = (
    "This note was made on an entry with other bytes at this seq (its leaf hash differs): "
    "the log was changed, or another log carries this origin."
)
_RED = "#c62828"


class AnnotationPanel(QWidget):
    """Annotations of one entry: the person's store's, then those of the bundle's file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationPanel")
        self.heading = QLabel(HEADING, self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.warning = QLabel(self)
        self.warning.setObjectName("otherContentWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet(f"color: {_RED}; font-weight: bold;")
        self.warning.hide()
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("annotationTree")
        self.tree.setHeaderLabels(["Author", "Tags", "Note", "Time"])
        self.tree.setRootIsDecorated(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.empty = QLabel("No notes on this entry. Tag it (Ctrl+T), star it (Ctrl+D) or write a note (Ctrl+Shift+N).", self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.warning)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        self.set_annotations(None, [], [])

    def set_annotations(
        self,
        seq: int | None,
        mine: Sequence[EntryAnnotation],
        bundled: Sequence[tuple[str, EntryAnnotation]] = (),
    ) -> None:
        """Show entry ``seq``'s annotations: ``mine`` (the user's store: everyone's kept
        there) and ``bundled`` ((file label, annotation) from the opened bundle)."""
        self.tree.clear()
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
        for title, found in groups:
            top = QTreeWidgetItem(self.tree, [title])
            top.setFirstColumnSpanned(True)
            font = QFont(top.font(0))
            font.setBold(True)
            top.setFont(0, font)
            for entry in sorted(found, key=lambda e: (not e.other_content, e.annotation.author)):
                self._add(top, entry)
            top.setExpanded(True)
        self.empty.setVisible(seq is not None and not groups)
        self.tree.setVisible(bool(groups))
        for column in (0, 1, 3):
            self.tree.resizeColumnToContents(column)

    def _add(self, parent: QTreeWidgetItem, entry: EntryAnnotation) -> None:
        a = entry.annotation
        tags = ([STAR] if a.starred else []) + [t for t in a.tags if t != STAR]
        item = QTreeWidgetItem(
            parent,
            [
                elide(visible(a.author), 60),
                elide(visible(" ".join(tags)), 200),
                elide(visible(a.note), 4000),
                visible(a.time),
            ],
        )
        tip = f"{visible(a.author)} wrote this at {visible(a.time)} on the entry with leaf hash {a.leaf_hash}"
        if entry.other_content:
            item.setText(0, f"⚠ {item.text(0)}")
            item.setText(2, f"[{OTHER_CONTENT}] {item.text(2)}")
            for column in range(4):
                item.setForeground(column, QBrush(QColor(_RED)))
            tip += f"\n{OTHER_CONTENT_TEXT}"
        for column in range(4):
            item.setToolTip(column, tip)

    def shown_texts(self) -> list[list[str]]:
        """Every row's texts (top-level groups and their annotations), for tests and tools."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            assert top is not None
            out.append([top.text(0)])
            for j in range(top.childCount()):
                child = top.child(j)
                assert child is not None
                out.append([child.text(c) for c in range(4)])
        return out


__all__ = ["HEADING", "OTHER_CONTENT", "AnnotationPanel"]
