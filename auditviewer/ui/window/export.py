"""The export flow: whether the workspace can be exported now, the export dialog for
the current filter and scope or for one scope's whole history (from the scope tree's
or the log's context menu), and what the dialog exports from.

The source is built here, from the session's workspace, store, report and keys
(:func:`auditviewer.export.source.source_from_store`), once per session and off the
GUI thread (the dialog's job calls :meth:`ExportController.source_of`): the
workspace package, below ``export/``, never imports it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from auditviewer.core.display import elide, visible
from auditviewer.ui.dialogs.export import ExportDialog
from auditviewer.ui.window.base import Controller
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.session import FilterState

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow


class ExportController(Controller):
    dialog: ExportDialog | None = None
    _built: tuple[Any, Any] | None = None  # (session, its export source)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._lock = threading.Lock()  # the dialog's job builds the source on its thread

    def source_of(self, session: Any) -> Any:
        """The :class:`~auditviewer.export.source.ExportSource` of ``session`` (built once).

        The loader closed the workspace's inputs, so entries are read back from the
        store; hashing the stored texts takes about a second per million entries:
        call it off the GUI thread."""
        from auditviewer.export.source import source_from_store

        with self._lock:
            if self._built is not None and self._built[0] is session:
                return self._built[1]
            if not session.can_export():
                raise RuntimeError("the workspace is still loading")
            source = source_from_store(session.workspace, session.store, session.report, keys=session.keys)
            self._built = (session, source)
            return source

    def forget_source(self) -> None:
        """The workspace closed: its source goes with it."""
        with self._lock:
            self._built = None

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
            title = f"Export the history of {elide(visible(scope.label), 60)}"
        filt = session.to_filter(state)
        self.close_dialog()
        dialog = ExportDialog(session, filt, title=title, settings=w.settings, parent=w,
                              source=lambda: self.source_of(session), annotations=w.casework.export_notes(),
                              malformed=lambda: session.store.malformed_count(filt))
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
