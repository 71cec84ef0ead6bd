"""Metadata columns read with a window (issue 13, feature 3): the store extracts each
key path in the same query as the page, as ``meta_0``, ``meta_1``…"""

from __future__ import annotations

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store.store import Filter, Sort
from auditviewer.store.views import MAX_META_COLUMNS, META_CELL_CHARS
from tests.unit.store.test_store import loaded, make_entry


def test_a_window_carries_the_metadata_columns_asked_for() -> None:
    leaves = [
        make_entry(0, metadata={"image": {"after": "nakama:3.22.0"}, "n": 3}),
        make_entry(1, metadata={"a/b": {"~c": "slash", "d.e": "dot"}, "list": [1, "x"]}),
        make_entry(2, metadata={}),
        b"not json",
    ]
    with loaded(leaves) as store:
        view = store.create_view(sort=Sort(column="seq"))
        paths = [("image", "after"), ("n",), ("a/b", "~c"), ("a/b", "d.e"), ("list",), ("a/b",)]
        table = store.window(view, 0, 10, meta=paths)
        assert table.column_names[-len(paths):] == [f"meta_{i}" for i in range(len(paths))]
        rows = [[table.column(f"meta_{i}")[r].as_py() for i in range(len(paths))] for r in range(4)]
        assert rows[0] == ["nakama:3.22.0", "3", None, None, None, None]
        assert rows[1] == [None, None, "slash", "dot", '[1,"x"]', '{"d.e":"dot","~c":"slash"}']
        assert rows[2] == [None] * len(paths)
        assert rows[3] == [None] * len(paths)  # not JSON: no value, no error
        # The window's own columns are unchanged beside them.
        assert table.column("seq").to_pylist() == [0, 1, 2, 3]


def test_a_filtered_descending_view_and_an_empty_window_carry_them_too() -> None:
    leaves = [make_entry(i, metadata={"k": f"v{i}"}) for i in range(300)]
    with loaded(leaves) as store:
        view = store.create_view(Filter(query="meta.k:v1*"), sort=Sort(column="seq", descending=True))
        table = store.window(view, 0, 3, meta=[("k",)])
        assert table.column("meta_0").to_pylist() == ["v199", "v198", "v197"]
        log_order = store.create_view(sort=Sort(column="seq", descending=True))
        assert store.window(log_order, 1, 2, meta=[("k",)]).column("meta_0").to_pylist() == ["v298", "v297"]
        empty = store.window(view, 10_000, 5, meta=[("k",), ("x",)])
        assert empty.num_rows == 0 and empty.column_names[-2:] == ["meta_0", "meta_1"]


def test_a_huge_value_is_cut_and_too_many_columns_refused() -> None:
    leaves = [make_entry(0, metadata={"big": "x" * (META_CELL_CHARS * 3)})]
    with loaded(leaves) as store:
        view = store.create_view()
        value = store.window(view, 0, 1, meta=[("big",)]).column("meta_0")[0].as_py()
        assert value == "x" * META_CELL_CHARS
        with pytest.raises(StoreError, match="metadata columns"):
            store.window(view, 0, 1, meta=[("k",)] * (MAX_META_COLUMNS + 1))
