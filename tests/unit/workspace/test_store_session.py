"""The store-backed session: loading, counts kept right, filters translated."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest

from auditviewer.core.errors import StoreError
from auditviewer.input.formats import jsonl
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import inputs as workspace
from auditviewer.workspace import store_session as loader
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import (
    StoreSession,
    load_session,
    no_collection_while_loading,
)
from tests.helpers.vectors import VECTOR_KEY, VECTORS


class Ctx:
    cancelled = False

    def __init__(self) -> None:
        self.trust = [VECTOR_KEY]
        self.partials: list[Any] = []
        self.stored: list[int] = []
        self.totals_seen: list[int] = []

    def progress(self, *a: Any, **k: Any) -> None:
        pass

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        self.stored.append(count)

    def partial(self, value: Any) -> None:
        self.partials.append(value)
        self.totals_seen.append(value.total())  # counted while loading


def test_load_counts_and_states() -> None:
    ctx = Ctx()
    session = load_session([str(VECTORS / "modified-entry")], ctx)
    try:
        assert isinstance(session, StoreSession) and ctx.partials == [session]
        assert session.total() == 3000  # not the count seen while loading
        assert session.report is not None and session.report.status == "failed"
        lo, hi = session.time_bounds()
        assert lo is not None and hi is not None and lo < hi
        failed = session.view(FilterState(query="status:failed"))
        assert failed.count() == 1024
        page = failed.window(0, 5)
        assert page.column("state").to_pylist() == ["failed"] * 5
        assert "time_ms" in page.column_names
        entry = session.entry(1500)
        assert entry is not None and entry[0]["seq"] == 1500 and entry[2] == "failed"
        assert session.info.organization == "Acme Games"
        assert session.info.exported_at_ms is not None
    finally:
        session.close()


def test_filters_translate() -> None:
    session = load_session([str(VECTORS / "valid-jsonl")], Ctx())
    try:
        everything = session.view(FilterState()).count()
        scoped = session.view(
            FilterState(scope=Scope("resource", resource_type="nakama_deployment",
                                    resource_id="dep_0010"))
        )
        assert 0 < scoped.count() < everything
        rows = session.scope_counts(FilterState())
        assert sum(r.count for r in rows) == everything
        facets = dict(session.facet_counts(FilterState(categories=frozenset({"Satori Deployment"})),
                                           "category"))
        assert sum(facets.values()) == everything  # own selection ignored
        bins, width = session.histogram(FilterState())
        assert sum(c for _, c in bins) == everything and width > 0
        ranged = session.view(FilterState(seq_range=(10, 19), sort_key="seq", descending=False))
        assert ranged.count() == 10 and ranged.row_of_seq(10) == 0
    finally:
        session.close()


def test_loading_gives_way_between_batches_and_collects_no_garbage(monkeypatch: Any) -> None:
    """The loader lets go of the GIL after every batch, and no garbage collection
    (half a second over a million entries, holding the GIL) runs while it loads."""
    assert gc.isenabled()
    collecting: list[bool] = []
    yields: list[int] = []
    ctx = Ctx()
    ctx.progress = lambda *a, **k: collecting.append(gc.isenabled())  # type: ignore[method-assign]
    monkeypatch.setattr(loader, "give_way", lambda: yields.append(len(ctx.stored)))
    session = load_session([str(VECTORS / "valid-jsonl")], ctx)
    try:
        assert collecting and not any(collecting)
        assert yields  # once per batch stored
        assert gc.isenabled()  # restored afterwards
    finally:
        session.close()


def test_overlapping_loads_restore_garbage_collection_once_both_end() -> None:
    """Two loads overlapping (one cancelled while the next starts): collection comes
    back only when the last one ends (it came back under the second one before)."""
    first = no_collection_while_loading()
    first.__enter__()
    second_in, second_out = threading.Event(), threading.Event()

    def other_load() -> None:
        with no_collection_while_loading():
            second_in.set()
            second_out.wait(5)

    thread = threading.Thread(target=other_load)
    thread.start()
    assert second_in.wait(5)
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second load still runs
    second_out.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_full_disk_mid_load_falls_back_to_memory_with_a_notice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Every workspace on disk, in this test's folder; the second batch written to a
    # file store fails as a full disk does. The load goes on in memory, says so, shows
    # the new session, and the failed store and its partial file go with the session.
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    databases = tmp_path / "cache" / "workspaces"
    real_append = Store.append
    stores: list[Store] = []

    def append(self: Store, batch: object) -> None:
        stores.append(self)
        if stores.count(stores[0]) == 2 and self is stores[0]:  # the file store's second batch
            raise StoreError("IO Error: No space left on device")
        real_append(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "append", append)
    # Batches of 1,000 lines, so the window has been shown rows before the failure.
    monkeypatch.setattr(
        workspace, "read_jsonl", lambda read, **kw: jsonl.read_jsonl(read, batch_lines=1000, **kw)
    )
    ctx = Ctx()
    session = load_session([str(VECTORS / "modified-entry")], ctx)
    try:
        assert stores.count(stores[0]) == 2 and session.store is not stores[0]
        assert len(ctx.partials) == 2 and ctx.partials[-1] is session  # the window moves to the new one
        assert session.total() == 3000
        assert session.report is not None and session.report.status == "failed"
        assert any("kept in memory" in n for n in session.notices)
        assert session.retired == [stores[0]]
        assert any(databases.glob("*.duckdb"))  # the first rows' file, until the session closes
    finally:
        session.close()
    assert not any(databases.glob("*.duckdb"))


def test_scope_counts_include_entries_naming_no_resource() -> None:
    """Issue 13.6: the scope tree of a plain export counts its 200 rows."""
    session = load_session([str(VECTORS / "dashboard-export.json")], Ctx())
    try:
        rows = session.scope_counts(FilterState())
        assert sum(r.count for r in rows) == 200
    finally:
        session.close()


def test_the_first_rows_are_shown_before_the_rest_of_the_first_batch() -> None:
    """The window gets the session once FIRST_ROWS rows are stored, not once DuckDB has
    derived the columns of a whole first batch (3,000 entries here, one batch)."""
    ctx = Ctx()
    session = load_session([str(VECTORS / "valid-jsonl")], ctx)
    try:
        assert ctx.partials == [session]
        assert ctx.totals_seen == [loader.FIRST_ROWS] and loader.FIRST_ROWS < 3000
        assert session.total() == 3000
        assert session.view(FilterState()).count() == 3000
    finally:
        session.close()


def test_first_rows_of_a_word_search_are_the_first_page_of_its_view(monkeypatch: pytest.MonkeyPatch) -> None:
    session = load_session([str(VECTORS / "valid-jsonl")], Ctx())
    try:
        # No first page in a workspace the first page's reading would cover whole (3,000 rows).
        assert session.first_rows(FilterState(query="dragon"), 50) is None
        monkeypatch.setattr(loader, "FIRST_ROWS_READ", 1_000)
        session.meta_columns = (("image", "after"),)
        for query, descending in (("dragon", True), ("drag*n", False)):
            state = FilterState(query=query, descending=descending)
            first = session.first_rows(state, 50)
            assert first is not None and first.count() == 50
            view = session.view(state)
            assert first.window(0, 50).equals(view.window(0, 50))
            seq = first.window(7, 1).column("seq")[0].as_py()
            assert first.row_of_seq(seq) == 7 and first.row_of_seq(-1) is None
        # Quick views have nothing to show first: kept matches, no words, another order.
        assert session.first_rows(FilterState(query="dragon"), 50) is None
        assert session.first_rows(FilterState(query="action:update"), 50) is None
        assert session.first_rows(FilterState(query="hana", sort_key="actor"), 50) is None
        assert session.first_rows(FilterState(query="absent-word"), 50) is None  # nothing to show
    finally:
        session.close()
