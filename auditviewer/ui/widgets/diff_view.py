"""Before/after: every ``{"before": x, "after": y}`` pair in an entry's metadata,
side by side, with the part that changed highlighted.

A cell too narrow for its value keeps the part that changed: :func:`fit_change`
elides the common prefix from the left and the common suffix from the right
around the differing middle (``…co/nakama:3.24.2`` beside ``…co/nakama:3.25.0``),
so the change shows at any pane width; the whole value is in the tooltip.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import islice
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import elide, plain_tooltip, visible
from auditviewer.core.summary import is_change
from auditviewer.ui.models.json_model import child_path

COLUMN_FIELD = 0
COLUMN_BEFORE = 1
COLUMN_AFTER = 2
COLUMN_COUNT = 3
HEADERS = ("Field", "Before", "After")

# (prefix, changed middle, suffix) of a cell, for the delegate.
SPLIT_ROLE = int(Qt.ItemDataRole.UserRole) + 10
DIFF_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # JSONPath under the entry, e.g. $.metadata.image
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


#: Values of an entry's metadata looked at for changes (bounded work per entry).
MAX_DIFF_VALUES = 50_000


def find_changes(value: Any, path: str = "$.metadata", depth: int = 0) -> list[Change]:
    """Every before/after pair in ``value``, depth first, in document order.

    Bounded: at most ``MAX_DIFF_VALUES`` values are looked at (a path is made only
    for containers and pairs, never for the plain values, which are most)."""
    out: list[Change] = []
    budget = [MAX_DIFF_VALUES]

    def walk(value: Any, path: str, depth: int) -> None:
        if depth > 32:
            return
        if is_change(value):
            out.append(Change(path, value["before"], value["after"]))
            return
        items: Any
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            return
        if len(value) > budget[0]:
            items = islice(items, max(budget[0], 0))
        budget[0] -= len(value)
        for key, sub in items:
            if isinstance(sub, (dict, list)):
                walk(sub, child_path(path, key if isinstance(key, int) else str(key)), depth + 1)

    walk(value, path, depth)
    return out


_PATH_PART = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def field_label(path: str) -> str:
    """``$.metadata.config["a.b"]`` → ``config › a.b``: the path as a person reads it."""
    rest = path.removeprefix("$.metadata")
    parts: list[str] = []
    for m in _PATH_PART.finditer(rest):
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(f"[{m.group(2)}]")
        else:
            parts.append(json.loads(m.group(3)))
    return " › ".join(parts) or "metadata"


def show_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return elide(visible(text), DIFF_LIMIT)


def split_change(before: str, after: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """Common prefix and suffix of two texts, and what differs between them."""
    n = min(len(before), len(after))
    p = 0
    while p < n and before[p] == after[p]:
        p += 1
    s = 0
    while s < n - p and before[len(before) - 1 - s] == after[len(after) - 1 - s]:
        s += 1
    b = (before[:p], before[p : len(before) - s], before[len(before) - s :])
    a = (after[:p], after[p : len(after) - s], after[len(after) - s :])
    return b, a


def fit_change(
    parts: tuple[str, str, str], fm: QFontMetrics, width: int
) -> tuple[str, str, str]:
    """(prefix, middle, suffix) shortened to ``width`` pixels, the middle kept first.

    What fits is returned unchanged. Otherwise the middle is kept whole (elided only
    when it alone is too wide), the suffix gets what it needs up to half the room
    left, and the prefix the rest, elided from the left so that the characters
    next to the change stay."""
    prefix, middle, suffix = parts
    adv = fm.horizontalAdvance
    if adv(prefix) + adv(middle) + adv(suffix) <= width:
        return parts
    ell = "…"
    if adv(middle) + (adv(ell) if prefix else 0) > width:
        lead = ell if prefix else ""
        return lead, fm.elidedText(middle, Qt.TextElideMode.ElideRight, width - adv(lead)), ""
    room = width - adv(middle)
    half = room // 2
    suffix_room = room - adv(prefix) if adv(prefix) <= half else min(adv(suffix), half)
    shown_suffix = fm.elidedText(suffix, Qt.TextElideMode.ElideRight, suffix_room) if suffix else ""
    shown_prefix = (
        fm.elidedText(prefix, Qt.TextElideMode.ElideLeft, room - adv(shown_suffix))
        if prefix else ""
    )
    return shown_prefix, middle, shown_suffix


class ChangesModel(QAbstractTableModel):
    """Field | Before | After, one row per before/after pair."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._changes: list[Change] = []
        self._texts: list[tuple[str, str]] = []

    def set_entry(self, entry: dict[str, Any] | None) -> None:
        self.beginResetModel()
        metadata = (entry or {}).get("metadata")
        self._changes = find_changes(metadata) if metadata is not None else []
        self._texts = [(show_value(c.before), show_value(c.after)) for c in self._changes]
        self.endResetModel()

    def changes(self) -> list[Change]:
        return list(self._changes)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._changes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        change = self._changes[index.row()]
        before, after = self._texts[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COLUMN_FIELD:
                return visible(field_label(change.path))
            return before if col == COLUMN_BEFORE else after
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COLUMN_FIELD:
                return plain_tooltip(change.path)
            return plain_tooltip(before if col == COLUMN_BEFORE else after)
        if role == SPLIT_ROLE and col != COLUMN_FIELD:
            if not change.changed:
                return None
            b, a = split_change(before, after)
            return b if col == COLUMN_BEFORE else a
        if role == Qt.ItemDataRole.FontRole and col == COLUMN_FIELD:
            return None
        return None


class ChangeDelegate(QStyledItemDelegate):
    """Paints Before/After cells with the differing middle on a tinted background."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        split = index.data(SPLIT_ROLE)
        if not split:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        prefix, middle, suffix = split
        dark = opt.palette.color(QPalette.ColorRole.Base).lightness() < 128
        removed = index.column() == COLUMN_BEFORE
        if removed:
            tint = QColor(120, 30, 30) if dark else QColor(255, 205, 205)
        else:
            tint = QColor(30, 100, 40) if dark else QColor(200, 240, 200)
        rect: QRect = opt.rect.adjusted(4, 0, -4, 0)
        fm = opt.fontMetrics
        prefix, middle, suffix = fit_change((prefix, middle, suffix), fm, rect.width())
        painter.save()
        painter.setClipRect(rect)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        x = rect.x()
        baseline_rect = QRect(rect)
        for part, highlighted in ((prefix, False), (middle, True), (suffix, False)):
            if not part:
                continue
            width = fm.horizontalAdvance(part)
            part_rect = QRect(x, baseline_rect.y(), width, baseline_rect.height())
            if highlighted:
                painter.fillRect(part_rect.adjusted(0, 2, 0, -2), tint)
                painter.setPen(opt.palette.color(QPalette.ColorRole.Text))
            else:
                painter.setPen(opt.palette.color(text_role))
            painter.drawText(
                part_rect,
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
                | int(Qt.TextFlag.TextSingleLine),
                part,
            )
            x += width
            if x > rect.right():
                break
        painter.restore()


class DiffView(QWidget):
    """The Changes tab: a table of before/after pairs, or a note that there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ChangesModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("changesTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(ChangeDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COLUMN_FIELD, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMN_FIELD, 170)
        header.setSectionResizeMode(COLUMN_BEFORE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMN_AFTER, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("This entry records no before/after changes.", self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        self.set_entry(None)

    def set_entry(self, entry: dict[str, Any] | None) -> None:
        self.model.set_entry(entry)
        has = self.model.rowCount() > 0
        if has:  # the whole field name if it fits in 45% of the width
            self.table.resizeColumnToContents(COLUMN_FIELD)
            cap = max(140, int(self.table.viewport().width() * 0.45))
            if self.table.columnWidth(COLUMN_FIELD) > cap:
                self.table.setColumnWidth(COLUMN_FIELD, cap)
        self.table.setVisible(has)
        self.empty.setVisible(not has)

    def has_changes(self) -> bool:
        return self.model.rowCount() > 0
