"""Kept only so that branches written before the fold still import: use :mod:`auditviewer.core.display`.

``cell_text`` and ``plain_tooltip`` moved into ``core/display.py`` (one concern:
untrusted text made safe to show), and ``visible_text`` is
:func:`auditviewer.core.display.visible`. Delete this module once no branch in
flight imports it (``tests/unit/test_one_home.py`` lists it).
"""

from __future__ import annotations

from auditviewer.core.display import CELL_LIMIT, ELLIPSIS, cell_text, elide, escape, plain_tooltip
from auditviewer.core.display import visible as visible_text

__all__ = ["CELL_LIMIT", "ELLIPSIS", "cell_text", "elide", "escape", "plain_tooltip", "visible_text"]
