"""core/strict_json.py: one JSON object from untrusted bytes, or a ValueError saying why not."""

from __future__ import annotations

import pytest

from auditviewer.core.strict_json import loads_object


def test_an_object_reads() -> None:
    assert loads_object(b'{"a": "x", "b": [1, {"c": null}]}') == {"a": "x", "b": [1, {"c": None}]}


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"a": {"b": 1, "b": 1}}', "duplicate key 'b'"),  # nested objects too
        (b'{"a": NaN}', "NaN is not valid JSON"),
        (b'{"a": -Infinity}', "-Infinity is not valid JSON"),
        (b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}", "nested deeper than 64 levels (limit max_json_depth)"),
        (b'{"a": "\xff"}', "not UTF-8 (byte 8)"),
        (b"[]", "not a JSON object"),
        (b'{"a": 1', "not JSON (Expecting ',' delimiter, column 8)"),
    ],
)
def test_what_is_refused_and_why(raw: bytes, why: str) -> None:
    with pytest.raises(ValueError) as info:
        loads_object(raw)
    assert str(info.value) == why


def test_brackets_inside_strings_are_not_depth() -> None:
    text = '{"a": "' + "[" * 500 + '\\"{{"}'
    assert loads_object(text.encode()) == {"a": "[" * 500 + '"{{'}
    assert loads_object(b'{"a": ' + b"[" * 64 + b"]" * 64 + b"}", max_depth=65)["a"]


def _depth_by_bytes(raw: bytes) -> int:
    """The nesting depth outside strings, one byte at a time (the reference)."""
    if raw.count(b"{") + raw.count(b"[") <= 1:  # one bracket at most: no scan (as _depth)
        return raw.count(b"{") + raw.count(b"[")
    deepest = depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
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


def test_depth_skips_strings_as_a_byte_scan_does() -> None:
    import random

    from auditviewer.core.strict_json import _depth

    rng = random.Random(15)
    for _ in range(20_000):
        raw = bytes(rng.choice(b'{}[]"\\a\n\xff') for _ in range(rng.randint(0, 40)))
        assert _depth(raw) == _depth_by_bytes(raw), raw
    assert _depth(b'{"a": "[[[[\\"[[", "b": [[1]]}') == 3
