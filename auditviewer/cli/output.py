"""What the commands print: every string from an input made visible on its way out.

Nothing from an input reaches the terminal as it is: every string that can come
from a bundle (origin, key names, checkpoint times, file and member names,
findings, error messages quoting them) passes
:func:`auditviewer.core.display.visible` on its way to stdout or stderr
(:func:`printable`; :func:`say_error` and :func:`warn` for stderr), so no
control, C1, bidi or invisible character is obeyed by the terminal. ``--json``
output stays JSON of the same shape: :func:`auditviewer.core.display.json_text`
(``compact=False``) also writes as ``\\uXXXX`` every character ``visible`` would
escape, so the document is valid, equal in value, and safe to print.
"""

from __future__ import annotations

import sys

from auditviewer.core.display import elide, visible


def printable(text: str) -> str:
    """Terminal-safe: control characters and bidi overrides shown as escapes, never obeyed."""
    return visible(text)


def say_error(message: str) -> None:
    """One line on stderr, ``auditviewer: <message>``, the message made visible (it may
    quote paths, zip member names or other input)."""
    print(f"auditviewer: {printable(message)}", file=sys.stderr)


def warn(message: str) -> None:
    """One line on stderr, ``auditviewer: warning: <message>``, made visible."""
    print(f"auditviewer: warning: {printable(message)}", file=sys.stderr)


def shortened(text: str, limit: int = 200) -> str:
    return elide(text, limit)
