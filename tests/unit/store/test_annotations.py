"""The annotations table of a workspace: the query terms ``tag:``, ``starred:``, ``note:``,
``annotated:`` answered in DuckDB, the Tags facet, refreshing, locked-down and file stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditviewer.core.errors import QueryError
from auditviewer.query.sql import STAR_TAG, compile_query
from auditviewer.store.store import AnnotationRow, Filter, Sort, Store
from tests.unit.store.test_store import batch_of, make_entry

H = "ab" * 32


def _store(database: str | Path = ":memory:") -> Store:
    store = Store(database=database)
    store.append(batch_of([make_entry(seq, action=["Update", "Create"][seq % 2]) for seq in range(20)]))
    store.finish()
    return store


def _rows() -> list[AnnotationRow]:
    return [
        AnnotationRow(seq=2, leaf_hash=H, tags=("exfil-1", STAR_TAG), note="Bucket made PUBLIC", author="hana"),
        AnnotationRow(seq=5, leaf_hash=H, tags=("Exfil-2",), note="", author="hana"),
        AnnotationRow(seq=5, leaf_hash=H, tags=("exfil-2", "phishing"), note="seen twice", author="chen"),
        AnnotationRow(seq=9, leaf_hash=H, tags=(), note="odd 50% of the time", author="chen"),
    ]


def _seqs(store: Store, query: str) -> list[int]:
    view = store.create_view(Filter(query=query), sort=Sort())
    return [int(s) for s in store.window(view, 0, 100, columns=["seq"]).column("seq").to_pylist()]


@pytest.fixture
def store() -> Store:
    s = _store()
    s.set_annotations(_rows())
    s.lock_down()
    return s


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:exfil-1", [2]),
        ("tag:EXFIL-*", [2, 5]),
        ("tag:phish*", [5]),
        ("tag:exfil", []),
        (f"tag:{STAR_TAG}", [2]),
        ("starred:yes", [2]),
        ("starred:no", [s for s in range(20) if s != 2]),
        ("note:public", [2]),
        ("note:\"50%\"", [9]),
        ("note:twice action:Create", [5]),
        ("annotated:yes", [2, 5, 9]),
        ("annotated:no", [s for s in range(20) if s not in (2, 5, 9)]),
        ("-annotated:yes seq:0..3", [0, 1, 3]),
        ("tag:exfil-1 OR note:twice", [2, 5]),
        ("annotated:yes -starred:yes", [5, 9]),
    ],
)
def test_annotation_terms(store: Store, query: str, expected: list[int]) -> None:
    assert _seqs(store, query) == expected
    assert store.count_matching(Filter(query=query)) == len(expected)


def test_combined_with_a_text_search_and_refreshed(store: Store) -> None:
    # A search of the entry text is kept per query: new annotations must not meet a stale answer.
    assert _seqs(store, "evt_ tag:exfil-*") == [2, 5]
    store.set_annotations([AnnotationRow(seq=7, leaf_hash=H, tags=("exfil-3",), note="", author="hana")])
    assert _seqs(store, "evt_ tag:exfil-*") == [7]
    store.set_annotations([])
    assert _seqs(store, "tag:*") == []
    assert store.annotation_count() == 0


def test_tag_facet_counts_entries_in_the_filter(store: Store) -> None:
    # Most entries first, then by tag (case kept: two people may spell a tag two ways).
    assert store.tag_counts(Filter()) == [("Exfil-2", 1), ("exfil-1", 1), ("exfil-2", 1), ("phishing", 1), (STAR_TAG, 1)]
    assert store.tag_counts(Filter(query="action:Update")) == [("exfil-1", 1), (STAR_TAG, 1)]
    assert store.tag_counts(Filter(query="seq:10..19")) == []


def test_tag_facet_counts_an_entry_once_per_tag() -> None:
    s = _store()
    s.set_annotations(
        [
            AnnotationRow(seq=1, leaf_hash=H, tags=("x",), note="", author="a"),
            AnnotationRow(seq=1, leaf_hash=H, tags=("x",), note="", author="b"),
            AnnotationRow(seq=3, leaf_hash=H, tags=("x",), note="", author="a"),
        ]
    )
    assert s.tag_counts(Filter()) == [("x", 2)]


def test_a_file_store_keeps_annotations_out_of_its_file(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    s = _store(database)
    s.set_annotations(_rows())
    s.mark_complete(key="k")
    assert _seqs(s, "starred:yes") == [2]
    assert s.catalog_problem() is None  # the reuse proof still sees only the workspace's own tables
    s.close()
    again = Store(database=database, existing=True)
    assert again.annotation_count() == 0


def test_exports_read_on_their_own_cursor_see_the_annotations(store: Store) -> None:
    seqs = [s for batch in store.iter_leaves(Filter(query="tag:exfil-*")) for s in batch.column("seq").to_pylist()]
    assert seqs == [2, 5]


def test_values_reach_sql_only_as_parameters() -> None:
    compiled = compile_query("tag:\"x') OR 1=1 --\" note:\"'; DROP TABLE entries\"")
    assert "DROP" not in compiled.where and "1=1" not in compiled.where
    assert "x') OR 1=1 --" in compiled.params


@pytest.mark.parametrize(
    ("query", "message"),
    [("starred:maybe", "starred takes yes or no"), ("annotated:1", "annotated takes yes or no"),
     ('tag:""', "tag needs a name"), ('note:""', "note needs words")],
)
def test_bad_values_name_the_column(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        compile_query(query)
    assert caught.value.column is not None


@pytest.mark.parametrize(
    ("query", "reads"),
    [("tag:x", True), ("-starred:yes", True), ("a (b OR note:c)", True), ("annotated:no seq:1", True),
     ("actor:x dragon", False), ('"tag:x"', False), ("(unclosed", False), ("", False)],
)
def test_reads_annotations(query: str, reads: bool) -> None:
    from auditviewer.query.sql import reads_annotations

    assert reads_annotations(query) is reads
