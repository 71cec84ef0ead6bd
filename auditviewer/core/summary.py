"""The one-line gist of an entry's metadata, for the Summary column.

    {"image": {"before": "reg/acme/nakama:3.21.0", "after": "reg/acme/nakama:3.22.0"}}
        -> "image 3.21.0 → 3.22.0"

Changes (``before``/``after`` pairs, at any depth) come first, then plain
values, each ``key value``, joined by `` · `` and cut at ``limit`` characters.
Qt-free and total: any JSON value (or a malformed one) gives a string.

Bounded work (the Summary column is computed for each row of every page the
table shows, and an entry's metadata may hold 100,000 keys): JSON text longer
than ``MAX_TEXT`` characters is read only up to there, member by member (the
gist ends with ``…``), and at most ``MAX_LEAVES`` values are walked. A page of
128 rows of 1 MB metadata then costs milliseconds, not seconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

ARROW = " → "
SEPARATOR = " · "
ELLIPSIS = "…"
DEFAULT_LIMIT = 160

# Keys a plain (dashboard) export uses to carry who and what; they have their
# own columns, so the gist leaves them out.
_IDENTITY_KEYS = frozenset({"email", "actor_email", "resource_name"})
_HEX_ID = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_MAX_DEPTH = 6
#: Characters of metadata JSON text read for a summary.
MAX_TEXT = 4_096
#: Values (leaves or changes) walked for a summary.
MAX_LEAVES = 200
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def is_change(value: Any) -> bool:
    """A ``{"before": x, "after": y}`` pair (other keys allowed beside them)."""
    return isinstance(value, dict) and "before" in value and "after" in value


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        if _HEX_ID.match(value):
            return value[:7]
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, list):
        if len(value) <= 3 and all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(_scalar(v) for v in value) + "]"
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        return f"{{{len(value)} keys}}"
    return str(value)


def _shorten_pair(before: Any, after: Any) -> tuple[str, str]:
    """Drop the common ``repository:`` prefix of image-like strings: show tags."""
    b, a = _scalar(before), _scalar(after)
    if isinstance(before, str) and isinstance(after, str) and ":" in before and ":" in after:
        b_head, _, b_tag = before.rpartition(":")
        a_head, _, a_tag = after.rpartition(":")
        if b_head == a_head and "/" not in b_tag and b_tag and a_tag:
            return b_tag, a_tag
    return b, a


def _change_text(key: str, pair: dict[str, Any]) -> str:
    before, after = _shorten_pair(pair["before"], pair["after"])
    if before == after:
        return f"{key} {after} (unchanged)"
    return f"{key} {before}{ARROW}{after}"


def _walk(prefix: str, value: Any, depth: int) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_change, text)`` for each leaf worth showing."""
    if is_change(value):
        yield True, _change_text(prefix, value)
        return
    if isinstance(value, dict) and value and depth < _MAX_DEPTH:
        for key, sub in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            # A one-level wrapper such as {"config": {"x": {before, after}}}
            # reads better by its inner key alone.
            if prefix and is_change(sub):
                name = str(key)
            yield from _walk(name, sub, depth + 1)
        return
    yield False, f"{prefix} {_scalar(value)}" if prefix else _scalar(value)


def _skip(s: str, i: int) -> int:
    match = _WS.match(s, i)
    return match.end() if match else i


def _object_prefix(text: str) -> tuple[dict[str, Any], bool]:
    """The members of a JSON object read from the first ``MAX_TEXT`` characters of
    ``text``: ``(members, cut)``; ``cut`` when the object goes on beyond them.
    Raises ValueError when ``text`` does not start as an object."""
    s = text[:MAX_TEXT]
    i = _skip(s, 0)
    if not s.startswith("{", i):
        raise ValueError("not an object")
    out: dict[str, Any] = {}
    i += 1
    try:
        while True:
            i = _skip(s, i)
            if s[i] == "}":
                return out, False
            if s[i] != '"':
                break
            key, i = _DECODER.raw_decode(s, i)
            i = _skip(s, i)
            if s[i] != ":":
                break
            value, i = _DECODER.raw_decode(s, _skip(s, i + 1))
            out[key] = value
            if len(out) > MAX_LEAVES:
                break
            i = _skip(s, i)
            if s[i] == ",":
                i += 1
                continue
            if s[i] == "}":
                return out, False
            break
    except (ValueError, IndexError, RecursionError):
        pass
    return out, True


def changes(metadata: Any) -> list[tuple[str, Any, Any]]:
    """Every ``before``/``after`` pair in ``metadata`` (a dict or JSON text), as (dotted key, before, after).

    The full values, for the evidence report's before/after table; the Summary
    column's one line is :func:`summarize`.
    """
    if isinstance(metadata, (str, bytes)):
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):
            return []
    out: list[tuple[str, Any, Any]] = []

    def walk(prefix: str, value: Any, depth: int) -> None:
        if is_change(value):
            out.append((prefix, value["before"], value["after"]))
        elif isinstance(value, dict) and depth < _MAX_DEPTH:
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub, depth + 1)

    walk("", metadata, 0)
    return out


def summarize(metadata: Any, *, limit: int = DEFAULT_LIMIT) -> str:
    """The gist of ``metadata`` (a dict, JSON text, or anything) in one line; bounded work."""
    cut = False
    if isinstance(metadata, (str, bytes)):
        text = metadata.decode("utf-8", "replace") if isinstance(metadata, bytes) else metadata
        try:
            if len(text) > MAX_TEXT:
                metadata, cut = _object_prefix(text)
            else:
                metadata = json.loads(text)
        except (ValueError, RecursionError):
            return _cut(" ".join(text[:MAX_TEXT].split()), limit)
    if metadata is None or (metadata == {} and not cut):
        return ""
    if not isinstance(metadata, dict):
        return _cut(_scalar(metadata), limit)
    changes: list[str] = []
    plain: list[str] = []
    leaves = (
        item
        for key, value in metadata.items()
        if key not in _IDENTITY_KEYS
        for item in _walk(str(key), value, 1)
    )
    for changed, text in islice(leaves, MAX_LEAVES):
        (changes if changed else plain).append(text)
    cut = cut or next(leaves, None) is not None
    gist = SEPARATOR.join(changes + plain)
    if cut:
        gist = (gist + " " + ELLIPSIS) if gist else ELLIPSIS
    return _cut(gist, limit)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS
