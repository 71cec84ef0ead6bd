"""File ▸ Evidence Report… (issue 14): the report of ``auditviewer report``, from the viewer.

The entries are those the window shows (its search, with the Tags facet's ticks,
its time range and scope: :meth:`SearchesController.current_search`); the inputs
are verified again on a worker thread (the report rests on its own verification
pass, as the command line's does, with the keys the window verified with), then rendered
(:mod:`auditviewer.casework.evidence`) and written through the one atomic writer,
as HTML or, for a ``.pdf``, printed by Qt's PDF writer (:mod:`auditviewer.ui.pdf`).
A progress dialog follows the two phases; Cancel stops at the next batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from auditviewer.core.about import APP_NAME
from auditviewer.ui.window.base import Controller, shown
from auditviewer.ui.workers import JobContext, Worker, start
from auditviewer.workspace.store_session import StoreSession

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow


class EvidenceController(Controller):
    """See the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._report_worker: Worker | None = None
        self._progress: QProgressDialog | None = None
        self.evidence_action = QAction("Evidence &Report…", window)
        self.evidence_action.setObjectName("evidenceReportAction")
        self.evidence_action.setStatusTip("The verdict, what it rests on, and the entries shown with their case notes")
        self.evidence_action.triggered.connect(lambda _checked=False: self.evidence_report())

    def update_actions(self) -> None:
        w = self.w
        self.evidence_action.setEnabled(
            w.session is not None and w.report is not None and bool(w.paths) and self._report_worker is None
        )

    def evidence_report(self, path: str | None = None) -> Worker | None:
        """File ▸ Evidence Report…: the entries the window shows (its search, time range and
        scope), to ``path`` (.html or .pdf), built on a worker thread with progress."""
        w = self.w
        if w.session is None or not w.paths or self._report_worker is not None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                w, "Save evidence report", "evidence-report.html", "HTML (*.html);;PDF (*.pdf)"
            )
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() not in (".html", ".htm", ".pdf"):
            out = out.with_suffix(".html")
        search = w.casework.searches.current_search("(the window's view)")
        paths = [Path(p) for p in w.paths]
        # The keys the window verified with (the trust store's and any --trust), as export does.
        keys = list(w.session.keys) if isinstance(w.session, StoreSession) else None
        notes = w.casework.notes

        def job(context: JobContext) -> tuple[Path, str]:
            from auditviewer.casework.evidence import evidence_html, gather_evidence
            from auditviewer.core.atomic import write_file
            from auditviewer.workspace.verification import trusted_keys

            context.progress("Verifying the inputs again", 0, 3, force=True)
            evidence = gather_evidence(
                paths, keys if keys is not None else trusted_keys([]), saved=search, annotations=notes
            )
            context.check()
            context.progress("Writing the report", 2, 3, force=True)
            html = evidence_html(evidence, title="Evidence report")
            if out.suffix.lower() == ".pdf":
                from auditviewer.ui.pdf import write_pdf

                pages = write_pdf(html, out, overwrite=True)
                what = f"{pages} page(s)"
            else:
                write_file(out, html.encode("utf-8", "surrogatepass"), overwrite=True)
                what = "HTML"
            return out, f"{what}, {len(evidence.entries):,} entries, verdict {evidence.report.status.upper()}"

        worker = Worker(job)
        progress = QProgressDialog("Verifying the inputs again…", "Cancel", 0, 3, w)
        progress.setObjectName("evidenceProgress")
        progress.setWindowTitle("Evidence report")
        progress.setMinimumDuration(0)
        progress.canceled.connect(worker.cancel)
        # Bound methods of this controller: delivered on the GUI thread (a lambda would run on the job's).
        worker.progress.connect(self._report_progress)
        worker.finished.connect(self._report_written)
        worker.failed.connect(self._report_failed)
        worker.cancelled.connect(self._report_cancelled)
        self._report_worker, self._progress = worker, progress
        progress.show()
        self.update_actions()  # one report at a time
        start(worker, self)
        return worker

    @Slot(str, int, int)
    def _report_progress(self, phase: str, done: int, _total: int) -> None:
        if self._progress is not None:
            self._progress.setLabelText(phase + "…")
            self._progress.setValue(done)

    @Slot()
    def _report_cancelled(self) -> None:
        self._report_done("The evidence report was cancelled.")

    @Slot(object)
    def _report_written(self, result: tuple[Path, str]) -> None:
        out, what = result
        self._report_done(f"Saved the evidence report to {shown(out)} ({what}).")

    @Slot(str)
    def _report_failed(self, message: str) -> None:
        self._report_done(None)
        QMessageBox.warning(self.w, APP_NAME, f"Could not write the evidence report: {shown(message)}")

    def _report_done(self, status: str | None) -> None:
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
        self._report_worker, self._progress = None, None
        self.update_actions()
        if status:
            self.w.status(status)

    def report_running(self) -> bool:
        return self._report_worker is not None


__all__ = ["EvidenceController"]
