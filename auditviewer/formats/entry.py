"""Checking one entry's stored bytes against spec §2, without ever re-serializing them.

The leaf is hashed as stored; this module only decides whether it is a
well-formed entry and which ``seq`` it claims. Problems are returned as text
for a ``malformed_entry`` finding rather than raised, so one bad line never
stops a load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec

from auditviewer.limits import DEFAULT_LIMITS, Limits

MAX_SEQ = (1 << 63) - 1
REQUIRED_STRINGS = ("id", "time", "category", "action")
ACTOR_TYPES = frozenset({"user", "system", "api_key"})


class _Malformed(ValueError):
    pass


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Malformed(f"duplicate key {key[:80]!r}")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise _Malformed(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_without_duplicates, parse_constant=_reject_constant
)
_FAST_DECODE = msgspec.json.Decoder().decode
_FAST_ENCODE = msgspec.json.Encoder().encode
_FAST_ERRORS = (msgspec.DecodeError, msgspec.EncodeError, ValueError, TypeError, RecursionError)


def _too_deep(text: str, max_depth: int) -> bool:
    if text.count("{") + text.count("[") <= max_depth:
        return False
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
            if depth > max_depth:
                return True
        elif ch in "}]":
            depth -= 1
    return False


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """What one leaf says: its seq when readable, and what is wrong with it, if anything."""

    seq: int | None
    problem: str | None
    value: dict[str, Any] | None = None


def check_leaf(leaf: bytes, *, limits: Limits = DEFAULT_LIMITS, keep: bool = False) -> EntryCheck:
    """Decide whether ``leaf`` is a well-formed entry; ``keep`` returns the parsed object too."""
    if len(leaf) > limits.max_entry_bytes:
        return EntryCheck(None, f"entry is {len(leaf)} bytes, over the {limits.max_entry_bytes}-byte limit")
    # Fast path: exporters write canonical JSON (JCS). When decoding and
    # re-encoding gives back exactly the stored bytes, the leaf is valid UTF-8
    # and JSON, and no object lost a duplicate key (a dropped key would make
    # the output shorter). Anything else takes the strict, slower path below.
    if leaf.count(b"{") + leaf.count(b"[") <= limits.max_json_depth:
        try:
            fast = _FAST_DECODE(leaf)
            if isinstance(fast, dict) and _FAST_ENCODE(fast) == leaf:
                return _judge(fast, keep)
        except _FAST_ERRORS:
            pass
    try:
        text = leaf.decode("utf-8")
    except UnicodeDecodeError as exc:
        return EntryCheck(None, f"invalid UTF-8 at byte {exc.start}")
    if _too_deep(text, limits.max_json_depth):
        return EntryCheck(None, f"JSON nested deeper than {limits.max_json_depth} levels")
    try:
        value, end = _DECODER.raw_decode(text)
        if text[end:].strip(" \t\r\n"):
            raise _Malformed(f"unexpected text after the JSON value at column {end + 1}")
        if text[:1] in " \t\r\n" and not text.strip():
            raise _Malformed("empty line")
    except _Malformed as exc:
        return EntryCheck(None, str(exc))
    except json.JSONDecodeError as exc:
        return EntryCheck(None, f"not JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return EntryCheck(None, "JSON nested too deeply")
    if not isinstance(value, dict):
        return EntryCheck(None, f"entry is a JSON {type(value).__name__}, not an object")
    return _judge(value, keep)


def _judge(value: dict[str, Any], keep: bool) -> EntryCheck:
    seq = value.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        return EntryCheck(None, "field 'seq' is missing or not an integer >= 0")
    problem = _field_problem(value)
    return EntryCheck(seq, problem, value if keep else None)


def _field_problem(value: dict[str, Any]) -> str | None:
    for name in REQUIRED_STRINGS:
        if not isinstance(value.get(name), str):
            return f"field {name!r} is missing or not a string"
    actor = value.get("actor")
    if not isinstance(actor, dict):
        return "field 'actor' is missing or not an object"
    if not isinstance(value.get("metadata"), dict):
        return "field 'metadata' is missing or not an object"
    for name in ("resource", "title"):
        if name in value and value[name] is not None and not isinstance(value[name], dict):
            return f"field {name!r} is neither an object nor null"
    return None
