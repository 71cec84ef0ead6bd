"""One section of the integrity report panel: a title, a table, the detail of its current row.

:class:`ReportSection` is the shape the findings (:mod:`.report_findings`) and the
checkpoints (:mod:`.report_checkpoints`) share: a bold title over a read-only
table of whole rows, and under it a selectable label giving the current row in
full (:meth:`ReportSection.detail_text`), hidden while no row is current.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex

RESIZE_PRECISION = 64  # rows measured when fitting columns to their contents


class ReportSection(QWidget):
    """A titled table of the report's rows with the current row's detail under it."""

    def __init__(
        self, title: str, model: QAbstractTableModel, name: str, detail_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        model.setParent(self)
        self.table = self._table(model, name)
        self.detail = self._detail_label(detail_name)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        label = QLabel(title, self)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        layout.addWidget(label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)

    def detail_text(self, row: int) -> str:
        """The row in full, for the label under the table."""
        raise NotImplementedError

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.hide()
            return
        self.detail.setText(self.detail_text(current.row()))
        self.detail.show()

    def _detail_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setFrameShape(QFrame.Shape.StyledPanel)
        label.setMargin(6)
        label.hide()
        return label

    def _table(self, model: QAbstractTableModel, name: str) -> QTableView:
        view = QTableView(self)
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.horizontalHeader().setHighlightSections(False)
        # Fit columns to the first rows only: a million-entry log has about a
        # thousand checkpoints, and measuring every cell froze the window.
        view.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        return view
