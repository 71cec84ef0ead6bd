"""The integrity report panel: its headline, save buttons, and its sections composed.

The sections are small widgets of their own: the keys that signed but are not
trusted (:mod:`.untrusted_keys`), the findings, each jumping to its entries
(:mod:`.report_findings`), and the checkpoints with their signers
(:mod:`.report_checkpoints`), the two tables sharing :mod:`.report_section`'s
shape. The headline says what the banner over the log says
(:mod:`.integrity_banner`: a plain export and a fork are worded for what they are).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from auditviewer.integrity.report import Report
from auditviewer.ui.widgets.integrity_banner import (
    STATUS_TEXT,
    banner_status,
    has_fork,
    summary_line,
)
from auditviewer.ui.widgets.report_checkpoints import CheckpointsSection
from auditviewer.ui.widgets.report_findings import FindingsSection
from auditviewer.ui.widgets.untrusted_keys import UntrustedKeyBox, UntrustedKeys


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

        self.untrusted_keys = UntrustedKeys(self)
        self.untrusted_keys.trustRequested.connect(self.trustRequested)
        self.findings_section = FindingsSection(self)
        self.findings_section.findingActivated.connect(self.findingActivated)
        self.checkpoints_section = CheckpointsSection(self)
        # The sections' parts, by the names the window and tests use.
        self.findings_model = self.findings_section.findings_model
        self.findings = self.findings_section.table
        self.finding_detail = self.findings_section.detail
        self.findings_title = FindingsSection.TITLE
        self.checkpoints_model = self.checkpoints_section.checkpoints_model
        self.checkpoints = self.checkpoints_section.table
        self.checkpoint_detail = self.checkpoints_section.detail

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.addWidget(self.findings_section)
        split.addWidget(self.checkpoints_section)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.untrusted_keys)
        layout.addWidget(split, 1)
        self.set_report(None)

    @property
    def key_boxes(self) -> list[UntrustedKeyBox]:
        return self.untrusted_keys.key_boxes

    def set_report(self, report: Report | None, *, key_hints: Iterable[str] = ()) -> None:
        self.report = report
        self.findings_section.set_findings(report.findings if report else [])
        self.checkpoints_section.set_checkpoints(report.checkpoints if report else [])
        self.untrusted_keys.set_report(report, key_hints)
        self.headline.setText(
            "No report yet." if report is None
            else f"{STATUS_TEXT.get(banner_status(report), report.status)}: {summary_line(report)}"
        )
        self.save_json.setEnabled(report is not None)
        self.save_html.setEnabled(report is not None)
        self.save_evidence.setVisible(has_fork(report))
