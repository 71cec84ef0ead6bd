"""Integrity at a glance: the banner over the log, and the report panel with
every finding (each jumps to its entries), the checkpoints with their
signers, and what to compare before trusting a key.

Two reports are worded for what they are rather than counted (issue 13.6, 13.8):
a plain export carries no integrity data at all, so it is shown in a neutral
colour as "No integrity data" with one sentence on what a bundle would add,
never as an incomplete verification of 0 entries; and a fork, where the entries
are consistent but two checkpoints sign different heads, says that the
checkpoints disagree rather than "Failed: 3,000 of 3,000 entries verified".
:func:`banner_status` picks the status shown, :func:`summary_line` the sentence.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.errors import TrustStoreError
from auditviewer.core.text import cell_text, plain_tooltip
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from auditviewer.integrity.report import FAILURE, INCOMPLETE, CheckpointResult, Finding, Report
from auditviewer.ui.theme import is_dark

Index = QModelIndex | QPersistentModelIndex

STATUS_PLAIN = "plain"
STATUS_FORK = "fork"
STATUS_TEXT = {
    STATUS_PLAIN: "No integrity data",
    STATUS_FORK: "Checkpoints disagree",
    "verified": "Verified",
    "incomplete": "Incomplete",
    "failed": "Failed",
    "error": "Unreadable",
    "loading": "Verifying…",
    "none": "No workspace",
}
STATUS_ICON = {
    STATUS_PLAIN: "○",
    STATUS_FORK: "✖",
    "verified": "✔",
    "incomplete": "◐",
    "failed": "✖",
    "error": "✖",
    "loading": "…",
    "none": "",
}
# (light background, light text, dark background, dark text)
STATUS_COLOURS = {
    STATUS_PLAIN: ("#eeeeee", "#444444", "#2a2a2a", "#cccccc"),
    STATUS_FORK: ("#fde2e1", "#8e1c15", "#4a1e1c", "#ff9e97"),
    "verified": ("#dff3e3", "#1b5e20", "#1e3a24", "#a5d6a7"),
    "incomplete": ("#fff4d6", "#7a4f00", "#3d3218", "#ffd180"),
    "failed": ("#fde2e1", "#8e1c15", "#4a1e1c", "#ff9e97"),
    "error": ("#fde2e1", "#8e1c15", "#4a1e1c", "#ff9e97"),
    "loading": ("#e8eef7", "#27425f", "#1f2a38", "#a9c7ea"),
    "none": ("#eeeeee", "#444444", "#2a2a2a", "#cccccc"),
}


def status_colours(status: str, dark: bool) -> tuple[QColor, QColor]:
    bg_l, fg_l, bg_d, fg_d = STATUS_COLOURS.get(status, STATUS_COLOURS["none"])
    return (QColor(bg_d), QColor(fg_d)) if dark else (QColor(bg_l), QColor(fg_l))


def is_plain(report: Report) -> bool:
    """A plain export: no manifest, no checkpoints, nothing that could be verified."""
    return report.status != "error" and any(
        f.kind == "no_integrity_data" for f in report.findings
    )


def banner_status(report: Report) -> str:
    """The status shown: the report's, or ``plain`` / ``fork`` when those say it better."""
    if is_plain(report):
        return STATUS_PLAIN
    if report.status == "failed" and has_fork(report) and _only_forks_failed(report):
        return STATUS_FORK
    return report.status


def _only_forks_failed(report: Report) -> bool:
    return report.counts()["failed"] == 0 and all(
        f.kind == "fork" for f in report.findings if f.severity == FAILURE
    )


