"""``Store.first_rows``: a search's first page in log order without making its view,
the same rows the view's first window shows, whatever the filter and the span read."""

from __future__ import annotations

import pyarrow as pa
import pytest

from auditviewer.store import views
from auditviewer.store.store import Filter, Store


def _store(seqs: list[int]) -> Store:
    store = Store()
    leaves = [f"entry {seq} {'dragon' if seq % 7 == 0 else 'other'} {'rare' if seq == 901 else ''}" for seq in seqs]
    store.append(pa.table({"seq": pa.array(seqs, pa.int64()), "leaf": pa.array([leaf.encode() for leaf in leaves])}))
    return store


def _first_window(store: Store, selection: Filter, count: int) -> list[int]:
    view = store.create_view(selection)
    return list(store.window(view, 0, count, columns=["seq"]).column("seq").to_pylist())


@pytest.mark.parametrize("span", [1, 3, 1000])
@pytest.mark.parametrize("query", ["dragon", "-dragon", "rare", "absent", "", "dragon OR rare", "seq:500..600 dragon"])
def test_first_rows_are_the_first_window_of_the_view(
    monkeypatch: pytest.MonkeyPatch, span: int, query: str
) -> None:
    monkeypatch.setattr(views, "FIRST_ROWS_SPAN", span)
    store = _store(list(range(1000)))
    store.finish()
    try:
        for count in (1, 5, 100):
            selection = Filter(query=query)
            got = store.first_rows(selection, count, columns=["seq"]).column("seq").to_pylist()
            assert got == _first_window(store, selection, count)
        assert store.first_rows(Filter(query=query), 0).num_rows == 0
    finally:
        store.close()


def test_first_rows_while_rows_are_out_of_seq_order() -> None:
    store = _store([14, 3, 7, 0, 21])  # not finished: rids are not in seq order
    try:
        got = store.first_rows(Filter(query="dragon"), 2, columns=["seq", "leaf"])
        assert got.column("seq").to_pylist() == [0, 7]
        assert got.column("leaf").to_pylist()[0] == "entry 0 dragon "
    finally:
        store.close()
