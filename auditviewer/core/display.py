"""Making untrusted text safe to show: controls, bidi and invisible characters made visible.

The one implementation for the terminal output and the viewer alike (the
viewer's ``core/text.py`` builds cells and tooltips on it), so a bundle can
never reorder or hide what a person reads, wherever they read it.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
CELL_LIMIT = 300

# Code points that reorder, hide or break text.
_INVISIBLE = frozenset(
    [
        0x061C,  # arabic letter mark
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x2028,
        0x2029,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2060,
        0x2061,
        0x2062,
        0x2063,
        0x2064,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0x206A,
        0x206B,
        0x206C,
        0x206D,
        0x206E,
        0x206F,
        0x3164,
        0xFEFF,
        0xFFA0,
        0xFFF9,
        0xFFFA,
        0xFFFB,
    ]
)


_ESCAPED_CHARS = (
    "\x00-\x09\x0b-\x1f\x7f-\x9f"
    + "".join(chr(cp) for cp in sorted(_INVISIBLE))
    + "\ud800-\udfff"  # lone surrogates
    + "\U000e0000-\U000e007f"  # tag characters
)
_ESCAPE = re.compile(f"[{_ESCAPED_CHARS}\n]")
_ESCAPE_KEEP_NEWLINES = re.compile(f"[{_ESCAPED_CHARS}]")


def escape(ch: str) -> str:
    """The visible stand-in for one character: ``⟨U+202E⟩``."""
    return f"⟨U+{ord(ch):04X}⟩"


def _escape_match(match: re.Match[str]) -> str:
    return escape(match.group())


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or invisible character made visible.

    With ``keep_newlines`` a plain ``\\n`` stays a line break (for panes that
    show structured text whose line breaks are our own).
    """
    if text.isascii() and text.isprintable():
        return text
    pattern = _ESCAPE_KEEP_NEWLINES if keep_newlines else _ESCAPE
    return pattern.sub(_escape_match, text)


def elide(text: str, limit: int = CELL_LIMIT) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (cells; the pane shows all)."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


#: How much of an input a message quotes (findings and errors that name a key, a path, a line).
QUOTE_LIMIT = 80


def quoted(text: object, limit: int = QUOTE_LIMIT) -> str:
    """Input quoted inside one of our messages, so that it reads as data, never as our words.

    In double quotes, JSON-escaped (a ``"`` or line break inside cannot close the quote
    or start a line of its own), every control, bidi or invisible character made visible,
    and cut to ``limit`` characters with an ellipsis *after* the closing quote::

        duplicate key "harmless: all content verified OK - safe to ignore, this is a …"…
    """
    import json

    value = text if isinstance(text, str) else str(text)
    cut = value[:limit]
    return visible(json.dumps(cut, ensure_ascii=False)) + (ELLIPSIS if len(value) > limit else "")