def summary_line(report: Report) -> str:
    """One sentence for the banner."""
    counts = report.counts()
    total = report.entries
    if report.status == "error":
        return f"The input cannot be read: {cell_text(report.error or 'unknown error', 400)}"
    status = banner_status(report)
    if status == STATUS_PLAIN:
        return (
            f"This plain export carries no integrity data, so its {total:,} "
            f"entr{'y is' if total == 1 else 'ies are'} shown as exported and cannot be "
            "checked; a bundle export would add the signed checkpoints that prove each "
            "entry authentic and none missing."
        )
    if status == STATUS_FORK:
        proven = counts["verified"]
        if proven == total:
            entries = f"the {total:,} entries themselves are consistent"
        else:
            entries = (
                f"the entries themselves are consistent ({proven:,} of {total:,} proven by "
                f"an undisputed checkpoint, {counts['unverified']:,} covered by none)"
            )
        return (
            "The checkpoints disagree: two different heads are signed for the same log "
            "size, so the log was forked or rewritten (Save Fork Evidence keeps both); "
            f"{entries}."
        )
    # A run or a summary finding stands for ``count`` problems: the banner counts them all.
    failures = sum(f.count or 1 for f in report.findings if f.severity == FAILURE)
    incompletes = sum(f.count or 1 for f in report.findings if f.severity == INCOMPLETE)
    if report.status == "verified":
        return f"All {total:,} entries are proven authentic by trusted checkpoints."
    bits = [f"{counts['verified']:,} of {total:,} entries verified"]
    if counts["failed"]:
        bits.append(f"{counts['failed']:,} failed")
    if counts["unverified"]:
        bits.append(f"{counts['unverified']:,} unverified")
    if failures:
        bits.append(f"{failures:,} failure finding{'s' if failures != 1 else ''}")
    if incompletes:
        bits.append(f"{incompletes:,} incomplete finding{'s' if incompletes != 1 else ''}")
    return ", ".join(bits) + "."


class IntegrityBanner(QFrame):
    """Status, counts and a button to the report; coloured by status, follows the palette."""

    showReport = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("integrityBanner")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAutoFillBackground(True)
        self._status = "none"
        self.icon = QLabel(self)
        self.icon.setTextFormat(Qt.TextFormat.PlainText)
        font = self.icon.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.icon.setFont(font)
        self.status = QLabel(self)
        self.status.setObjectName("bannerStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.status.font()
        bold.setBold(True)
        self.status.setFont(bold)
        self.detail = QLabel(self)
        self.detail.setObjectName("bannerDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.notes = QLabel(self)
        self.notes.setObjectName("bannerNotes")
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.hide()
        self.button = QPushButton("Integrity report…", self)
        self.button.setObjectName("bannerReportButton")
        self.button.clicked.connect(self.showReport)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(2)
        texts.addWidget(self.detail)
        texts.addWidget(self.notes)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 10, 5)
        layout.addWidget(self.icon)
        layout.addWidget(self.status)
        layout.addLayout(texts, 1)
        layout.addWidget(self.button)
        self.set_status("none", "Open an export to see whether its entries are proven authentic.")

    def status_key(self) -> str:
        return self._status

    def set_status(self, status: str, detail: str) -> None:
        self._status = status
        self.icon.setText(STATUS_ICON.get(status, ""))
        self.status.setText(STATUS_TEXT.get(status, status))
        self.detail.setText(detail)
        self.button.setVisible(status not in ("none", "loading"))
        self._recolour()

    def set_report(self, report: Report) -> None:
        self.set_status(banner_status(report), summary_line(report))

    def set_notes(self, lines: Iterable[str]) -> None:
        """Extra lines under the summary: files that failed mid-load, memory problems."""
        shown = [cell_text(line, 400) for line in lines]
        self.notes.setText("\n".join(f"⚠ {line}" for line in shown[:6]) + (
            f"\n… and {len(shown) - 6} more" if len(shown) > 6 else ""
        ))
        self.notes.setVisible(bool(shown))

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        # The system switched between light and dark: recolour (our own
        # setPalette below raises this event too; the flag stops the loop).
        if event.type() == event.Type.PaletteChange and not getattr(self, "_recolouring", False):
            self._recolour()

    def _recolour(self) -> None:
        self._recolouring = True
        try:
            self._apply_colours()
        finally:
            self._recolouring = False

    def _apply_colours(self) -> None:
        from PySide6.QtWidgets import QApplication

        dark = is_dark(QApplication.palette())
        bg, fg = status_colours(self._status, dark)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, bg)
        pal.setColor(QPalette.ColorRole.WindowText, fg)
        self.setPalette(pal)
        for label in (self.icon, self.status, self.detail):
            lp = label.palette()
            lp.setColor(QPalette.ColorRole.WindowText, fg)
            label.setPalette(lp)


# --------------------------------------------------------------------------
# Findings

RESIZE_PRECISION = 64  # rows measured when fitting columns to their contents

F_SEVERITY, F_KIND, F_ENTRIES, F_CHECKPOINT, F_MESSAGE = range(5)
FINDING_HEADERS = ("Severity", "Kind", "Entries", "Checkpoint", "Message")
SEVERITY_ORDER = {FAILURE: 0, INCOMPLETE: 1}
FINDING_ROLE = int(Qt.ItemDataRole.UserRole) + 30


