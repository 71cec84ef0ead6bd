"""Keys that signed checkpoints of the log but are not trusted: what to compare before trusting one.

Each such key is a box with its name, id and fingerprint (from a manifest's hint,
never trusted because of it) and a "Trust this key…" button; the trust store
dialog does the trusting (``ui/window/trust.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from auditviewer.core.display import cell_text
from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from auditviewer.integrity.report import Report


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


class UntrustedKeys(QWidget):
    """One :class:`UntrustedKeyBox` per untrusted signer of the report shown."""

    trustRequested = Signal(object)  # UntrustedSigner

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes_layout = QVBoxLayout(self)
        self.boxes_layout.setContentsMargins(0, 0, 0, 0)
        self.key_boxes: list[UntrustedKeyBox] = []

    def set_report(self, report: Report | None, key_hints: Iterable[str] = ()) -> None:
        while self.boxes_layout.count():
            item = self.boxes_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.key_boxes = []
        if report is not None:
            for signer in untrusted_signers(report, key_hints):
                box = UntrustedKeyBox(signer, self)
                box.trustRequested.connect(self.trustRequested)
                self.boxes_layout.addWidget(box)
                self.key_boxes.append(box)
