"""Facet lists (category, action): every value with its live count under the
current filter; tick several to keep only those. Clearing is one click.

The list never scrolls sideways: a value too long for the pane is elided in its
middle (whole in the tooltip) so that its count stays in view, and Clear is
enabled exactly while something is ticked, however the ticks changed (the
window clears them quietly, without ``selectionChanged``: ``checkedChanged``
tells the widget all the same).

Each box is outlined in a colour between the text and the background
(:func:`indicator_outline`): Fusion outlines it a shade darker than the window,
which in a dark palette is all but invisible against the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import cell_text, plain_tooltip

COUNT_ROLE = int(Qt.ItemDataRole.UserRole) + 20
VALUE_ROLE = int(Qt.ItemDataRole.UserRole) + 21

Index = QModelIndex | QPersistentModelIndex
MIN_ROW_WIDTH = 60


class FacetModel(QAbstractListModel):
    """Checkable values with counts; ``selectionChanged`` carries the ticked set."""

    selectionChanged = Signal(object)  # frozenset[str]: the person changed the ticks
    checkedChanged = Signal(object)  # frozenset[str]: the ticks changed, quietly or not

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._values: list[str] = []
        self._counts: dict[str, int] = {}
        self._checked: set[str] = set()

    def set_counts(self, counts: Iterable[tuple[str | None, int]]) -> None:
        """New counts; ticked values stay listed (with 0) so they can be unticked."""
        new: dict[str, int] = {}
        for value, count in counts:
            new["" if value is None else str(value)] = int(count)
        for value in self._checked:
            new.setdefault(value, 0)
        values = sorted(new, key=lambda v: (v == "", v.casefold()))
        if values == self._values:
            self._counts = new
            if values:
                self.dataChanged.emit(
                    self.index(0), self.index(len(values) - 1), [COUNT_ROLE]
                )
            return
        self.beginResetModel()
        self._values = values
        self._counts = new
        self.endResetModel()

    def checked(self) -> frozenset[str]:
        return frozenset(self._checked)

    def set_checked(self, values: Iterable[str], *, notify: bool = True) -> None:
        new = set(values)
        if new == self._checked:
            return
        self._checked = new
        self.checkedChanged.emit(self.checked())
        missing = [v for v in new if v not in self._counts]
        if missing:
            self.set_counts([*self._counts.items(), *((v, 0) for v in missing)])
        elif self._values:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._values) - 1), [Qt.ItemDataRole.CheckStateRole]
            )
        if notify:
            self.selectionChanged.emit(self.checked())

    def clear_checked(self) -> None:
        self.set_checked(())

    def values(self) -> list[str]:
        return list(self._values)

    def count_of(self, value: str) -> int:
        return self._counts.get(value, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._values)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._values):
            return None
        value = self._values[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value, 80) if value else "(none)"
        if role == Qt.ItemDataRole.CheckStateRole:
            return (
                Qt.CheckState.Checked if value in self._checked else Qt.CheckState.Unchecked
            )
        if role == COUNT_ROLE:
            return self._counts.get(value, 0)
        if role == VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{value or '(none)'}: {self._counts.get(value, 0):,} entries")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{cell_text(value, 80) or '(none)'}: {self._counts.get(value, 0)} entries"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        name = self._values[index.row()]
        state = Qt.CheckState(value) if isinstance(value, int) else value
        if state == Qt.CheckState.Checked:
            self._checked.add(name)
        else:
            self._checked.discard(name)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checkedChanged.emit(self.checked())
        self.selectionChanged.emit(self.checked())
        return True


def indicator_outline(palette: QPalette) -> QColor:
    """A check box's outline that shows on light and dark lists alike."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    mix = 0.55
    return QColor(
        round(text.red() * mix + base.red() * (1 - mix)),
        round(text.green() * mix + base.green() * (1 - mix)),
        round(text.blue() * mix + base.blue() * (1 - mix)),
    )


class CountDelegate(QStyledItemDelegate):
    """Draws the count right-aligned in a muted colour beside the value."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        count = int(index.data(COUNT_ROLE) or 0)
        text = f"{count:,}"
        fm = option.fontMetrics
        width = fm.horizontalAdvance(text) + 10
        opt = QStyleOptionViewItem(option)
        opt.rect = option.rect.adjusted(0, 0, -width, 0)
        super().paint(painter, opt, index)
        self._outline_check(painter, opt, index)
        painter.save()
        role = QPalette.ColorRole.PlaceholderText if count == 0 else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        rect: QRect = option.rect.adjusted(0, 0, -6, 0)
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text
        )
        painter.restore()

    def _outline_check(
        self, painter: QPainter, option: QStyleOptionViewItem, index: Index
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            return
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, widget)
        if not box.isValid():
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(indicator_outline(opt.palette), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box.adjusted(1, 1, -1, -1).toRectF().adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # Never wider than the list: the list view stretches each row to its width,
        # the value is elided there and the count stays in view (no sideways scroll).
        size = super().sizeHint(option, index)
        return QSize(MIN_ROW_WIDTH, size.height())


class FacetList(QWidget):
    """A titled facet list with a one-click Clear."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FacetModel(self)
        self.title = QLabel(title, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip(f"Show every {title.lower()}")
        self.clear_button.clicked.connect(self.model.clear_checked)
        self.view = QListView(self)
        self.view.setObjectName(f"facet{title.replace(' ', '')}")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CountDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.activated.connect(self._toggle)
        self.view.setAccessibleName(f"{title} facet")
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        self.model.checkedChanged.connect(self._update_clear)
        self._update_clear(frozenset())

    def _toggle(self, index: QModelIndex) -> None:
        state = index.data(Qt.ItemDataRole.CheckStateRole)
        new = Qt.CheckState.Unchecked if state == Qt.CheckState.Checked else Qt.CheckState.Checked
        self.model.setData(index, new, Qt.ItemDataRole.CheckStateRole)

    def _update_clear(self, checked: frozenset[str]) -> None:
        self.clear_button.setEnabled(bool(checked))