def has_fork(report: Report | None) -> bool:
    return report is not None and any(f.kind == "fork" for f in report.findings)


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


# --------------------------------------------------------------------------
# Checkpoints

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


# --------------------------------------------------------------------------
# Keys that signed but are not trusted


@dataclass(frozen=True, slots=True)
class UntrustedSigner:
    label: str  # name+8hex as the note names it
    name: str
    key_id: str
    key: VerifierKey | None  # known from a manifest hint (never trusted because of it)
    checkpoints: int

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint if self.key is not None else ""


def untrusted_signers(report: Report, hints: Iterable[str] = ()) -> list[UntrustedSigner]:
    """Keys that signed checkpoints of this log but are not in the trust store."""
    hinted: dict[str, VerifierKey] = {}
    for text in hints:
        try:
            key = parse_verifier_key(text)
        except TrustStoreError:
            continue
        hinted[key.label] = key
    seen: dict[str, int] = {}
    for c in report.checkpoints:
        if c.status == "foreign":
            continue
        for s in c.signers:
            if not s.trusted:
                seen[s.key] = seen.get(s.key, 0) + 1
    out = []
    for label, n in seen.items():
        name, _, hex_id = label.rpartition("+")
        out.append(UntrustedSigner(label, name, hex_id, hinted.get(label), n))
    return out


