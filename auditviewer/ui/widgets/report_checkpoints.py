"""The report panel's checkpoints: each with its size, time, status and signers, by size.

A signer is named with whether its key is trusted and its signature valid
(:func:`signer_text`); the detail under the table gives the origin, the head and
where the checkpoint came from.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QWidget

from auditviewer.core.display import cell_text, plain_tooltip
from auditviewer.integrity.report import CheckpointResult
from auditviewer.ui.widgets.report_section import Index, ReportSection

C_SIZE, C_TIME, C_STATUS, C_SIGNERS = range(4)
CHECKPOINT_HEADERS = ("Size", "Time", "Status", "Signers")
CHECKPOINT_STATUS_TEXT = {
    "ok": "✔ verified",
    "mismatch": "✖ disagrees with entries",
    "untrusted": "◐ key not trusted",
    "bad_signature": "✖ bad signature",
    "fork": "✖ fork",
    "foreign": "◐ another log",
}


def signer_text(signers: Iterable[Any]) -> str:
    out = []
    for s in signers:
        if s.trusted:
            # valid None: not checked, because an earlier trusted signature on the
            # same note already failed and rejected the whole note.
            state = {True: "trusted, valid", False: "trusted, INVALID"}.get(
                s.valid, "trusted, not checked"
            )
        else:
            state = "not trusted"
        out.append(f"{s.key} ({state})")
    return "; ".join(out)


class CheckpointsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CheckpointResult] = []

    def set_checkpoints(self, checkpoints: Iterable[CheckpointResult]) -> None:
        self.beginResetModel()
        self._rows = sorted(checkpoints, key=lambda c: c.size)
        self.endResetModel()

    def checkpoint(self, row: int) -> CheckpointResult:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(CHECKPOINT_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(CHECKPOINT_HEADERS)
        ):
            return CHECKPOINT_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == C_SIZE:
                return f"{c.size:,}"
            if col == C_TIME:
                return cell_text(c.time or "")
            if col == C_STATUS:
                return CHECKPOINT_STATUS_TEXT.get(c.status, cell_text(c.status))
            return cell_text(signer_text(c.signers))
        if role == Qt.ItemDataRole.ToolTipRole and col == C_SIGNERS:
            return plain_tooltip(f"{signer_text(c.signers)}\n{c.source}")
        if role == Qt.ItemDataRole.TextAlignmentRole and col == C_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class CheckpointsSection(ReportSection):
    """The checkpoints table and the detail of the current one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        model = CheckpointsModel()
        super().__init__("Checkpoints", model, "checkpointsTable", "checkpointDetail", parent)
        self.checkpoints_model = model
        self.table.horizontalHeader().setSectionResizeMode(C_SIGNERS, QHeaderView.ResizeMode.Stretch)

    def set_checkpoints(self, checkpoints: Iterable[CheckpointResult]) -> None:
        self.detail.hide()
        self.checkpoints_model.set_checkpoints(checkpoints)
        self.table.resizeColumnsToContents()

    def detail_text(self, row: int) -> str:
        c = self.checkpoints_model.checkpoint(row)
        lines = [
            f"Checkpoint at size {c.size:,}: " + CHECKPOINT_STATUS_TEXT.get(c.status, cell_text(c.status)),
            f"Origin: {cell_text(c.origin)}",
            f"Head: {base64.b64encode(c.head).decode()}",
        ]
        for signer in c.signers:
            lines.append("Signed by " + signer_text([signer]))
        if c.source:
            lines.append(f"From: {cell_text(c.source)}")
        return "\n".join(lines)
