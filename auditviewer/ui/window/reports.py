"""The verification report: the report panel, saving it (JSON, standalone HTML), fork
evidence, and the About box.

The report file names the opened inputs; the manifest's organisation appears only
as its claim (:func:`claimed_organization`). Files are written whole through the one
atomic writer (:func:`auditviewer.core.atomic.write_file`), a failure said in a message box.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from auditviewer.core.about import APP_NAME
from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError
from auditviewer.integrity.memory import write_evidence
from auditviewer.integrity.report_html import report_html
from auditviewer.ui.widgets.integrity_banner import has_fork
from auditviewer.ui.window.base import Controller, claimed_organization, shown


class ReportsController(Controller):
    def show_report_panel(self) -> None:
        w = self.w
        report = w.report
        if report is None:
            return
        hints = w.session.info.key_hints if w.session is not None else []
        w.integrity.set_report(report, key_hints=hints)
        w.menus.update_actions()

    @staticmethod
    def _report_basename() -> str:
        stamp = datetime.now(tz=UTC).strftime("%Y%m%d-%H%M%S")
        return f"verification-report-{stamp}"

    def save_report_json(self, path: str | None = None) -> str | None:
        w = self.w
        if w.report is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                w, "Save report as JSON", self._report_basename() + ".json", "JSON (*.json)"
            )
        if not path:
            return None
        data = w.report.to_json()
        data["inputs"] = list(w.paths)
        self._write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return path

    def save_report_html(self, path: str | None = None) -> str | None:
        w = self.w
        if w.report is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                w, "Save report as HTML", self._report_basename() + ".html", "HTML (*.html)"
            )
        if not path:
            return None
        org = claimed_organization(w.session.info.organization) if w.session else None
        self._write(path, report_html(w.report, inputs=w.paths, organization=org))
        return path

    def save_fork_evidence(self, path: str | None = None) -> str | None:
        w = self.w
        report = w.report
        if not has_fork(report):
            return None
        assert report is not None
        if not path:
            stamp = datetime.now(tz=UTC).strftime("%Y%m%d-%H%M%S")
            path, _ = QFileDialog.getSaveFileName(
                w, "Save fork evidence", f"fork-evidence-{stamp}.json", "JSON (*.json)"
            )
        if not path:
            return None
        try:
            write_evidence(report, Path(path), memory=w.trust.memory)
        except (OSError, AuditViewerError) as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not save {shown(path)}: {shown(exc)}")
            return None
        w.status(f"Saved the fork evidence to {shown(path)}.")
        return path

    def _write(self, path: str, text: str) -> None:
        w = self.w
        try:
            write_file(Path(path), text.encode("utf-8"))
        except AuditViewerError as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not save {shown(path)}: {shown(exc)}")
            return
        w.status(f"Saved {shown(path)}.")

    def about(self) -> None:
        from auditviewer.ui.dialogs.about import show_about

        show_about(self.w)
