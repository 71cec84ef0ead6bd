"""Export… : write the entries the window shows (its whole filter and scope) as a
verifiable slice bundle or a plain file.

The dialog plans first (:func:`auditviewer.export.plan.plan_export`: entries, proof
rows and size, checkpoints, failed and unverified entries, warnings), then
writes with :func:`auditviewer.export.write.export_slice` in a worker, with a
progress bar and Cancel. An existing target is replaced only after the person
confirms it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import elide, visible
from auditviewer.export.naming import FILE_TYPES, suggest_name
from auditviewer.export.plan import ExportPlan, plan_export
from auditviewer.export.write import ExportSummary, export_slice
from auditviewer.ui.workers import JobContext, Worker, start


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of the format list."""

    label: str
    fmt: str  # bundle, jsonl, parquet, csv
    suffix: str  # "" for a bundle folder
    pattern: str


def format_choices() -> list[Choice]:
    """export.FILE_TYPES, with the bundle as a folder right after the bundle as a zip."""
    out: list[Choice] = []
    for label, pattern, fmt in FILE_TYPES:
        out.append(Choice(label, fmt, pattern.lstrip("*"), pattern))
        if fmt == "bundle":
            out.append(Choice("Verifiable slice bundle (folder)", "bundle", "", ""))
    return out


def with_suffix(path: str, suffix: str) -> str:
    """``path`` with the extension of the chosen format (none for a folder)."""
    if not path:
        return path
    p = Path(path)
    known = {c.suffix for c in format_choices() if c.suffix}
    base = p.with_suffix("") if p.suffix.lower() in known else p
    return str(base) + suffix if suffix else str(base)


def plan_lines(plan: ExportPlan) -> list[str]:
    """The plan for a person: what will be written, before anything is."""
    lines = [f"{plan.entries:,} entries" + (
        f" (seq {plan.first_seq:,}–{plan.last_seq:,})" if plan.first_seq is not None and plan.last_seq is not None
        else ""
    )]
    lines.append(f"Selection: {elide(visible(plan.query), 300)}")
    if plan.format == "bundle":
        size = plan.proof_bytes
        unit = f"{size / 1_048_576:.1f} MiB" if size >= 1_048_576 else f"{max(size, 1) / 1024:.1f} KiB"
        if plan.proof_rows:
            proof = f"{plan.proof_rows:,} leaf hashes of omitted entries (about {unit})"
        else:
            proof = "no leaf hashes needed (no entry between the checkpoints is left out)"
        lines.append(f"Proof: {proof}, {plan.checkpoints:,} signed checkpoints")
    else:
        lines.append("Proof: none — a plain file cannot be verified")
    lines.append(
        f"In the source's verification: {plan.verified_entries:,} verified, "
        f"{plan.failed_entries:,} failed, {plan.unverified_entries:,} unverified"
    )
    return lines


