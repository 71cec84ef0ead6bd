"""Checking one entry's stored bytes against spec §2, without ever re-serializing them.

The leaf is hashed as stored; this module only decides whether it is a
well-formed entry and which ``seq`` it claims. Problems are returned as text
for a ``malformed_entry`` finding rather than raised, so one bad line never
stops a load.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

import msgspec

from auditviewer.core.display import quoted
from auditviewer.core.limits import DEFAULT_LIMITS, Limits

MAX_SEQ = (1 << 63) - 1
REQUIRED_STRINGS = ("id", "time", "category", "action")
ACTOR_TYPES = frozenset({"user", "system", "api_key"})


class StrictJSONError(ValueError):
    """JSON text that breaks spec §2's rules; the message says which, for a person."""


_Malformed = StrictJSONError


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Malformed(f"duplicate key {quoted(key)}")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise _Malformed(f"{name} is not valid JSON")


#: Integers with more digits are kept as their text (:class:`BigNumber`), never converted:
#: Python refuses to convert over 4,300 digits, and converting is quadratic in the digits.
#: 19 digits hold every int64, so every valid ``seq`` is still an int.
MAX_INT_DIGITS = 20


class BigNumber:
    """An integer too long to convert, kept as written (spec §2: numbers other than seq are opaque).

    Not a ``str`` (it is no string) and not an ``int``: code that wants either sees
    neither, and :func:`dumps_opaque` writes it back as the digits it was.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"BigNumber({len(self.text)} characters)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BigNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _parse_int(text: str) -> int | BigNumber:
    return int(text) if len(text) <= MAX_INT_DIGITS else BigNumber(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_without_duplicates, parse_constant=_reject_constant, parse_int=_parse_int
)
_LOOSE_DECODER = json.JSONDecoder(parse_int=_parse_int)


def loads_opaque(text: str | bytes) -> Any:
    """``json.loads`` for stored leaves read after verification (exports, summaries).

    Numbers are never a reason to fail: integers too long to convert come back as
    :class:`BigNumber` (their text). Raises ValueError (or RecursionError) for text
    that is not JSON, as ``json.loads`` does.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _LOOSE_DECODER.decode(text)


class _HasBigNumber(Exception):
    pass


