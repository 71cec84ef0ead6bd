"""Search history per origin and saved searches; ``auditviewer query --saved`` / ``--save-as``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.casework.searches import (
    HISTORY_DEPTH,
    SavedSearch,
    SavedSearchError,
    SavedSearches,
    SearchHistory,
)
from auditviewer.cli import main
from auditviewer.store.store import ResourceScope
from tests.helpers.vectors import VECTORS

BUNDLE = str(VECTORS / "valid-jsonl")


def test_history_is_per_origin_deduplicated_newest_first_and_bounded(tmp_path: Path) -> None:
    h = SearchHistory("log-a", folder=tmp_path)
    for q in ("a", "b", "a", "  ", "c"):
        h.add(q)
    assert h.queries() == ["c", "a", "b"]
    assert SearchHistory("log-b", folder=tmp_path).queries() == []
    for i in range(HISTORY_DEPTH + 20):
        h.add(f"q{i}")
    again = SearchHistory("log-a", folder=tmp_path).queries()
    assert len(again) == HISTORY_DEPTH and again[0] == f"q{HISTORY_DEPTH + 19}"


def test_damaged_history_is_set_aside_and_named(tmp_path: Path) -> None:
    h = SearchHistory("log-a", folder=tmp_path)
    h.add("kept")
    h.path.write_bytes(h.path.read_bytes() + b'{"query": 5}\n')
    assert h.queries() == ["kept"]
    (problem,) = h.problems
    assert f"{h.path} line 2" in problem and "'query'" in problem
    assert any(p.name.endswith(".corrupt") for p in tmp_path.iterdir())


def test_saved_search_round_trip_and_filter(tmp_path: Path) -> None:
    saved = SavedSearches(folder=tmp_path)
    saved.save(
        SavedSearch(
            name="bucket",
            query="action:Update",
            time_start="2026-08-10T00:00:00Z",
            scope={"type": "resource", "resource_type": "nakama_deployment", "resource_id": "d1"},
            origin="log-a",
        )
    )
    saved.save(SavedSearch(name="all", query=""))
    assert SavedSearches(folder=tmp_path).names() == ["all", "bucket"]
    f = saved.get("bucket").to_filter()
    assert f.query == "action:Update" and f.scope == ResourceScope(type="nakama_deployment", id="d1")
    assert f.time_start is not None and f.time_start.year == 2026 and f.time_end is None
    with pytest.raises(SavedSearchError, match=r"'nope'.*'all', 'bucket'"):
        saved.get("nope")
    assert saved.remove("all") and saved.names() == ["bucket"]


def test_query_saved_runs_the_saved_search(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", BUNDLE, "-q", "seq:10..14", "--save-as", "five", "--count"]) == 0
    assert capsys.readouterr().out.strip() == "5"
    assert main(["query", BUNDLE, "--saved", "five", "--format", "jsonl"]) == 0
    seqs = [json.loads(line)["seq"] for line in capsys.readouterr().out.splitlines()]
    assert seqs == [10, 11, 12, 13, 14]


def test_query_saved_unknown_name_lists_the_saved_ones(capsys: pytest.CaptureFixture[str]) -> None:
    SavedSearches().save(SavedSearch(name="mine", query="action:Update"))
    assert main(["query", BUNDLE, "--saved", "other", "--count"]) == 2
    err = capsys.readouterr().err
    assert "no saved search is named 'other'" in err and "'mine'" in err and "Traceback" not in err


def test_query_saved_and_query_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["query", BUNDLE, "--saved", "x", "-q", "y"])
    assert info.value.code == 2