class ExportDialog(QDialog):
    """Plan, confirm and write one export of ``filter`` from ``session``."""

    planned = Signal()  # the summary shows the current plan (or why there is none)
    exportFinished = Signal(str)  # done / failed / cancelled

    def __init__(
        self,
        session: Any,
        filter: Any,
        *,
        title: str = "Export",
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        source: Callable[[], Any] | None = None,
        annotations: Any = None,
        malformed: Callable[[], int] | None = None,
    ) -> None:
        """``source()`` builds what the export reads (an ``ExportSource``; called off the GUI
        thread, it may take a second per million entries); by default the session's own.
        ``annotations`` (the log's case notes, an ``ExportAnnotations``): offered to go with it.
        ``malformed()`` (off the GUI thread): the malformed lines the filter shows, which an export
        leaves out (they are not entries); the plan says how many."""
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(title)
        self.session = session
        self.filter = filter
        self.settings = settings
        self.plan: ExportPlan | None = None
        self.summary: ExportSummary | None = None
        self.error: str | None = None
        self._source: Any = None
        self._make_source: Callable[[], Any] = source if source is not None else lambda: session.export_source()
        self._malformed = malformed
        self.malformed_left_out = 0
        self._worker: Worker | None = None
        self._thread: QThread | None = None
        self._handlers: tuple[Callable[[Any], None], Callable[[str], None], Callable[[], None]] = (
            lambda _r: None, lambda _m: None, lambda: None)
        self.choices = format_choices()

        self.format_box = QComboBox(self)
        self.format_box.setObjectName("exportFormat")
        for c in self.choices:
            self.format_box.addItem(c.label)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setPlaceholderText("Where to write the export")
        self.browse = QPushButton("Choose…", self)
        self.browse.setObjectName("exportBrowse")
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Save to:", path_row)
        # Issue 14: the investigator's annotations travel with the export when asked (a bundle's
        # annotations file, outside the proof; tags and note columns in CSV and Parquet).
        self.annotations = annotations
        self.with_notes = QCheckBox("Include the case notes (tags, stars, notes) of these entries", self)
        self.with_notes.setObjectName("exportWithNotes")
        self.with_notes.setToolTip(
            "A bundle gets an annotations file (listed in the manifest, outside the proof: the "
            "investigators' statement, not the log's); CSV and Parquet get tags and note columns. "
            "JSONL holds the entries alone."
        )
        self.with_notes.setChecked(annotations is not None)
        self.with_notes.setVisible(annotations is not None)
        form.addRow("", self.with_notes)

        self.failed_note = QLabel(self)
        self.failed_note.setObjectName("exportFailedNote")
        self.failed_note.setTextFormat(Qt.TextFormat.PlainText)
        self.failed_note.setWordWrap(True)
        self.failed_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.failed_note.setMargin(8)
        self.failed_note.setStyleSheet(
            "QLabel#exportFailedNote { background: #fde2e1; color: #7a1010; font-weight: bold;"
            " border: 1px solid #d9534f; border-radius: 4px; }"
        )
        self.failed_note.hide()
        self.summary_label = QLabel("Planning the export…", self)
        self.summary_label.setObjectName("exportSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label = QLabel(self)
        self.warnings_label.setObjectName("exportWarnings")
        self.warnings_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("exportResult")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.hide()

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportStart")
        self.export_button.setDefault(True)
        self.show_folder = self.buttons.addButton("Show in Folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.show_folder.setObjectName("exportShowFolder")
        self.show_folder.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("exportCancel")

        box = QGroupBox("What will be written", self)
        box_layout = QVBoxLayout(box)
        box_layout.setSpacing(8)
        box_layout.addWidget(self.summary_label)
        box_layout.addWidget(self.warnings_label)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(self.failed_note)
        layout.addWidget(box)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)

        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.browse.clicked.connect(self.choose_path)
        self.path_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._cancel_clicked)
        self.show_folder.clicked.connect(self.open_folder)
        self._update_buttons()
        self._replan()

    # -- state

    @property
    def choice(self) -> Choice:
        return self.choices[max(0, self.format_box.currentIndex())]

    def is_busy(self) -> bool:
        return self._worker is not None

    def set_format(self, fmt: str, *, folder: bool = False) -> None:
        for i, c in enumerate(self.choices):
            if c.fmt == fmt and (c.suffix == "") == folder:
                self.format_box.setCurrentIndex(i)
                return
        raise ValueError(fmt)

    def _update_buttons(self) -> None:
        busy = self.is_busy()
        exporting = busy and self.plan is not None and self.progress.isVisible()
        ready = self.plan is not None and self.plan.entries > 0 and bool(self.path_edit.text().strip())
        self.export_button.setEnabled(ready and not busy)
        self.format_box.setEnabled(not exporting)
        self.path_edit.setEnabled(not exporting)
        self.browse.setEnabled(not exporting)
        self.cancel_button.setText("Cancel" if busy or self.summary is None else "Close")

    # -- running jobs

    def _run(self, job: Callable[[JobContext], Any], done: Callable[[Any], None],
             failed: Callable[[str], None], cancelled: Callable[[], None]) -> None:
        self._stop_worker()
        worker = Worker(job)
        self._handlers = (done, failed, cancelled)
        # Bound methods of this dialog: queued to the GUI thread.
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self._thread = start(worker, self)
        self._update_buttons()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        if self._job_ended(self.sender()):
            self._handlers[0](result)
            self._update_buttons()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._job_ended(self.sender()):
            self._handlers[1](message)
            self._update_buttons()

    @Slot()
    def _on_cancelled(self) -> None:
        if self._job_ended(self.sender()):
            self._handlers[2]()
            self._update_buttons()

    def _job_ended(self, worker: object) -> bool:
        if worker is not self._worker:
            return False  # a job replaced meanwhile
        self._worker = None
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.quit()
            thread.wait(5000)
            thread.deleteLater()
        return True

    def _stop_worker(self) -> None:
        worker, thread = self._worker, self._thread
        self._worker = None
        self._thread = None
        if worker is not None:
            worker.cancel()
        if thread is not None:
            thread.quit()
            thread.wait(30_000)
            thread.deleteLater()

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        if not self.progress.isVisible():
            return
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
        else:
            self.progress.setRange(0, 0)
        self.progress.setFormat(f"{phase} %p%")

    # -- planning

    def _format_changed(self, _index: int) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(with_suffix(text, self.choice.suffix))
        self._replan()

    def _replan(self) -> None:
        self.plan = None
        self.summary = None
        self.result_label.hide()
        self.show_folder.hide()
        self.summary_label.setText("Planning the export…")
        self.warnings_label.hide()
        self.failed_note.hide()
        make_source, filt, fmt = self._make_source, self.filter, self.choice.fmt
        have, malformed = self._source, self._malformed

        def job(ctx: JobContext) -> tuple[Any, ExportPlan, int]:
            source = have if have is not None else make_source()
            ctx.check()
            plan = plan_export(source, filter=filt, fmt=fmt)  # type: ignore[arg-type]
            return source, plan, malformed() if malformed is not None else 0

        self._run(job, self._planned, self._plan_failed, lambda: None)

    def _planned(self, result: Any) -> None:
        source, plan, self.malformed_left_out = result
        self._source = source
        self.plan = plan
        if not self.path_edit.text().strip():
            folder = self._last_folder()
            name = suggest_name(source, fmt=plan.format)
            self.path_edit.setText(with_suffix(str(Path(folder) / name), self.choice.suffix))
        left_out = self.malformed_left_out
        self.summary_label.setText("\n".join([*plan_lines(plan), *([
            f"Left out: {left_out:,} malformed line{'s' if left_out != 1 else ''} the view shows "
            "(not entries: no seq, nothing to prove; see the report's findings)"] if left_out else [])]))
        warnings = list(plan.warnings)
        if plan.entries == 0:
            warnings.insert(0, "No entry matches the current filter: there is nothing to export.")
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))
        if plan.failed_entries:
            self.failed_note.setText(
                f"✖ {plan.failed_entries:,} of the selected entries FAILED verification. They can "
                "be exported, and the export records that they failed — but they are not proven "
                "authentic."
            )
            self.failed_note.show()
        self._update_buttons()
        self.adjustSize()  # the summary's wrapped lines need their height
        self.planned.emit()

    def _plan_failed(self, message: str) -> None:
        self.plan = None
        self.error = message
        self.summary_label.setText(f"This export cannot be made: {visible(message)}")
        self._update_buttons()
        self.planned.emit()

    # -- the target

    def _last_folder(self) -> str:
        value = self.settings.value("export/folder", "") if self.settings is not None else ""
        folder = str(value or "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def choose_path(self) -> None:
        c = self.choice
        current = self.path_edit.text().strip() or self._last_folder()
        options = QFileDialog.Option.DontConfirmOverwrite  # the dialog asks, and only once
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to", current, f"{c.label}" if c.pattern else "Folder (*)", "", options
        )
        if path:
            self.path_edit.setText(with_suffix(path, c.suffix))

    def confirm_replace(self, path: Path) -> bool:
        kind = "folder" if path.is_dir() else "file"
        answer = QMessageBox.question(
            self,
            "Replace?",
            f"{visible(str(path))} already exists.\n\nReplace this {kind} with the export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- exporting

    def start_export(self) -> None:
        if self.plan is None or self.is_busy():
            return
        text = self.path_edit.text().strip()
        if not text:
            return
        out = Path(text).expanduser()
        overwrite = False
        try:
            exists = out.exists() or out.is_symlink()
        except OSError as exc:  # a name too long, a folder we may not read: say so here
            self._export_failed(f"Cannot write to {text}: {exc.strerror or exc}")
            return
        if exists:
            if not self.confirm_replace(out):
                return
            overwrite = True
        source, filt, fmt = self._source, self.filter, self.choice.fmt
        notes = self.annotations if self.with_notes.isChecked() else None
        self.summary = None
        self.error = None
        self.result_label.hide()
        self.show_folder.hide()
        self.progress.setRange(0, 0)
        self.progress.setFormat("Exporting %p%")
        self.progress.show()

        def job(ctx: JobContext) -> ExportSummary:
            return export_slice(
                source,
                out=out,
                filter=filt,
                fmt=fmt,
                overwrite=overwrite,
                progress=lambda done, total: ctx.progress("Exporting", done, total),
                cancelled=lambda: ctx.cancelled,
                annotations=notes,
            )

        self._run(job, self._exported, self._export_failed, self._export_cancelled)

    def _exported(self, summary: Any) -> None:
        self.progress.hide()
        self.summary = summary
        if self.settings is not None:
            self.settings.setValue("export/folder", str(Path(summary.path).parent))
        what = "a verifiable slice bundle" if summary.format == "bundle" else f"{summary.format}, no proof"
        lines = [f"✔ Wrote {summary.entries:,} entries ({what}) to {visible(str(summary.path))}"]
        if summary.slice_status is not None:
            lines.append(f"The slice was verified before it was put in place: {summary.slice_status}.")
        self.result_label.setText("\n".join(lines))
        self.result_label.show()
        self.show_folder.show()
        self.adjustSize()
        self.exportFinished.emit("done")

    def _export_failed(self, message: str) -> None:
        message = visible(message)  # it may quote a path or a name from the input
        self.progress.hide()
        self.error = message
        self.result_label.setText(f"✖ Export failed: {message}")
        self.result_label.show()
        self.exportFinished.emit("failed")
        if self.isVisible():
            QMessageBox.warning(self, "Export failed", message)

    def _export_cancelled(self) -> None:
        self.progress.hide()
        self.result_label.setText("Export cancelled; nothing was written.")
        self.result_label.show()
        self.exportFinished.emit("cancelled")

    def cancel_export(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def _cancel_clicked(self) -> None:
        if self.is_busy() and self.progress.isVisible():
            self.cancel_export()
            return
        self.reject()

    def open_folder(self) -> None:
        if self.summary is None:
            return
        path = Path(self.summary.path)
        folder = path.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def done(self, result: int) -> None:
        if self.is_busy():
            self.cancel_export()
            self._stop_worker()
        super().done(result)

    def shutdown(self) -> None:
        """Stop any job (the workspace is closing)."""
        self._stop_worker()
