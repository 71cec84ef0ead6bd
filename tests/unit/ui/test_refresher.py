"""Refresher: filter changes answered on the query thread, newest request only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QObject, Slot

from auditviewer.ui.refresher import PART_TABLE, Refresher, ViewResult, compute
from auditviewer.workspace.session import FilterState
from tests.helpers.fake_session import FakeSession
from tests.helpers.vectors import VECTORS

ENTRIES = VECTORS / "valid-jsonl" / "entries" / "part-00000.jsonl"


class ThreadedSession(FakeSession):
    threaded = True

    def __init__(self) -> None:
        super().__init__(ENTRIES)
        self.threads: set[int] = set()
        self.released = 0

    def view(self, state: FilterState) -> Any:
        self.threads.add(threading.get_ident())
        view = super().view(state)
        session = self

        class Closing(type(view)):  # type: ignore[misc]
            def close(self) -> None:
                session.released += 1

        view.__class__ = Closing
        return view


class Sink(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[ViewResult] = []

    @Slot(object)
    def take(self, result: ViewResult) -> None:
        self.results.append(result)


def test_compute_parts() -> None:
    session = FakeSession(ENTRIES)
    r = compute(session, FilterState(query="hana"), frozenset({PART_TABLE}))
    assert r.view is not None and 0 < r.view.count() < 3000
    assert r.total == 3000 and "category" in r.facets
    assert r.histogram is None and r.scope_rows is None
    full = compute(session, FilterState(), frozenset({PART_TABLE, "context"}))
    assert full.histogram is not None and full.scope_rows and full.bounds


@pytest.fixture
def refresher() -> Iterator[Refresher]:
    r = Refresher()
    yield r
    r.stop()


def test_threaded_newest_wins(qtbot: Any, refresher: Refresher) -> None:
    sink = Sink()
    refresher.resultReady.connect(sink.take)
    session = ThreadedSession()
    for q in ("a", "b", "evt"):
        refresher.request(session, FilterState(query=q), keep_seq=5)
    qtbot.waitUntil(lambda: not refresher.pending(), timeout=10_000)
    # the table first, then the timeline and scope counts; only for the newest
    assert [r.state.query for r in sink.results] == ["evt", "evt"]
    table, context = sink.results
    assert table.view is not None and not table.final and table.keep_row is not None
    assert context.view is None and context.final and context.scope_rows is not None
    assert threading.get_ident() not in session.threads


def test_error_is_reported(qtbot: Any, refresher: Refresher) -> None:
    sink = Sink()
    refresher.resultReady.connect(sink.take)
    refresher.request(ThreadedSession(), FilterState(query="(oops"))
    qtbot.waitUntil(lambda: bool(sink.results), timeout=10_000)
    assert sink.results[0].error and "parenthesis" in sink.results[0].error


def test_in_place_for_plain_sessions(refresher: Refresher) -> None:
    got: list[ViewResult] = []
    refresher.resultReady.connect(got.append)
    refresher.request(FakeSession(ENTRIES), FilterState())
    assert len(got) == 1 and got[0].view is not None


class PreviewingSession(ThreadedSession):
    """Has a search's first rows to show before its view."""

    def first_rows(self, state: FilterState, count: int) -> Any:
        view = FakeSession.view(self, state)
        return type(view)(view.rows[:count], view.meta)


def test_first_rows_come_before_the_view(qtbot: Any, refresher: Refresher) -> None:
    sink = Sink()
    refresher.resultReady.connect(sink.take)
    refresher.request(PreviewingSession(), FilterState(query="hana"))
    qtbot.waitUntil(lambda: not refresher.pending(), timeout=10_000)
    preview, table, context = sink.results
    assert preview.preview and not preview.final and preview.view is not None
    assert preview.pages[0].num_rows == preview.view.count() <= 128 and not preview.facets
    assert not table.preview and table.view is not None and table.facets
    assert context.final and not context.preview
