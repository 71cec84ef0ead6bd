"""Making untrusted text safe to show: controls, bidi and invisible characters made visible.

The one implementation for the terminal output and the viewer alike, so a
bundle can never reorder or hide what a person reads, wherever they read it:
:func:`visible` (text), :func:`elide` and :func:`cell_text` (one-line cells),
:func:`plain_tooltip` (a tooltip Qt cannot read as markup), :func:`quoted`
(input inside our own messages), :func:`json_text` (JSON safe to print or
paste: the CLI's ``--json`` and the viewer's clipboard).

What is escaped is decided by Unicode properties, not a hand list: every
character of general category Cc (controls, C0 and C1), Cf (format: bidi
controls, zero-width joiners, soft hyphen, tags …), Cs (lone surrogates), Zl
and Zp (line and paragraph separators), and every Default_Ignorable_Code_Point
(variation selectors, the combining grapheme joiner, Hangul fillers, Mongolian
free variation selectors …) is shown as ``⟨U+XXXX⟩``. Python's ``unicodedata``
has categories but not Default_Ignorable, so :func:`derive_tables` derives it by
UAX #44's definition and ``tools/gen_display_tables.py`` writes the result to
``core/display_tables.py`` once (a test checks the two agree); at run time one
precompiled regex does the work, after an ASCII fast path.

Combining marks (Mn, Me) are capped per base character (``MAX_MARKS`` kept, then
``⟨+N marks⟩``): "Zalgo" text with hundreds of marks would otherwise overdraw
the lines around it. Because invisible characters are escaped, two look-alike
values (``admin@example.com`` and ``ad\\u00ADmin@example.com``) read differently
everywhere they are shown (cells, facets, the scope tree, dialogs).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata

from auditviewer.core.display_tables import HIDDEN, MARKS

MARKS_TABLE = MARKS

ELLIPSIS = "…"
CELL_LIMIT = 300
#: Combining marks kept on one base character; the rest are counted, not drawn.
MAX_MARKS = 2

# Other_Default_Ignorable_Code_Point, from the Unicode Character Database's
# PropList.txt (stable since Unicode 7; not exposed by ``unicodedata``).
_OTHER_DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x2065, 0x2065),
    (0x3164, 0x3164),  # Hangul filler
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0000),
    (0xE0002, 0xE001F),
    (0xE0080, 0xE00FF),
    (0xE01F0, 0xE0FFF),
)
# Variation_Selector (PropList.txt).
_VARIATION_SELECTORS: tuple[tuple[int, int], ...] = (
    (0x180B, 0x180D),
    (0x180F, 0x180F),
    (0xFE00, 0xFE0F),
    (0xE0100, 0xE01EF),
)
# Prepended_Concatenation_Mark (PropList.txt): format characters that are *not* ignorable.
_PREPENDED_CONCATENATION_MARK: tuple[tuple[int, int], ...] = (
    (0x0600, 0x0605),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
)
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MARK_CATEGORIES = frozenset({"Mn", "Me"})


def _in(ranges: tuple[tuple[int, int], ...], cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def default_ignorable(cp: int) -> bool:
    """Default_Ignorable_Code_Point by UAX #44: Other_DI + Cf + Variation_Selector
    − White_Space − FFF9..FFFB − 13430..1343F − Prepended_Concatenation_Mark."""
    ch = chr(cp)
    if unicodedata.category(ch) != "Cf" and not (
        _in(_OTHER_DEFAULT_IGNORABLE, cp) or _in(_VARIATION_SELECTORS, cp)
    ):
        return False
    if ch.isspace():
        return False  # White_Space
    if 0xFFF9 <= cp <= 0xFFFB or 0x13430 <= cp <= 0x1343F:
        return False
    return not _in(_PREPENDED_CONCATENATION_MARK, cp)


def _ranges(test: object) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in range(0x110000):
        if test(cp):  # type: ignore[operator]
            if out and out[-1][1] == cp - 1:
                out[-1] = (out[-1][0], cp)
            else:
                out.append((cp, cp))
    return out


def derive_tables() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(hidden, marks) code point ranges from ``unicodedata`` (slow: for the generator and a test)."""
    hidden = _ranges(
        lambda cp: cp != 0x0A
        and (unicodedata.category(chr(cp)) in _HIDDEN_CATEGORIES or default_ignorable(cp))
    )
    marks = _ranges(
        lambda cp: unicodedata.category(chr(cp)) in _MARK_CATEGORIES and not default_ignorable(cp)
    )
    return hidden, marks


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


