"""A malformed line's raw bytes, from its finding (issue 13, defect 8, in part).

A line that is not an entry is a row of the log after the entries (``store/malformed.py``)
when its bytes were kept; its ``malformed_entry`` finding in the Integrity report
names the file and line. Double-clicking that finding shows the line's bytes
beside the finding (a line past the kept bound included): every byte visible, as JSON string escapes
(:func:`auditviewer.core.display.json_text`), never interpreted. The bytes are
those the reader handed on while loading (``Session.kept_lines``, at once, the
file not read again); only a line past that bound is read again
(:func:`auditviewer.workspace.raw_lines.read_raw_line`, on a thread of its own:
a late line of a large file takes a while; a newer request or a closed workspace
drops an older one).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import bytes_text
from auditviewer.core.errors import AuditViewerError
from auditviewer.integrity.report import Finding
from auditviewer.ui.window.base import Controller, shown
from auditviewer.workspace.raw_lines import Cancelled, RawLine, read_raw_line

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow


def raw_text(raw: RawLine) -> str:
    """The bytes escaped (:func:`bytes_text`: control, invisible and non-UTF-8 bytes)."""
    return bytes_text(raw.data) + ("\n… cut here: the line is longer" if raw.cut else "")


class RawLineDialog(QDialog):
    """A finding's line as raw bytes (read-only, plain text, monospaced)."""

    def __init__(self, finding: Finding, raw: RawLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rawLineDialog")
        self.setWindowTitle(f"Line {raw.line} (not an entry)")
        heading = QLabel(f"Line {raw.line} of {shown(raw.label, 200)}", self)
        heading.setTextFormat(heading.textFormat().PlainText)
        heading.setWordWrap(True)
        why = QLabel(shown(finding.message, 600), self)
        why.setTextFormat(why.textFormat().PlainText)
        why.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("rawLineText")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(raw_text(raw))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(why)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(640, 300)


class MalformedLines(Controller):
    """Double-click a ``malformed_entry`` finding without a seq: its raw line, read off the GUI thread."""

    lineRead = Signal(object, object, int)  # finding, RawLine or error text, generation

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.generation = 0
        self.dialog: RawLineDialog | None = None
        window.integrity.findings.activated.connect(self.finding_activated)
        window.sessionReady.connect(self.forget)
        self.lineRead.connect(self._line_read)

    def forget(self) -> None:
        self.generation += 1  # a read on its way is for another workspace

    def finding_activated(self, index: QModelIndex) -> None:
        finding = self.w.integrity.findings_model.finding(index.row())
        if finding.kind == "malformed_entry" and finding.seq is None and finding.file and finding.line:
            self.read(finding)

    def read(self, finding: Finding) -> None:
        self.generation += 1
        generation = self.generation
        session = self.w.session
        kept = session.kept_lines.get(str(finding.file), int(finding.line or 0)) if session else None
        if kept is not None:  # handed on by the reader: nothing to read again
            self._line_read(finding, kept, generation)
            return
        paths = list(self.w.paths)
        self.w.status(f"Reading line {finding.line} of {shown(finding.file, 200)}…")

        def work() -> None:
            result: Any
            try:
                result = read_raw_line(
                    paths, str(finding.file), int(finding.line or 0),
                    cancelled=lambda: generation != self.generation,
                )
            except Cancelled:
                return
            except (AuditViewerError, OSError) as exc:
                result = str(exc)
            self.lineRead.emit(finding, result, generation)

        threading.Thread(target=work, name="auditviewer-raw-line", daemon=True).start()

    def _line_read(self, finding: Finding, result: object, generation: int) -> None:
        if generation != self.generation:
            return
        if not isinstance(result, RawLine):
            self.w.status(f"Could not read the line: {shown(result)}")
            return
        self.w.status(f"Line {result.line}: {len(result.data):,} bytes, not an entry.")
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = RawLineDialog(finding, result, self.w)
        self.dialog.show()
