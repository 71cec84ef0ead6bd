"""``Store.first_rows``: a search's first page in log order without making its view,
the same rows the view's first window shows, whatever the filter and the span read."""

from __future__ import annotations

import pyarrow as pa
import pytest

from auditviewer.store import views
from auditviewer.store.store import Filter, Sort, Store


def _store(seqs: list[int]) -> Store:
    store = Store()
    leaves = [f"entry {seq} {'dragon' if seq % 7 == 0 else 'other'} {'rare' if seq == 901 else ''}" for seq in seqs]
    store.append(pa.table({"seq": pa.array(seqs, pa.int64()), "leaf": pa.array([leaf.encode() for leaf in leaves])}))
    return store


def _first_window(store: Store, selection: Filter, count: int, descending: bool = False) -> list[int]:
    view = store.create_view(selection, sort=Sort(descending=descending))
    return list(store.window(view, 0, count, columns=["seq"]).column("seq").to_pylist())


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("span", [1, 3, 1000])
@pytest.mark.parametrize("query", ["dragon", "-dragon", "rare", "absent", "", "dragon OR rare", "seq:500..600 dragon"])
def test_first_rows_are_the_first_window_of_the_view(
    monkeypatch: pytest.MonkeyPatch, span: int, query: str, descending: bool
) -> None:
    monkeypatch.setattr(views, "FIRST_ROWS_SPAN", span)
    store = _store(list(range(1000)))
    store.finish()
    try:
        for count in (1, 5, 100):
            selection = Filter(query=query)
            got = store.first_rows(selection, count, columns=["seq"], descending=descending)
            assert got.column("seq").to_pylist() == _first_window(store, selection, count, descending)
        assert store.first_rows(Filter(query=query), 0).num_rows == 0
    finally:
        store.close()


def test_first_rows_while_rows_are_out_of_seq_order() -> None:
    store = _store([14, 3, 7, 0, 21])  # not finished: rids are not in seq order
    try:
        got = store.first_rows(Filter(query="dragon"), 2, columns=["seq", "leaf"])
        assert got.column("seq").to_pylist() == [0, 7]
        assert got.column("leaf").to_pylist()[0] == "entry 0 dragon "
        newest = store.first_rows(Filter(query="dragon"), 2, columns=["seq"], descending=True)
        assert newest.column("seq").to_pylist() == [21, 14]
    finally:
        store.close()


def test_first_rows_carry_the_window_columns_and_metadata() -> None:
    store = Store()
    leaves = [b'{"seq":0,"metadata":{"image":{"after":"v2"}},"x":"dragon"}', b'{"seq":1,"x":"dragon"}']
    store.append(pa.table({"seq": pa.array([0, 1], pa.int64()), "leaf": pa.array(leaves)}))
    store.finish()
    try:
        selection = Filter(query="dragon")
        view = store.create_view(selection)
        window = store.window(view, 0, 10, meta=[("image", "after")])
        first = store.first_rows(selection, 10, meta=[("image", "after")])
        assert first.equals(window)
        assert first.column("meta_0").to_pylist() == ["v2", None]
        assert store.first_rows(Filter(query="absent"), 10, meta=[("a",)]).column_names == window.column_names
        assert store.first_rows(selection, 0).num_rows == 0
    finally:
        store.close()


def test_reads_entry_text_until_the_matches_are_kept() -> None:
    store = _store(list(range(10)))
    store.finish()
    try:
        assert store.reads_entry_text(Filter(query="dragon"))
        assert not store.reads_entry_text(Filter(query="seq:1..3"))
        assert not store.reads_entry_text(Filter())
        store.create_view(Filter(query="dragon"))
        assert not store.reads_entry_text(Filter(query="dragon"))  # kept: the view is quick
    finally:
        store.close()


def test_first_rows_read_at_most_about_max_read_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "FIRST_ROWS_SPAN", 10)
    store = _store(list(range(1000)))
    store.finish()
    try:
        # Spans of 10 then 40 rids: 50 read, from the end; seq 901 is 98 rows from it.
        assert store.first_rows(Filter(query="rare"), 5, descending=True, max_read=50).num_rows == 0
        assert store.first_rows(Filter(query="rare"), 5, descending=True, max_read=51).num_rows == 1
        partial = store.first_rows(Filter(query="dragon"), 100, columns=["seq"], max_read=50)
        assert partial.column("seq").to_pylist() == _first_window(store, Filter(query="dragon"), 100)[:8]
    finally:
        store.close()