class UntrustedKeyBox(QFrame):
    """Key name, id and fingerprint of one untrusted signer, with Trust this key…"""

    trustRequested = Signal(object)  # UntrustedSigner

    def __init__(self, signer: UntrustedSigner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.signer = signer
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        intro = QLabel(
            f"Signed {signer.checkpoints} checkpoint(s), but this key is not in your trust "
            "store, so those checkpoints prove nothing yet. Compare the fingerprint with the "
            "organization's published key through another channel before trusting it.",
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        grid.addWidget(intro, 0, 0, 1, 2)
        rows = [
            ("Key name", signer.name),
            ("Key id", signer.key_id),
            ("Fingerprint", signer.fingerprint or "unknown (the bundle names no such key)"),
        ]
        for i, (k, v) in enumerate(rows, start=1):
            a = QLabel(k, self)
            b = QLabel(cell_text(v, 300), self)
            b.setTextFormat(Qt.TextFormat.PlainText)
            b.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            b.setObjectName(f"untrusted{k.replace(' ', '')}")
            if k == "Fingerprint":
                font = b.font()
                font.setFamily("monospace")
                font.setStyleHint(font.StyleHint.Monospace)
                b.setFont(font)
            grid.addWidget(a, i, 0)
            grid.addWidget(b, i, 1)
        self.trust_button = QPushButton("Trust this key…", self)
        self.trust_button.clicked.connect(lambda: self.trustRequested.emit(self.signer))
        grid.addWidget(self.trust_button, len(rows) + 1, 1, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)


class IntegrityPanel(QWidget):
    """The report: banner line, findings, checkpoints, untrusted keys, save buttons."""

    findingActivated = Signal(object, object)  # first seq, last seq (inclusive)
    trustRequested = Signal(object)  # UntrustedSigner
    saveJsonRequested = Signal()
    saveHtmlRequested = Signal()
    saveEvidenceRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("integrityPanel")
        self.report: Report | None = None
        self.headline = QLabel("No report yet.", self)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        self.save_json = QPushButton("Save as JSON…", self)
        self.save_html = QPushButton("Save as HTML…", self)
        self.save_evidence = QPushButton("Save Fork Evidence…", self)
        self.save_evidence.setObjectName("saveForkEvidence")
        self.save_evidence.setToolTip(
            "Save both signed checkpoints of each fork, so that anyone with the log's key can check them"
        )
        self.save_json.clicked.connect(self.saveJsonRequested)
        self.save_html.clicked.connect(self.saveHtmlRequested)
        self.save_evidence.clicked.connect(self.saveEvidenceRequested)
        hf = self.headline.font()
        hf.setBold(True)
        self.headline.setFont(hf)
        top = QVBoxLayout()
        top.addWidget(self.headline)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_evidence)
        buttons.addWidget(self.save_json)
        buttons.addWidget(self.save_html)
        top.addLayout(buttons)

        self.findings_model = FindingsModel(self)
        self.findings = self._table(self.findings_model, "findingsTable")
        self.findings.horizontalHeader().setSectionResizeMode(
            F_MESSAGE, QHeaderView.ResizeMode.Stretch
        )
        for column in FINDING_HIDDEN_COLUMNS:
            self.findings.setColumnHidden(column, True)
        self.findings.setWordWrap(True)
        self.findings.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.findings.verticalHeader().setDefaultSectionSize(
            self.findings.fontMetrics().lineSpacing() * FINDING_LINES + 8
        )
        self.findings.activated.connect(self._finding_activated)
        self.finding_detail = self._detail_label("findingDetail")
        self.findings.selectionModel().currentRowChanged.connect(self._show_finding_detail)
        self.checkpoints_model = CheckpointsModel(self)
        self.checkpoints = self._table(self.checkpoints_model, "checkpointsTable")
        self.checkpoints.horizontalHeader().setSectionResizeMode(
            C_SIGNERS, QHeaderView.ResizeMode.Stretch
        )
        self.checkpoint_detail = self._detail_label("checkpointDetail")
        self.checkpoints.selectionModel().currentRowChanged.connect(
            self._show_checkpoint_detail
        )
        self.keys_box = QWidget(self)
        self.keys_layout = QVBoxLayout(self.keys_box)
        self.keys_layout.setContentsMargins(0, 0, 0, 0)

        def titled(title: str, widget: QWidget, detail: QLabel) -> QWidget:
            w = QWidget(self)
            lay = QVBoxLayout(w)
            lay.setContentsMargins(0, 4, 0, 0)
            lab = QLabel(title, w)
            f = lab.font()
            f.setBold(True)
            lab.setFont(f)
            lay.addWidget(lab)
            lay.addWidget(widget, 1)
            lay.addWidget(detail)
            return w

        self.findings_title = "Findings — double-click one to show its entries"
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.addWidget(titled(self.findings_title, self.findings, self.finding_detail))
        split.addWidget(titled("Checkpoints", self.checkpoints, self.checkpoint_detail))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.keys_box)
        layout.addWidget(split, 1)
        self.set_report(None)

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

    def _show_finding_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.finding_detail.hide()
            return
        f = self.findings_model.finding(current.row())
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
        self.finding_detail.setText("\n".join(lines))
        self.finding_detail.show()

    def _show_checkpoint_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.checkpoint_detail.hide()
            return
        c = self.checkpoints_model.checkpoint(current.row())
        lines = [
            f"Checkpoint at size {c.size:,}: "
            + CHECKPOINT_STATUS_TEXT.get(c.status, cell_text(c.status)),
            f"Origin: {cell_text(c.origin)}",
            f"Head: {base64.b64encode(c.head).decode()}",
        ]
        for signer in c.signers:
            lines.append("Signed by " + signer_text([signer]))
        if c.source:
            lines.append(f"From: {cell_text(c.source)}")
        self.checkpoint_detail.setText("\n".join(lines))
        self.checkpoint_detail.show()

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

    def set_report(self, report: Report | None, *, key_hints: Iterable[str] = ()) -> None:
        self.report = report
        self.finding_detail.hide()
        self.checkpoint_detail.hide()
        self.findings_model.set_findings(report.findings if report else [])
        self.checkpoints_model.set_checkpoints(report.checkpoints if report else [])
        for tbl in (self.findings, self.checkpoints):
            tbl.resizeColumnsToContents()
        self.findings.horizontalHeader().setSectionResizeMode(
            F_MESSAGE, QHeaderView.ResizeMode.Stretch
        )
        while self.keys_layout.count():
            item = self.keys_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.key_boxes: list[UntrustedKeyBox] = []
        if report is not None:
            for signer in untrusted_signers(report, key_hints):
                box = UntrustedKeyBox(signer, self.keys_box)
                box.trustRequested.connect(self.trustRequested)
                self.keys_layout.addWidget(box)
                self.key_boxes.append(box)
        self.headline.setText(
            "No report yet." if report is None
            else f"{STATUS_TEXT.get(banner_status(report), report.status)}: {summary_line(report)}"
        )
        self.save_json.setEnabled(report is not None)
        self.save_html.setEnabled(report is not None)
        self.save_evidence.setVisible(has_fork(report))

    def _finding_activated(self, index: QModelIndex) -> None:
        f = self.findings_model.finding(index.row())
        if f.seq is not None:
            self.findingActivated.emit(f.seq, f.seq_end if f.seq_end is not None else f.seq)
