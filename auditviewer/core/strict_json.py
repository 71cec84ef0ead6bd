"""One JSON object from untrusted bytes, strictly: UTF-8, no duplicate keys, no NaN, bounded depth.

Python's ``json`` keeps the last of two equal keys and accepts ``NaN``; ``msgspec``
keeps the last too. A record whose meaning depends on which duplicate a reader
keeps is refused here instead, before its fields are validated (by a
``msgspec.Struct``, with ``msgspec.convert``). Nesting deeper than ``max_depth`` is
refused without recursing. Every problem is a ``ValueError`` whose message says what
is wrong, for the caller to prefix with the file and line.

Used by the memory records and ``input/formats/manifest.py``; (``input/formats/entry.py``
still holds its own duplicate-key guard, for speed on every entry line.)
"""

from __future__ import annotations

import json
import re
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


#: A string literal, to its closing quote (or to the end when unterminated).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
#: Every byte but the four brackets (deleted with ``bytes.translate``).
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _depth(raw: bytes) -> int:
    """How deep objects and arrays nest, counted outside strings (iterative).

    Strings are cut out and every byte but the brackets deleted, in C; the loop
    then runs once per bracket, not once per byte (a 16 MiB manifest is mostly
    string text).
    """
    if raw.count(b"{") + raw.count(b"[") <= 1:
        return raw.count(b"{") + raw.count(b"[")
    deepest = depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in (0x7B, 0x5B):
            depth += 1
            deepest = max(deepest, depth)
        else:
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
