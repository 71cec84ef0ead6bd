"""Making untrusted text safe to show: control characters and bidi overrides made visible.

Used by the terminal output and the viewer alike, so a bundle can never
reorder or hide what a person reads.
"""

from __future__ import annotations

import re

# C0/C1 controls (except tab and newline, handled by callers), bidi embeddings,
# overrides and isolates, zero-width and other invisible format characters.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    return f"⟨U+{ord(match.group()):04X}⟩"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every invisible or reordering character shown as ``⟨U+XXXX⟩``."""
    out = _INVISIBLE.sub(_escape, text)
    if not keep_newlines:
        out = out.replace("\n", "⟨U+000A⟩").replace("\t", "⟨U+0009⟩")
    return out


def elide(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
