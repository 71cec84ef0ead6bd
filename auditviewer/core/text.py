"""Bundle text made safe to show in the viewer: cells and tooltips. Qt-free.

What counts as invisible and how it is shown lives in :mod:`auditviewer.core.display`,
shared with the command line.
"""

from __future__ import annotations

import html

from auditviewer.core.display import CELL_LIMIT, ELLIPSIS, elide, escape
from auditviewer.core.display import visible as visible_text

__all__ = ["CELL_LIMIT", "ELLIPSIS", "cell_text", "elide", "escape", "plain_tooltip", "visible_text"]


def cell_text(value: object, limit: int = CELL_LIMIT) -> str:
    """A value as one line for a table cell: visible, elided."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return elide(visible_text(text), limit)


def plain_tooltip(value: object, limit: int = 2000) -> str:
    """A tooltip that shows ``value`` literally.

    Qt guesses whether tooltip text is rich text; bundle text that looks like
    HTML would be rendered. So the text is made visible, escaped and wrapped
    in a ``<p>``: Qt renders our markup and the data as the characters it is.
    """
    text = elide(visible_text("" if value is None else str(value)), limit)
    return '<p style="white-space:pre-wrap">' + html.escape(text, quote=False) + "</p>"