def dumps_opaque(
    value: Any, *, sort_keys: bool = False, ensure_ascii: bool = False, default: Any = None
) -> str:
    """Compact JSON text of a value read by :func:`loads_opaque`, each :class:`BigNumber` as written.

    The usual value holds none and costs one ``json.dumps``; ``default`` is as for it.
    """

    def refuse(item: Any) -> Any:
        if isinstance(item, BigNumber):
            raise _HasBigNumber
        if default is None:
            raise TypeError(f"{type(item).__name__} is not JSON serializable")
        return default(item)

    options: dict[str, Any] = {"ensure_ascii": ensure_ascii, "separators": (",", ":"), "sort_keys": sort_keys}
    try:
        return json.dumps(value, default=refuse, **options)
    except _HasBigNumber:
        pass
    numbers: list[str] = []
    marker = f"\x00{secrets.token_hex(8)}:"  # no input string can guess it

    def swap(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: swap(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [swap(v) for v in item]
        if isinstance(item, BigNumber):
            numbers.append(item.text)
            return f"{marker}{len(numbers) - 1}"
        return item

    text = json.dumps(swap(value), default=default, **options)
    quoted = json.dumps(marker, ensure_ascii=ensure_ascii)[1:-1]
    return re.sub('"' + re.escape(quoted) + '([0-9]+)"', lambda m: numbers[int(m.group(1))], text)


#: A JSON string escape that may name a surrogate code point (``\ud800``..``\udfff``).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> str | None:
    """The first string (key or value) of a decoded leaf holding an unpaired surrogate.

    The decoder joins every valid pair (``\\ud83d\\ude00``) into one code point, so
    any surrogate left in a decoded string came from an unpaired escape (I-JSON,
    RFC 7493 §2.1; spec §2).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None
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


#: The problem of a leaf whose first byte cannot begin JSON (readers may say it without check_leaf).
NOT_JSON_START = "not JSON: an entry is a JSON object starting with '{'"
#: First bytes that may begin a JSON text (or a non-ASCII byte, whose UTF-8 the full check names).
MAY_START_JSON = frozenset([b"", *(bytes([b]) for b in b'{["-0123456789tfn \t\r\n' + bytes(range(0x80, 0x100)))])
_NOT_OPENERS = bytes(b for b in range(256) if b not in b"{[\n")
_DICT = dict
_SHAPE = (int, str, str, str, str, dict, dict)  # seq, id, time, category, action, actor, metadata
_OPTIONAL = frozenset({dict, type(None)})  # resource, title (absent reads as None)


def _careful_indices(leaves: list[bytes], limits: Limits, joined: bytes | None) -> list[int]:
    """Leaves the fast path must not judge: over the size limit, or possibly nested too deep.

    A leaf with at most ``max_json_depth`` opening brackets (``{`` or ``[``,
    counted anywhere, strings included) cannot nest deeper than that, so only
    the others need the exact depth scan. Counting is done on the whole joined
    text at once (one C call) when it is given and aligned with ``leaves``.
    """
    limit, depth = limits.max_entry_bytes, limits.max_json_depth
    out: list[int] = []
    if leaves and max(map(len, leaves)) > limit:
        out.extend(i for i, leaf in enumerate(leaves) if len(leaf) > limit)
    openers = joined.translate(None, _NOT_OPENERS).split(b"\n") if joined is not None else []
    if len(openers) - len(leaves) not in (0, 1):  # not given, or not aligned: count leaf by leaf
        openers = [leaf.translate(None, _NOT_OPENERS) for leaf in leaves]
    if openers and max(map(len, openers)) > depth:
        out.extend(i for i, leaf in enumerate(leaves) if leaf.count(b"{") + leaf.count(b"[") > depth)
    return out


def fast_seqs(leaves: list[bytes], *, limits: Limits = DEFAULT_LIMITS, joined: bytes | None = None) -> list[int | None]:
    """For each leaf, its seq when the fast path proves it a well-formed entry with no problem, else None.

    A None says nothing bad by itself: that leaf must go through
    :func:`check_leaf`, which decides and explains. ``joined`` may be the
    leaves joined by newlines, optionally with a final newline (the JSONL text
    they were split from), which lets the depth pre-check run over all of them
    in one call. Judging is the same as :func:`check_leaf`'s fast
    path: the decoded value re-encodes to exactly the stored bytes (so it is
    valid UTF-8 and JSON with no duplicate key), it is an object, and its
    fields have the spec's types.
    """
    decode, encode = _FAST_DECODE, _FAST_ENCODE
    shape, optional, max_seq = _SHAPE, _OPTIONAL, MAX_SEQ
    out: list[int | None] = []
    append = out.append
    value: Any
    seq: Any
    for leaf in leaves:
        try:
            value = decode(leaf)
        except _FAST_ERRORS:
            append(None)
            continue
        if value.__class__ is _DICT and encode(value) == leaf:
            get = value.get
            seq = get("seq")
            if (
                (
                    seq.__class__,
                    get("id").__class__,
                    get("time").__class__,
                    get("category").__class__,
                    get("action").__class__,
                    get("actor").__class__,
                    get("metadata").__class__,
                )
                == shape
                and 0 <= seq <= max_seq
                and get("resource").__class__ in optional
                and get("title").__class__ in optional
            ):
                append(seq)
                continue
        append(None)
    for index in _careful_indices(leaves, limits, joined):
        out[index] = None
    return out


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """What one leaf says: its seq when readable, and what is wrong with it, if anything."""

    seq: int | None
    problem: str | None
    value: dict[str, Any] | None = None


def check_leaf(leaf: bytes, *, limits: Limits = DEFAULT_LIMITS, keep: bool = False) -> EntryCheck:
    """Decide whether ``leaf`` is a well-formed entry; ``keep`` returns the parsed object too."""
    if len(leaf) > limits.max_entry_bytes:
        # A JSONL line over the limit arrives cut to limit + 1 bytes, so say "over", not its size.
        return EntryCheck(None, f"entry is over the {limits.max_entry_bytes}-byte limit (max_entry_bytes)")
    if leaf[:1] not in MAY_START_JSON:
        # Not JSON from its first byte: said without parsing, so that a file of millions
        # of lines of garbage costs no JSON error per line.
        return EntryCheck(None, NOT_JSON_START)
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
    if leaf[:1].isspace():
        return EntryCheck(None, "whitespace before the opening '{' (spec §2: a leaf starts with '{')")
    try:
        value = strict_loads(text, max_depth=limits.max_json_depth)
    except StrictJSONError as exc:
        return EntryCheck(None, str(exc))
    if not isinstance(value, dict):
        return EntryCheck(None, f"entry is a JSON {type(value).__name__}, not an object")
    if not leaf.endswith(b"}"):
        # strict_loads allows whitespace after a value (checkpoint lines may carry it);
        # a leaf may not: its bytes are what is hashed, and "}\r" is not "}".
        return EntryCheck(None, "whitespace after the closing '}' (spec §2: a leaf ends with '}'; a CRLF line keeps its CR)")
    return _judge(value, keep)


def strict_loads(text: str, *, max_depth: int) -> Any:
    """One JSON value under spec §2's rules (I-JSON), or :class:`StrictJSONError` saying what is wrong.

    No duplicate member names at any depth, no NaN or Infinity, no escape that yields
    an unpaired surrogate, nothing after the value, nested at most ``max_depth``;
    integers too long to convert come back as :class:`BigNumber`. Entries and
    ``checkpoints.jsonl`` lines are both read by this one parser.
    """
    if _too_deep(text, max_depth):
        raise StrictJSONError(f"JSON nested deeper than {max_depth} levels (limit max_json_depth)")
    try:
        value, end = _DECODER.raw_decode(text)
        if text[end:].strip(" \t\r\n"):
            raise StrictJSONError(f"unexpected text after the JSON value at column {end + 1}")
        if text[:1] in " \t\r\n" and not text.strip():
            raise StrictJSONError("empty line")
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise StrictJSONError("JSON nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text) and (lone := _lone_surrogate(value)) is not None:
        where = _SURROGATE.search(lone)
        code = ord(lone[where.start()]) if where else 0
        raise StrictJSONError(f"a string escape yields the unpaired surrogate U+{code:04X} (not I-JSON)")
    return value


def _judge(value: dict[str, Any], keep: bool) -> EntryCheck:
    seq = value.get("seq")
    if isinstance(seq, BigNumber):
        return EntryCheck(None, f"field 'seq' has {len(seq.text.lstrip('-')):,} digits: not an integer from 0 to 2^63-1")
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
