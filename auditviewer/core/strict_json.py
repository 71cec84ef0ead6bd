"""One JSON object from untrusted bytes, strictly: UTF-8, no duplicate keys, no NaN, bounded depth.

Python's ``json`` keeps the last of two equal keys and accepts ``NaN``; ``msgspec``
keeps the last too. A record whose meaning depends on which duplicate a reader
keeps is refused here instead, before its fields are validated (by a
``msgspec.Struct``, with ``msgspec.convert``). Nesting deeper than ``max_depth`` is
refused without recursing. Every problem is a ``ValueError`` whose message says what
is wrong, for the caller to prefix with the file and line.

(``input/formats/entry.py`` and ``input/formats/manifest.py`` still hold their own
duplicate-key guards; they are being changed on other branches and can move here.)
"""

from __future__ import annotations

import json
from typing import Any

from auditviewer.core.limits import DEFAULT_LIMITS


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key[:80]!r}")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)


def _depth(raw: bytes) -> int:
    """How deep objects and arrays nest, counted outside strings (iterative)."""
    if raw.count(b"{") + raw.count(b"[") <= 1:
        return raw.count(b"{") + raw.count(b"[")
    deepest = depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):
            depth -= 1
    return deepest


def loads_object(raw: bytes, *, max_depth: int = DEFAULT_LIMITS.max_json_depth) -> dict[str, Any]:
    """``raw`` as one JSON object; ``ValueError`` saying why it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start + 1})") from exc
    if _depth(raw) > max_depth:
        raise ValueError(f"nested deeper than {max_depth} levels (limit max_json_depth)")
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}, column {exc.colno})") from exc
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


__all__ = ["loads_object"]
