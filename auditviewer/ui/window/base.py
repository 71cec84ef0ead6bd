"""What every controller shares: its window, and the wording of data in messages.

Every string from an input reaches a message box, menu or status line through
:func:`shown` or :func:`menu_text` (both :func:`auditviewer.core.display.visible`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject

from auditviewer.core.display import elide, visible
from auditviewer.core.errors import AuditViewerError

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

#: Characters of input kept in a message box (each datum, visible, then elided).
MESSAGE_DATUM_LIMIT = 600


def shown(value: object, limit: int = MESSAGE_DATUM_LIMIT) -> str:
    """A datum from an input as it may appear in a message box or status line:
    every control, bidi and invisible character visible, bounded."""
    return elide(visible(str(value)), limit)


def menu_text(value: object, limit: int = 90) -> str:
    """A datum as a menu or action text: visible, bounded, ``&`` not an accelerator."""
    return shown(value, limit).replace("&", "&&")


def claimed_organization(organization: str | None) -> str | None:
    """The manifest's organisation name, or None when it named none (the loader's default)."""
    return organization if organization and organization != "Organization" else None


class Controller(QObject):
    """One group of the window's actions; a child of the window, living on the GUI thread."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window


F = TypeVar("F", bound=Callable[..., Any])


def said(method: F) -> F:
    """A controller's slot whose files (case notes, history) cannot be read or written — a
    damaged disk, a data folder that is no folder — says so in a message box naming the
    file; no exception reaches Qt."""

    @functools.wraps(method)
    def guarded(self: Controller, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (AuditViewerError, OSError) as exc:
            from PySide6.QtWidgets import QMessageBox

            from auditviewer.core.about import APP_NAME

            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return None

    return guarded  # type: ignore[return-value]
