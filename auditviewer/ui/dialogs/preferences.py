"""The viewer's Preferences: remembering verified checkpoints, and the cache's limit.

Both are read elsewhere: :func:`remember_enabled` by the trust controller
(``ui/window/trust.py``) when a workspace opens, the cache limit by
``workspace/cache_folder/`` (the section is :class:`~.cache_settings.CacheSettings`).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from auditviewer.ui.dialogs.cache_settings import CacheSettings

__all__ = ["PreferencesDialog", "remember_enabled"]


class PreferencesDialog(QDialog):
    """The viewer's preferences (one so far: remembering verified checkpoints)."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.remember = QCheckBox("Remember verified checkpoints", self)
        self.remember.setObjectName("rememberCheckpoints")
        self.remember.setChecked(remember_enabled(settings))
        about = QLabel(
            "The checkpoints a trusted key signed are kept per log in your data folder. Opening an "
            "older or rewritten export of the same log later then shows that the log went on "
            "(rollback) or that two histories were signed (a fork).",
            self,
        )
        about.setWordWrap(True)
        about.setEnabled(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.remember)
        layout.addWidget(about)
        self.cache = CacheSettings(self)
        layout.addWidget(self.cache)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def accept(self) -> None:
        if not self.cache.apply():
            return  # the limit typed is not a size: said beside it
        self.settings.setValue("integrity/remember", self.remember.isChecked())
        super().accept()


def remember_enabled(settings: QSettings) -> bool:
    """Whether verified checkpoints are remembered (yes unless turned off here)."""
    return settings.value("integrity/remember", True) not in (False, "false", "0", 0)
