"""The integrity banner over the log: a status, one sentence, a button to the report.

Two reports are worded for what they are rather than counted (issue 13.6, 13.8):
a plain export carries no integrity data at all, so it is shown in a neutral
colour as "No integrity data" with one sentence on what a bundle would add,
never as an incomplete verification of 0 entries; and a fork, where the entries
are consistent but two checkpoints sign different heads, says that the
checkpoints disagree rather than "Failed: 3,000 of 3,000 entries verified".
:func:`banner_status` picks the status shown, :func:`summary_line` the sentence
(the report panel's headline says the same, :mod:`.integrity_panel`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from auditviewer.core.display import cell_text
from auditviewer.integrity.report import FAILURE, INCOMPLETE, Report
from auditviewer.ui.theme import is_dark

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


def has_fork(report: Report | None) -> bool:
    return report is not None and any(f.kind == "fork" for f in report.findings)


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
