"""Sorting a view by a metadata value (issue 13, feature 3): ``Sort(column="meta", path=…)``
orders by the value's text, text order, entries without it last in either
direction, ties in log order (the sort's direction)."""

from __future__ import annotations

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store.store import META_SORT, Filter, Sort, Store
from tests.unit.store.test_store import batch_of, loaded, make_entry

# seq → the value of metadata.image.after (None: the entry has no such key)
VALUES = {0: "b", 1: None, 2: "10", 3: "a", 4: "9", 5: "b", 6: None, 7: "a"}


def _leaves() -> list[str | bytes]:
    leaves: list[str | bytes] = [
        make_entry(seq, metadata={"image": {"after": value}} if value is not None else {"other": 1})
        for seq, value in VALUES.items()
    ]
    leaves.append(b"not json at all")  # seq 8: no value either
    return leaves


def _seqs(store: Store, sort: Sort, flt: Filter | None = None) -> list[int]:
    view = store.create_view(flt, sort=sort)
    return store.window(view, 0, 100, columns=["seq"]).column("seq").to_pylist()


def test_ascending_is_text_order_with_entries_lacking_the_value_last() -> None:
    with loaded(_leaves()) as store:
        sort = Sort(column=META_SORT, path=("image", "after"))
        # "10" < "9" (text order); ties (a: 3, 7; b: 0, 5) in log order; no value last, in log order.
        assert _seqs(store, sort) == [2, 4, 3, 7, 0, 5, 1, 6, 8]


def test_descending_keeps_entries_lacking_the_value_last_and_ties_newest_first() -> None:
    with loaded(_leaves()) as store:
        sort = Sort(column=META_SORT, path=("image", "after"), descending=True)
        assert _seqs(store, sort) == [5, 0, 7, 3, 4, 2, 8, 6, 1]


def test_a_filtered_view_and_a_store_loaded_out_of_order_sort_the_same() -> None:
    leaves = _leaves()
    order = [5, 2, 8, 0, 7, 1, 4, 3, 6]
    store = Store()
    store.append(batch_of([leaves[i] for i in order], seqs=order))
    store.finish()
    with store:
        sort = Sort(column=META_SORT, path=("image", "after"))
        assert _seqs(store, sort) == [2, 4, 3, 7, 0, 5, 1, 6, 8]
        # A search of the entry text (its matches kept without the entry text): still sorted by it.
        assert _seqs(store, sort, Filter(query="hana")) == [2, 4, 3, 7, 0, 5, 1, 6]
        assert _seqs(store, sort, Filter(query="seq:0..4")) == [2, 4, 3, 0, 1]


def test_an_object_value_sorts_by_its_json_text_and_odd_keys_reach_no_sql() -> None:
    leaves = [
        make_entry(0, metadata={"k'); DROP TABLE entries; --": {"z": 1}}),
        make_entry(1, metadata={"k'); DROP TABLE entries; --": {"a": 1}}),
        make_entry(2, metadata={"k'); DROP TABLE entries; --": "plain"}),
    ]
    with loaded(leaves) as store:
        sort = Sort(column=META_SORT, path=("k'); DROP TABLE entries; --",))
        assert _seqs(store, sort) == [2, 1, 0]  # 'plain' < '{"a":1}' < '{"z":1}'
        assert store.total_count() == 3


def test_a_metadata_sort_needs_a_path_and_a_column_takes_none() -> None:
    with pytest.raises(StoreError, match="key path"):
        Sort(column=META_SORT)
    with pytest.raises(StoreError, match="key path"):
        Sort(column=META_SORT, path=("image", ""))
    with pytest.raises(StoreError, match="no key path"):
        Sort(column="time", path=("image",))
