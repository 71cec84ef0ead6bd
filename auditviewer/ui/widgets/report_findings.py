"""The report panel's findings: each with its severity, entries and message; one jumps to its entries.

Sorted failures first, then by entry. The codes (kind, checkpoint) are hidden
columns, given in every row's tooltip and in the detail under the table, so that
the message has the room (issue 13.5).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QWidget

from auditviewer.core.display import cell_text, plain_tooltip
from auditviewer.integrity.report import FAILURE, INCOMPLETE, Finding
from auditviewer.ui.widgets.report_section import Index, ReportSection

F_SEVERITY, F_KIND, F_ENTRIES, F_CHECKPOINT, F_MESSAGE = range(5)
FINDING_HEADERS = ("Severity", "Kind", "Entries", "Checkpoint", "Message")
SEVERITY_ORDER = {FAILURE: 0, INCOMPLETE: 1}
FINDING_ROLE = int(Qt.ItemDataRole.UserRole) + 30


def seq_range_text(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    if last is None or last == first:
        return f"{first:,}"
    return f"{first:,} – {last:,}"


def finding_tooltip(f: Finding) -> str:
    """The message whole, then the codes the table leaves out (kind, checkpoint)."""
    codes = f"{f.severity} · {f.kind}"
    if f.checkpoint is not None:
        codes += f" · checkpoint at size {f.checkpoint:,}"
    return f"{f.message}\n\n{codes}"


#: Columns of codes the table hides (their text is in every row's tooltip and the
#: detail under the table), so that the message has the room (issue 13.5).
FINDING_HIDDEN_COLUMNS = (F_KIND, F_CHECKPOINT)
#: Lines of a message shown in its row (wrapped; the rest in the detail below).
FINDING_LINES = 2


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []

    def set_findings(self, findings: Iterable[Finding]) -> None:
        self.beginResetModel()
        self._findings = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 2),
                                                         f.seq if f.seq is not None else -1))
        self.endResetModel()

    def finding(self, row: int) -> Finding:
        return self._findings[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(FINDING_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(FINDING_HEADERS)
        ):
            return FINDING_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._findings[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == F_SEVERITY:
                return f.severity
            if col == F_KIND:
                return f.kind
            if col == F_ENTRIES:
                return seq_range_text(f.seq, f.seq_end)
            if col == F_CHECKPOINT:
                return "" if f.checkpoint is None else f"{f.checkpoint:,}"
            return cell_text(f.message, 400)
        if role == Qt.ItemDataRole.ToolTipRole and col in (F_SEVERITY, F_ENTRIES, F_MESSAGE):
            return plain_tooltip(finding_tooltip(f))
        if role == Qt.ItemDataRole.ForegroundRole and col == F_SEVERITY:
            if f.severity == FAILURE:
                return QColor("#c62828")
            if f.severity == INCOMPLETE:
                return QColor("#b26a00")
        if role == FINDING_ROLE:
            return f
        return None


class FindingsSection(ReportSection):
    """The findings table, its detail; a double-click (or Enter) asks for the finding's entries."""

    findingActivated = Signal(object, object)  # first seq, last seq (inclusive)

    TITLE = "Findings — double-click one to show its entries"

    def __init__(self, parent: QWidget | None = None) -> None:
        model = FindingsModel()
        super().__init__(self.TITLE, model, "findingsTable", "findingDetail", parent)
        self.findings_model = model
        table = self.table
        table.horizontalHeader().setSectionResizeMode(F_MESSAGE, QHeaderView.ResizeMode.Stretch)
        for column in FINDING_HIDDEN_COLUMNS:
            table.setColumnHidden(column, True)
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().lineSpacing() * FINDING_LINES + 8)
        table.activated.connect(self._finding_activated)

    def set_findings(self, findings: Iterable[Finding]) -> None:
        self.detail.hide()
        self.findings_model.set_findings(findings)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(F_MESSAGE, QHeaderView.ResizeMode.Stretch)

    def detail_text(self, row: int) -> str:
        f = self.findings_model.finding(row)
        lines = [f"{f.kind} ({f.severity})", cell_text(f.message, 2000)]
        if f.seq is not None:
            lines.append(f"Entries: {seq_range_text(f.seq, f.seq_end)}")
        if f.checkpoint is not None:
            lines.append(f"Checkpoint at size {f.checkpoint:,}")
        if f.expected is not None:
            lines.append(f"Signed head:   {base64.b64encode(f.expected).decode()}")
        if f.computed is not None:
            lines.append(f"Computed head: {base64.b64encode(f.computed).decode()}")
        if f.file:
            lines.append(f"File: {cell_text(f.file)}" + (f", line {f.line}" if f.line else ""))
        return "\n".join(lines)

    def _finding_activated(self, index: QModelIndex) -> None:
        f = self.findings_model.finding(index.row())
        if f.seq is not None:
            self.findingActivated.emit(f.seq, f.seq_end if f.seq_end is not None else f.seq)
