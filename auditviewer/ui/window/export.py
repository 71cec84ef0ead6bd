"""The export flow: whether the workspace can be exported now, and the export dialog
for the current filter and scope or for one scope's whole history (from the scope
tree's or the log's context menu)."""

from __future__ import annotations

from typing import Any

from auditviewer.core.text import elide, visible_text
from auditviewer.ui.dialogs.export import ExportDialog
from auditviewer.ui.window.base import Controller
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.session import FilterState


class ExportController(Controller):
    dialog: ExportDialog | None = None

    def can_export(self) -> bool:
        session = self.w.session
        if session is None or self.w.loading.worker is not None:
            return False
        return session.can_export()

    def open_export(self, scope: Scope | None = None) -> ExportDialog | None:
        """The export dialog for the current filter and scope, or for one scope's whole history."""
        w = self.w
        if not self.can_export():
            return None
        session: Any = w.session
        if scope is None:
            state = w.state
            title = "Export the entries shown"
        else:
            state = FilterState(scope=scope, utc=w.state.utc)
            title = f"Export the history of {elide(visible_text(scope.label), 60)}"
        filt = session.to_filter(state)
        self.close_dialog()
        dialog = ExportDialog(session, filt, title=title, settings=w.settings, parent=w)
        self.dialog = dialog
        dialog.open()
        return dialog

    def close_dialog(self) -> None:
        """Stop and remove the export dialog (the workspace it reads is going)."""
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
