"""The Summary column's one-line gist of metadata."""

from __future__ import annotations

from auditviewer.core.summary import summarize


def test_image_change_shows_tags() -> None:
    meta = {
        "image": {
            "before": "registry.heroiclabs.com/acme/nakama:3.21.0",
            "after": "registry.heroiclabs.com/acme/nakama:3.22.0",
        }
    }
    assert summarize(meta) == "image 3.21.0 → 3.22.0"


def test_nested_change_uses_inner_key_and_changes_come_first() -> None:
    meta = {
        "region": "eu-west",
        "config": {"session.token_expiry_sec": {"before": 7200, "after": 3600}},
    }
    assert summarize(meta) == "session.token_expiry_sec 7200 → 3600 · region eu-west"


def test_unchanged_pair() -> None:
    assert summarize({"tier": {"before": "s-1", "after": "s-1"}}) == "tier s-1 (unchanged)"


def test_plain_values_and_commit_shortened() -> None:
    meta = {
        "branch": "main",
        "commit": "c9ca442765657fc90e9e779c34d0d2259d2c3c5b",
        "repository": "github.com/acme/builder-1",
    }
    assert summarize(meta) == "branch main · commit c9ca442 · repository github.com/acme/builder-1"


def test_scalars_lists_and_objects() -> None:
    meta = {"nodes": 8, "on": True, "off": None, "tags": ["a", "b"], "many": list(range(9))}
    assert summarize(meta) == "nodes 8 · on true · off null · tags [a, b] · many [9 items]"


def test_dashboard_identity_keys_left_out() -> None:
    meta = {"email": "a@b.example", "resource_name": "x", "plan": "pro"}
    assert summarize(meta) == "plan pro"


def test_json_text_and_malformed_text() -> None:
    assert summarize('{"plan": "pro"}') == "plan pro"
    assert summarize("not json\nat all") == "not json at all"
    assert summarize(b'{"plan": "pro"}') == "plan pro"


def test_empty_and_non_dict() -> None:
    assert summarize({}) == ""
    assert summarize(None) == ""
    assert summarize([1, 2]) == "[1, 2]"


def test_limit_elides() -> None:
    out = summarize({"note": "x" * 500}, limit=40)
    assert len(out) == 40
    assert out.endswith("…")


def test_deep_nesting_is_bounded() -> None:
    meta: dict[str, object] = {}
    cur = meta
    for _ in range(50):
        nxt: dict[str, object] = {}
        cur["k"] = nxt
        cur = nxt
    assert summarize(meta).startswith("k.k.k")
