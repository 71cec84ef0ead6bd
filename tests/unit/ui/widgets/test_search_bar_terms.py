"""Issue 11.10 in the viewer: the search bar shows the too-many-terms error and applies nothing."""

from __future__ import annotations

from typing import Any

from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.query.sql import compile_query
from auditviewer.ui.widgets.search_bar import SearchBar


def test_search_bar_refuses_a_pasted_list(qtbot: Any) -> None:
    bar = SearchBar(compile_query)
    qtbot.addWidget(bar)
    applied: list[str] = []
    bar.queryApplied.connect(applied.append)
    bar.set_text(" ".join(f"id{i}" for i in range(4_000)))
    assert applied == []
    assert bar.error() is not None
    assert f"too many search terms (at most {DEFAULT_LIMITS.max_query_terms})" in bar.error_label.text()
