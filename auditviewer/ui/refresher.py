"""Filter changes answered off the GUI thread.

For a :class:`FilterState` the window needs a new view of the log, its count,
the facet counts, the timeline and the scope tree's counts: a few database
queries that take tens to hundreds of milliseconds on a million entries. The
:class:`Refresher` runs them on one long-lived thread; only the newest request
counts (older ones still queued are skipped), and the answer comes back as a
:class:`ViewResult` through ``resultReady`` on the GUI thread.

Sessions whose ``threaded`` is false (small in-memory ones, test
doubles) are answered in place, as is every request with ``threaded=False``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from auditviewer.core.errors import AuditViewerError
from auditviewer.ui.models.table_model import PAGE_SIZE
from auditviewer.workspace.malformed_view import RowKey, row_to_keep
from auditviewer.workspace.scopes import ResourceCount
from auditviewer.workspace.session import FilterState, Session, ViewSource

PART_TABLE = "table"  # view, count, facets
PART_CONTEXT = "context"  # timeline, scope tree, time bounds
ALL_PARTS = frozenset({PART_TABLE, PART_CONTEXT})


@dataclass(slots=True)
class ViewResult:
    request: int
    state: FilterState
    view: ViewSource | None = None
    total: int = 0
    facets: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)
    histogram: tuple[list[tuple[int, int]], int] | None = None
    scope_rows: list[ResourceCount] | None = None
    bounds: tuple[int | None, int | None] | None = None
    error: str | None = None
    keep_row: int | None = None  # where the entry to keep selected is in the new view
    #: The first rows of the view (and of the kept row's page), fetched with it,
    #: so the table shows them at once: {page number: Arrow table}.
    pages: dict[int, Any] = field(default_factory=dict)
    final: bool = True  # the last result of its request
    #: ``view`` is only the search's first rows, read while its view is made (issue 12):
    #: no count, facets or selection yet.
    preview: bool = False
    table_ms: float = 0.0  # view + count + facets
    total_ms: float = 0.0


def compute(
    session: Session,
    state: FilterState,
    parts: frozenset[str],
    request: int = 0,
    stale: Any = None,
    keep_seq: RowKey | None = None,
) -> ViewResult:
    """Run the queries for ``state``; ``stale()`` True stops early (result discarded)."""
    result = ViewResult(request=request, state=state)
    t0 = time.perf_counter()
    try:
        if PART_TABLE in parts:
            result.view = session.view(state)
            if stale is not None and stale():
                return result
            result.facets["category"] = session.facet_counts(state, "category")
            result.facets["action"] = session.facet_counts(state, "action")
            result.facets["tags"] = list(session.tag_counts(state))  # the investigator's (issue 14)
            result.total = session.total()
            if keep_seq is not None:
                result.keep_row = row_to_keep(result.view, keep_seq)  # a seq, or a malformed line's place
            if getattr(result.view, "threaded", False):
                count = result.view.count()
                wanted = {0} if result.keep_row is None else {0, result.keep_row // PAGE_SIZE}
                for page in sorted(wanted):
                    start = page * PAGE_SIZE
                    if start < count:
                        result.pages[page] = result.view.window(
                            start, min(PAGE_SIZE, count - start)
                        )
        result.table_ms = (time.perf_counter() - t0) * 1000
        if PART_CONTEXT in parts and not (stale is not None and stale()):
            result.bounds = session.time_bounds()
            result.histogram = session.histogram(state)
            result.scope_rows = session.scope_counts(state)
    except AuditViewerError as exc:
        result.error = str(exc)
    except Exception as exc:  # the window must hear of it, not the thread
        result.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    result.total_ms = (time.perf_counter() - t0) * 1000
    return result


def first_rows(session: Session, state: FilterState) -> ViewSource | None:
    """The first page of a view that takes long to make, or None (an error here is the
    view's too, and is reported with it)."""
    try:
        return session.first_rows(state, PAGE_SIZE)
    except AuditViewerError:
        return None


def preview_result(request: int, state: FilterState, rows: ViewSource) -> ViewResult:
    """A non-final result showing a search's first rows while its view is made."""
    return ViewResult(
        request=request,
        state=state,
        view=rows,
        pages={0: rows.window(0, rows.count())},
        final=False,
        preview=True,
    )


def _release(view: object) -> None:
    """Free a view nobody will show (the store keeps only a few)."""
    close = getattr(view, "close", None)
    if close is not None:
        with contextlib.suppress(AuditViewerError):
            close()


class _QueryWorker(QObject):
    finished = Signal(object)

    @Slot(object)
    def release(self, view: object) -> None:
        _release(view)

    def __init__(self, latest: list[int]) -> None:
        super().__init__()
        self._latest = latest

    @Slot(object, object, object, int, object)
    def run(
        self,
        session: Session,
        state: FilterState,
        parts: frozenset[str],
        request: int,
        keep_seq: RowKey | None,
    ) -> None:
        if request != self._latest[0]:
            # A newer request is queued behind this one: skip the work.
            self.finished.emit(ViewResult(request=request, state=state))
            return

        def stale() -> bool:
            return request != self._latest[0]

        if PART_TABLE in parts:
            preview = first_rows(session, state)
            if preview is not None and not stale():
                self.finished.emit(preview_result(request, state, preview))
        if PART_TABLE in parts and PART_CONTEXT in parts:
            # The table first, so it shows while the timeline and tree are counted.
            first = compute(session, state, frozenset({PART_TABLE}), request, stale, keep_seq)
            first.final = False
            if stale():
                _release(first.view)
                first.view = None
                first.final = True
                self.finished.emit(first)
                return
            self.finished.emit(first)
            parts = frozenset({PART_CONTEXT})
        result = compute(session, state, parts, request, stale, keep_seq)
        if stale():
            _release(result.view)
            result.view = None
        self.finished.emit(result)


class Refresher(QObject):
    """Answers :meth:`request` with ``resultReady(ViewResult)`` (newest request only)."""

    resultReady = Signal(object)
    _submit = Signal(object, object, object, int, object)
    _releaseView = Signal(object)

    def __init__(self, *, threaded: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threaded = threaded
        self._latest = [0]
        self._lock = threading.Lock()
        self._busy = 0
        self._thread: QThread | None = None
        self._worker: _QueryWorker | None = None
        if threaded:
            self._thread = QThread(self)
            self._thread.setObjectName("auditviewer-queries")
            self._worker = _QueryWorker(self._latest)
            self._worker.moveToThread(self._thread)
            self._submit.connect(self._worker.run)
            self._releaseView.connect(self._worker.release)
            self._worker.finished.connect(self._finished)
            self._thread.start()

    def request(
        self,
        session: Session,
        state: FilterState,
        parts: frozenset[str] = ALL_PARTS,
        *,
        keep_seq: RowKey | None = None,
    ) -> int:
        with self._lock:
            self._latest[0] += 1
            number = self._latest[0]
        if not (self.threaded and session.threaded):
            self._deliver(compute(session, state, parts, number, keep_seq=keep_seq))
            return number
        self._busy += 1
        self._submit.emit(session, state, parts, number, keep_seq)
        return number

    def release(self, view: object) -> None:
        """Free a view the table no longer shows, on the query thread (the store
        may be busy; the GUI must not wait for it)."""
        if view is None:
            return
        if self._thread is not None and getattr(view, "threaded", False):
            self._releaseView.emit(view)
        else:
            _release(view)

    def cancel_pending(self) -> None:
        """Forget every request made so far (a new workspace is coming)."""
        with self._lock:
            self._latest[0] += 1

    def pending(self) -> bool:
        return self._busy > 0

    @Slot(object)
    def _finished(self, result: ViewResult) -> None:
        if result.final:
            self._busy = max(0, self._busy - 1)
        self._deliver(result)

    def _deliver(self, result: ViewResult) -> None:
        if result.request == self._latest[0]:
            self.resultReady.emit(result)
        else:
            _release(result.view)

    def stop(self) -> None:
        self.cancel_pending()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)
            self._thread = None

    def quit(self) -> None:
        """Stop the thread without waiting (a tab closing); :meth:`finished` tells when it has."""
        self.cancel_pending()
        if self._thread is not None:
            self._thread.quit()

    def finished(self) -> bool:
        return self._thread is None or self._thread.isFinished()


class _PageWorker(QObject):
    pageReady = Signal(object, int, object, int)  # source, page, rows, generation
    entryReady = Signal(int, object, int)  # seq, (entry, leaf, state) or None, generation

    @Slot(object, int, int, int, object, int)
    def fetch_page(
        self, source: Any, page: int, start: int, count: int, convert: Any, generation: int
    ) -> None:
        try:
            rows = convert(source.window(start, count))
        except Exception:  # a dropped view, a closed store: nothing to show
            rows = []
        self.pageReady.emit(source, page, rows, generation)

    @Slot(object, int, int)
    def fetch_entry(self, session: Any, seq: int, generation: int) -> None:
        try:
            got = session.entry(seq)
        except Exception:
            got = None
        self.entryReady.emit(seq, got, generation)


class PageFetcher(QObject):
    """Fetches pages of rows and single entries on a thread of their own, so that
    the GUI never waits for the database (it shows a placeholder meanwhile)."""

    pageReady = Signal(object, int, object, int)
    entryReady = Signal(int, object, int)
    _fetchPage = Signal(object, int, int, int, object, int)
    _fetchEntry = Signal(object, int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = QThread(self)
        self._thread.setObjectName("auditviewer-pages")
        self._worker = _PageWorker()
        self._worker.moveToThread(self._thread)
        self._fetchPage.connect(self._worker.fetch_page)
        self._fetchEntry.connect(self._worker.fetch_entry)
        self._worker.pageReady.connect(self.pageReady)
        self._worker.entryReady.connect(self.entryReady)
        self._thread.start()

    def page(self, source: Any, page: int, start: int, count: int, convert: Any,
             generation: int) -> None:
        self._fetchPage.emit(source, page, start, count, convert, generation)

    def entry(self, session: Any, seq: int, generation: int) -> None:
        self._fetchEntry.emit(session, seq, generation)

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)
            self._thread = None

    def quit(self) -> None:
        """Stop the thread without waiting (a tab closing); :meth:`finished` tells when it has."""
        if self._thread is not None:
            self._thread.quit()

    def finished(self) -> bool:
        return self._thread is None or self._thread.isFinished()