_HIDDEN_CLASS = _class(HIDDEN)
_ESCAPE = re.compile(f"[{_HIDDEN_CLASS}\n]")
_ESCAPE_KEEP_NEWLINES = re.compile(f"[{_HIDDEN_CLASS}]")
#: One hidden character (control, format, separator, default-ignorable; not ``\n``).
HIDDEN_RE = _ESCAPE_KEEP_NEWLINES
_MARK_RUN = re.compile(f"[{_class(MARKS)}]{{{MAX_MARKS + 1},}}")


def escape(ch: str) -> str:
    """The visible stand-in for one character: ``⟨U+202E⟩``."""
    return f"⟨U+{ord(ch):04X}⟩"


def _escape_match(match: re.Match[str]) -> str:
    return escape(match.group())


def _cap_marks(match: re.Match[str]) -> str:
    run = match.group()
    return f"{run[:MAX_MARKS]}⟨+{len(run) - MAX_MARKS} marks⟩"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or invisible character made visible,
    and combining marks capped at ``MAX_MARKS`` per base character.

    With ``keep_newlines`` a plain ``\\n`` stays a line break (for panes that
    show structured text whose line breaks are our own).
    """
    if text.isascii() and text.isprintable():
        return text
    pattern = _ESCAPE_KEEP_NEWLINES if keep_newlines else _ESCAPE
    text = pattern.sub(_escape_match, text)
    if text.isascii():
        return text
    return _MARK_RUN.sub(_cap_marks, text)


def elide(text: str, limit: int = CELL_LIMIT) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (cells; the pane shows all)."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def cell_text(value: object, limit: int = CELL_LIMIT) -> str:
    """A value as one line for a table cell: visible, elided."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return elide(visible(text), limit)


def plain_tooltip(value: object, limit: int = 2000) -> str:
    """A tooltip that shows ``value`` literally.

    Qt guesses whether tooltip text is rich text; bundle text that looks like
    HTML would be rendered. So the text is made visible, escaped and wrapped
    in a ``<p>``: Qt renders our markup and the data as the characters it is.
    """
    text = elide(visible("" if value is None else str(value)), limit)
    return '<p style="white-space:pre-wrap">' + html.escape(text, quote=False) + "</p>"


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


_JSON_UNSAFE = re.compile(f"[{_HIDDEN_CLASS}\u2028\u2029]")


def _json_escape_match(match: re.Match[str]) -> str:
    cp = ord(match.group())
    if cp > 0xFFFF:
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"
    return f"\\u{cp:04x}"


def json_text(value: object, *, compact: bool = True) -> str:
    """``value`` as one line of JSON that is exact and safe to print or paste: it parses
    back to the same value, readable (UTF-8), and every character :func:`visible` would
    escape (control, bidi, invisible) is a ``\\uXXXX`` escape, never raw, so a terminal
    or editor sees none of them. Compact for the viewer's clipboard (a value, a path,
    rows); ``compact=False`` keeps ``json.dumps``' spacing (the CLI's ``--json``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else None)
    if text.isascii() and text.isprintable():  # DEL (U+007F) is ASCII and not printable
        return text
    return _JSON_UNSAFE.sub(_json_escape_match, text)


_SURROGATE_BYTE = re.compile(r"(\\\\)|\\udc([89a-f][0-9a-f])")
# One escape at a time, left to right (so an escaped backslash before a quote stays one).
_ESCAPE_PAIR = re.compile(r"\\(.)")


def bytes_text(data: bytes) -> str:
    """Bytes that may not be UTF-8 (a line that is not an entry) as one line that is exact
    and safe to show: :func:`json_text`'s string escapes without the quotes around (newlines,
    control, bidi and invisible characters as ``\\n``, ``\\uXXXX``; a quote as itself) and
    each byte that is not UTF-8 as ``\\xNN``, so every byte is visible and none is interpreted."""
    text = json_text(data.decode("utf-8", errors="surrogateescape"))[1:-1]
    # A quote needs no escape outside a JSON string: a line that is almost JSON reads as written.
    text = _ESCAPE_PAIR.sub(lambda m: '"' if m.group(1) == '"' else m.group(0), text)
    if "\\udc" not in text:
        return text
    # Undecodable bytes came in as lone surrogates U+DC80..U+DCFF (escaped by json_text):
    # each back to its byte's value; an escaped backslash before "udc…" is left alone.
    return _SURROGATE_BYTE.sub(lambda m: m.group(1) or f"\\x{m.group(2)}", text)
