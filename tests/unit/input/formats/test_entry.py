"""One leaf at a time: what makes an entry malformed (spec §2)."""

from __future__ import annotations

import pytest

from auditviewer.core.limits import Limits
from auditviewer.input.formats.entry import check_leaf
from tests.helpers.bundle_builder import make_entry


def test_a_good_entry_has_its_seq_and_no_problem() -> None:
    check = check_leaf(make_entry(7))
    assert (check.seq, check.problem) == (7, None)


def test_other_fields_are_allowed() -> None:
    assert check_leaf(make_entry(1, extra_field={"kept": True})).problem is None


@pytest.mark.parametrize(
    ("leaf", "reason"),
    [
        (b'{"seq":1,"seq":2}', "duplicate key"),
        (b"\xff\xfe{}", "invalid UTF-8"),
        (b"[1,2]", "not an object"),
        (b'"text"', "not an object"),
        (b"{", "not JSON"),
        (b'{"seq":NaN}', "not valid JSON"),
        (b'{"seq":-1}', "seq"),
        (b'{"seq":true}', "seq"),
        (b'{"seq":1.5}', "seq"),
        (b'{"seq":1} x', "unexpected text"),
        (b"[" * 100 + b"]" * 100, "nested"),
    ],
)
def test_unreadable_entries_have_no_seq(leaf: bytes, reason: str) -> None:
    check = check_leaf(leaf)
    assert check.seq is None
    assert check.problem is not None and reason in check.problem


def test_duplicate_key_deep_in_metadata_is_found() -> None:
    leaf = make_entry(3).replace(b'"after":"nakama:3.22.0"', b'"after":"nakama:3.22.0","after":"x"')
    check = check_leaf(leaf)
    assert check.problem is not None and 'duplicate key "after"' in check.problem


@pytest.mark.parametrize("field", ["id", "time", "category", "action", "actor", "metadata"])
def test_missing_required_field_keeps_seq_but_is_a_problem(field: str) -> None:
    import json

    entry = json.loads(make_entry(5))
    del entry[field]
    check = check_leaf(json.dumps(entry).encode())
    assert check.seq == 5
    assert check.problem is not None and field in check.problem


def test_entry_over_the_size_limit() -> None:
    check = check_leaf(make_entry(1, pad="x" * 2000), limits=Limits(max_entry_bytes=1000))
    assert check.problem is not None and "limit" in check.problem


@pytest.mark.parametrize("tail", [b" ", b"\t", b"\r", b"\r\n", b" \n", b"\xef\xbb\xbf"])
def test_anything_after_the_closing_brace_is_malformed(tail: bytes) -> None:
    # Spec §2: "It starts with { and ends with }: no whitespace or byte order mark before or
    # after it." A CRLF line's CR stays in its leaf, so a CRLF file's entries are malformed.
    check = check_leaf(make_entry(3) + tail)
    assert check.seq is None
    assert check.problem is not None


@pytest.mark.parametrize("head", [b" ", b"\t", b"\r", b"\n", b"\xef\xbb\xbf"])
def test_anything_before_the_opening_brace_is_malformed(head: bytes) -> None:
    check = check_leaf(head + make_entry(3))
    assert check.seq is None
    assert check.problem is not None


def test_whitespace_around_an_entry_is_named_in_the_problem() -> None:
    assert "after the closing '}'" in str(check_leaf(make_entry(3) + b"\r").problem)
    assert "before the opening '{'" in str(check_leaf(b" " + make_entry(3)).problem)
