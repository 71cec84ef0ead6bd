"""A one-line label for data: elided to its width, never setting a window's size.

Labels that show bundle text (the entry pane's title and header, the
breadcrumb) must not let a long value set the window's minimum width (a
300-character category once made the window 3,297 px wide) and must never push
the app's own words out of sight. An :class:`ElidedLabel` ignores its text's
width when laid out (``QSizePolicy.Ignored``, a small ``minimumSizeHint``) and
paints the text elided by ``QFontMetrics.elidedText`` at whatever width it gets;
the full text is in its tooltip. The text is always plain, and is passed
through :func:`auditviewer.core.display.visible` here, so no caller can forget.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from auditviewer.core.display import elide, plain_tooltip, visible

#: Characters kept of a label's text at all (the tooltip shows up to this many).
TEXT_LIMIT = 2000
MIN_WIDTH = 40


class ElidedLabel(QLabel):
    """``setText`` takes untrusted text; it is shown visible, on one line, elided right."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def full_text(self) -> str:
        """The whole (visible, bounded) text; ``text()`` is what is painted."""
        return self._full

    def setText(self, text: str) -> None:
        self._full = elide(visible(text or ""), TEXT_LIMIT)
        self.setToolTip(plain_tooltip(self._full) if self._full else "")
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), MIN_WIDTH)
        shown = self.fontMetrics().elidedText(self._full, self._mode, width)
        super().setText(shown)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), 400), hint.height())
