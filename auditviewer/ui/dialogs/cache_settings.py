"""The workspace cache in Preferences: its folder, what it holds, its limit (editable), Clear.

A group box the Preferences dialog holds, over
:mod:`auditviewer.workspace.cache_folder` (the same functions as
``auditviewer cache``): opening it sweeps what faults left, then shows the
folder, the databases' count and total against the limit. The limit is typed as
``auditviewer cache`` and ``AUDITVIEWER_CACHE_LIMIT`` read it (``500MB``,
``20G``; empty for the default) and written to the settings file both read
when the dialog is accepted (:meth:`CacheSettings.apply`); while the
environment variable is set it decides, and the field says so. Clear removes
every database no window or process has open, and says what it freed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from auditviewer.core.display import visible
from auditviewer.core.errors import AuditViewerError
from auditviewer.workspace import cache_folder
from auditviewer.workspace.cache_folder import CacheError, format_size


class CacheSettings(QGroupBox):
    """Folder, total, limit and a Clear button for the workspace cache."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Workspace cache", parent)
        self.setObjectName("cacheSettings")
        self.folder = cache_folder.folder()
        cache_folder.sweep(self.folder)
        self.folder_label = QLabel(visible(str(self.folder)), self)
        self.folder_label.setObjectName("cacheFolder")
        self.folder_label.setWordWrap(True)
        self.total_label = QLabel(self)
        self.total_label.setObjectName("cacheTotal")
        self.limit_edit = QLineEdit(self)
        self.limit_edit.setObjectName("cacheLimit")
        self.limit_edit.setPlaceholderText(
            f"default: {format_size(cache_folder.default_limit(self.folder))} (the smaller of 20 GB and 10% of the disk)"
        )
        self.limit_note = QLabel(self)
        self.limit_note.setObjectName("cacheLimitNote")
        self.limit_note.setWordWrap(True)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setObjectName("cacheClear")
        self.clear_button.setToolTip("Remove every cached database no window or process has open")
        self.clear_button.clicked.connect(self.clear)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("cacheCleared")
        self.result_label.setWordWrap(True)
        total_row = QHBoxLayout()
        total_row.addWidget(self.total_label, 1)
        total_row.addWidget(self.clear_button)
        about = QLabel(
            "Large exports leave a database here so that opening them again is fast. When a new one "
            "is written, the least recently opened are removed to stay under the limit.",
            self,
        )
        about.setWordWrap(True)
        about.setEnabled(False)
        form = QFormLayout(self)
        form.addRow("Folder:", self.folder_label)
        form.addRow("In use:", total_row)
        form.addRow("Limit:", self.limit_edit)
        form.addRow("", self.limit_note)
        form.addRow("", self.result_label)
        form.addRow(about)
        self._show_limit()
        self.refresh()

    def _show_limit(self) -> None:
        limit = cache_folder.cache_limit(self.folder)
        try:
            configured = cache_folder.configured_limit()
        except CacheError:
            configured = None
        self.limit_edit.setText("" if configured is None else format_size(configured))
        from_environment = limit.source == cache_folder.LIMIT_VARIABLE
        self.limit_edit.setEnabled(not from_environment)
        notes = []
        if from_environment:
            notes.append(f"{cache_folder.LIMIT_VARIABLE} sets the limit to {format_size(limit.size)}.")
        if limit.problem:
            notes.append(visible(limit.problem))
        self.limit_note.setText(" ".join(notes))
        self.limit_note.setVisible(bool(notes))

    def refresh(self) -> None:
        """Show what the folder holds now."""
        entries = cache_folder.scan(self.folder)
        limit = cache_folder.cache_limit(self.folder)
        count = f"{len(entries)} database" + ("" if len(entries) == 1 else "s")
        total = sum(e.size for e in entries)
        self.total_label.setText(f"{count}, {format_size(total)} of {format_size(limit.size)}")
        self.clear_button.setEnabled(bool(entries))

    def clear(self) -> None:
        result = cache_folder.clear(where=self.folder)
        count = f"{len(result.removed)} database" + ("" if len(result.removed) == 1 else "s")
        text = f"Removed {count}, {format_size(result.freed)} freed."
        if result.in_use:
            text += f" {len(result.in_use)} in use by a window or process kept."
        self.result_label.setText(text)
        self.refresh()

    def apply(self) -> bool:
        """Record the limit typed (empty: the default); False, saying why, if it is not a size."""
        if not self.limit_edit.isEnabled():
            return True
        text = self.limit_edit.text().strip()
        try:
            cache_folder.set_configured_limit(cache_folder.parse_size(text) if text else None)
        except (AuditViewerError, OSError) as exc:
            self.limit_note.setText(visible(f"Limit: {exc}"))
            self.limit_note.setVisible(True)
            self.limit_edit.setFocus()
            return False
        return True
