"""Trust and memory: trusting a signer from the report, the trust store dialog,
verifying again, the Preferences (remembering checkpoints) and forgetting a log.

Every change of trust or memory re-runs the load (:meth:`reverify`), so what is
shown as verified is always what this run verified.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from auditviewer.core.about import APP_NAME
from auditviewer.core.display import elide, visible
from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.memory import CheckpointMemory, CheckpointMemoryError
from auditviewer.integrity.trust import TrustStore
from auditviewer.ui.dialogs.trust_store import TrustKeyDialog, TrustStoreDialog
from auditviewer.ui.widgets.untrusted_keys import UntrustedSigner
from auditviewer.ui.window.base import Controller, shown


class TrustController(Controller):
    #: The remembered checkpoints, opened on the first load that uses them.
    memory: CheckpointMemory | None = None

    def trust_signer(self, signer: UntrustedSigner) -> None:
        w = self.w
        dialog = TrustKeyDialog(signer.label, signer.key, w)
        if dialog.exec() != TrustKeyDialog.DialogCode.Accepted or dialog.key is None:
            return
        try:
            TrustStore().add(dialog.key)
        except (TrustStoreError, OSError) as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not add the key: {shown(exc)}")
            return
        w.status(f"Trusted {shown(dialog.key.label, 120)}; verifying again…")
        self.reverify()

    def open_trust_store(self) -> None:
        dialog = TrustStoreDialog(parent=self.w)
        dialog.exec()
        if dialog.changed and self.w.session is not None:
            self.reverify()

    def reverify(self) -> None:
        loading = self.w.loading
        if self.w.paths:
            loading.open_paths(list(self.w.paths), trust=loading.extra_trust, remember=False)

    def remember_checkpoints(self) -> bool:
        from auditviewer.ui.dialogs.preferences import remember_enabled

        return remember_enabled(self.w.settings)

    def checkpoint_memory(self) -> CheckpointMemory | None:
        """The memory the next load reads and adds to (None when the preference is off)."""
        if not self.remember_checkpoints():
            return None
        if self.memory is None:
            self.memory = CheckpointMemory()
        return self.memory

    def origin(self) -> str | None:
        w = self.w
        if w.report is not None and w.report.origin:
            return w.report.origin
        return w.session.info.origin if w.session is not None else None

    def open_preferences(self) -> None:
        from auditviewer.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.w.settings, self.w)
        dialog.exec()

    def forget_log(self, *, confirm: bool = True) -> int | None:
        """Forget the remembered checkpoints of the open log (after confirming), then verify again."""
        w = self.w
        origin = self.origin()
        if w.session is None or not origin:
            return None
        memory = self.memory or CheckpointMemory()
        if confirm:
            answer = QMessageBox.question(
                w,
                "Forget this log?",
                f"Forget every checkpoint remembered for\n{shown(origin)}?\n\nOlder or rewritten exports of "
                "this log can then no longer be recognised as such. The open export is verified again.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        try:
            count = memory.forget(origin)
        except CheckpointMemoryError as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not forget this log: {shown(exc)}")
            return None
        w.status(f"Forgot {count:,} remembered checkpoints of {elide(visible(origin), 80)}; "
                 "verifying again…")
        self.reverify()
        return count
