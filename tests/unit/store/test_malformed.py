"""Malformed lines as rows (issue 13, defect 8): a side table matched by the same search,
never part of ``entries``, its counts or its exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from auditviewer.core.domain import MALFORMED
from auditviewer.core.errors import QueryError
from auditviewer.store.store import Filter, MalformedLine, ResourceScope, Sort, Store
from tests.unit.store.test_store import batch_of, make_entry

LINES = [
    MalformedLine("a.jsonl", 4, b'{"seq":\x1b[2J "oops" \xff', "not JSON"),
    MalformedLine("a.jsonl", 9, b' {"seq": 5}', "whitespace before the entry"),
    MalformedLine("b.jsonl", 2, b"[1, 2]", "not an object", cut=True),
]


@pytest.fixture
def store() -> Store:
    s = Store()
    s.append(batch_of([make_entry(i) for i in range(5)]))
    s.finish()
    s.set_malformed_lines(LINES)
    return s


def test_status_malformed_finds_them_and_only_them(store: Store) -> None:
    assert store.malformed_count(Filter(query="status:malformed")) == 3
    view = store.create_view(Filter(query="status:malformed"))
    assert view.row_count == 0  # no entry is malformed: the rows are the side table's
    assert store.total_count() == 5  # entries alone
    assert store.malformed_total() == 3
    for other in ("status:verified", "status:unverified", "status:failed"):
        assert store.malformed_count(Filter(query=other)) == 0


def test_an_empty_filter_lists_them_in_log_order(store: Store) -> None:
    table = store.malformed_window(Filter(), 0, 10)
    assert list(zip(table.column("file").to_pylist(), table.column("line").to_pylist(), strict=True)) == [
        ("a.jsonl", 4), ("a.jsonl", 9), ("b.jsonl", 2)
    ]
    assert table.column("raw").to_pylist()[0] == LINES[0].raw  # the bytes as read
    assert table.column("cut").to_pylist() == [False, False, True]
    assert store.malformed_window(Filter(), 1, 1).column("line").to_pylist() == [9]
    assert store.malformed_window(Filter(), 3, 5).num_rows == 0


def test_a_word_search_matches_the_raw_text(store: Store) -> None:
    assert store.malformed_count(Filter(query="oops")) == 1
    assert store.malformed_count(Filter(query="nowhere")) == 0


def test_terms_on_entry_fields_exclude_them(store: Store) -> None:
    for query in ("actor:*", "seq:1..3", "category:*", "tag:x", "starred:yes", "annotated:yes"):
        assert store.malformed_count(Filter(query=query)) == 0, query
    # What a malformed line is not: it has no actor x and no annotation.
    assert store.malformed_count(Filter(query="-actor:x")) == 3
    assert store.malformed_count(Filter(query="annotated:no")) == 3


def test_facets_time_and_scope_exclude_them(store: Store) -> None:
    some = datetime(2020, 1, 1, tzinfo=UTC)
    for f in (
        Filter(categories=frozenset({None})),  # even "no category": a malformed line is not an entry
        Filter(actions=frozenset({"Update"})),
        Filter(time_start=some),
        Filter(scope=ResourceScope(type="title", id="t")),
    ):
        assert store.malformed_count(f) == 0
        assert store.malformed_window(f, 0, 10).num_rows == 0


def test_a_malformed_query_is_refused_as_for_entries(store: Store) -> None:
    with pytest.raises(QueryError):
        store.malformed_count(Filter(query="status:broken"))


def test_replaced_whole_and_never_in_entries(store: Store) -> None:
    store.set_malformed_lines(LINES[:1])
    assert store.malformed_total() == 1
    store.set_malformed_lines([])
    assert store.malformed_count() == 0
    view = store.create_view(Filter(), sort=Sort(column="seq"))
    states = store.window(view, 0, 10, columns=["state"]).column("state").to_pylist()
    assert MALFORMED not in states and len(states) == 5
    assert [b.num_rows for b in store.iter_leaves()] == [5]  # exports read entries alone


def test_the_table_is_not_in_a_workspace_file(tmp_path: object) -> None:
    from pathlib import Path

    database = Path(str(tmp_path)) / "w.duckdb"
    s = Store(database=database)
    s.append(batch_of([make_entry(i) for i in range(3)]))
    s.finish()
    s.set_malformed_lines(LINES)
    tables = {name for (name,) in s._fetchall(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    )}
    assert tables and "malformed" not in tables
    s.close()
