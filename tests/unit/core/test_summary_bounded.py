"""The Summary column's work is bounded, whatever an entry's size (issue 17, item 3)."""

from __future__ import annotations

import json

from auditviewer.core.summary import ELLIPSIS, MAX_LEAVES, MAX_TEXT, SEPARATOR, summarize


def _huge(keys: int) -> dict[str, object]:
    meta: dict[str, object] = {f"k{i:06d}": i for i in range(keys)}
    meta["zz_change"] = {"before": "a", "after": "b"}
    return meta


def test_long_text_is_read_only_up_to_the_bound() -> None:
    text = json.dumps(_huge(95_000))
    assert len(text) > 50 * MAX_TEXT
    gist = summarize(text, limit=10**9)
    assert gist.startswith("k000000 0 · k000001 1")
    assert gist.endswith(ELLIPSIS)
    assert "zz_change" not in gist  # beyond the bound: not read at all
    assert len(gist) < MAX_TEXT


def test_parsed_metadata_walks_at_most_max_leaves() -> None:
    gist = summarize(_huge(95_000), limit=10**9)
    parts = gist.removesuffix(" " + ELLIPSIS).split(SEPARATOR)
    assert len(parts) == MAX_LEAVES
    assert gist.endswith(ELLIPSIS)


def test_small_metadata_unchanged() -> None:
    assert summarize(json.dumps({"a": 1, "b": {"before": 1, "after": 2}})) == "b 1 → 2 · a 1"
    assert not summarize({"a": 1}).endswith(ELLIPSIS)


def test_prefix_of_odd_text_is_total() -> None:
    for text in ("[" * 40_000, '{"a": ' + "[" * 40_000, " " * 40_000, '{"x":"' + "y" * 40_000 + '"}'):
        assert isinstance(summarize(text), str)
