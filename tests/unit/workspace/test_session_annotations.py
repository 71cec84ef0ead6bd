"""The session hands annotations to the store on the query thread (the next filter compiled),
and never reuses a count made before they changed."""

from __future__ import annotations

from auditviewer.store.store import AnnotationRow, Store
from auditviewer.workspace.session import FilterState, WorkspaceInfo
from auditviewer.workspace.store_session import StoreSession
from tests.unit.store.test_store import batch_of, make_entry


def _session() -> StoreSession:
    store = Store()
    store.append(batch_of([make_entry(seq) for seq in range(6)]))
    store.finish()
    session = StoreSession(store, WorkspaceInfo(title="t", origin="o", organization="", inputs=[], exported_at_ms=None))
    session.finished = True
    return session


def test_written_by_the_next_filter_not_by_the_caller() -> None:
    session = _session()
    row = AnnotationRow(seq=2, leaf_hash="ab" * 32, tags=("x",), note="", author="hana")
    session.set_annotations([row])
    assert session.store.annotation_count() == 0  # the GUI thread wrote nothing
    assert session.view(FilterState(query="tag:x")).count() == 1  # the query thread did, first
    assert session.store.annotation_count() == 1


def test_counts_made_before_a_change_are_not_reused() -> None:
    session = _session()
    state = FilterState(query="annotated:yes")
    assert session.facet_counts(state, "category") == []
    session.set_annotations([AnnotationRow(seq=1, leaf_hash="ab" * 32, tags=("x",), note="", author="a")])
    assert session.facet_counts(state, "category") == [("Nakama Deployment", 1)]
    assert session.tag_counts(FilterState(tags=frozenset({"x"}))) == [("x", 1)]  # its own ticks left out


def test_leaf_hashes_of_runs_and_single_seqs() -> None:
    from auditviewer.integrity.chain import leaf_hash
    from auditviewer.workspace.leaf_hashes import leaf_hashes_of

    session = _session()
    got = leaf_hashes_of(session.store, [5, 0, 1, 2, 4, 2, 99])
    assert sorted(got) == [0, 1, 2, 4, 5]
    assert got[4] == [leaf_hash(make_entry(4).encode()).hex()]
