"""Loading a workspace for the window, and reading it: the store-backed Session.

:func:`load_session` runs in a worker: it opens the inputs, hands every leaf
batch to the verifier and to the store in one pass (so the first rows can be
shown while the rest loads), then records each entry's state from the report.
:class:`StoreSession` is how the window reads the store: thin translations of
the window's :class:`FilterState` into :class:`auditviewer.store.store.Filter`.
No Qt here.

Longer than 600 lines: the loader and the session it fills share their row
constants (``FIRST_ROWS``, ``FLUSH_EVERY_ROWS``, ``WINDOW_COLUMNS``) and one
session object that tests patch in one place; the next split moves
:class:`StoreView`/:class:`StoreSession` (the reading half, ~230 lines) to a
module of their own once no branch in flight edits them.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from auditviewer.core.domain import DEMO_ORIGIN
from auditviewer.core.entry_schema import table_columns
from auditviewer.core.errors import Cancelled, StoreError
from auditviewer.core.summary import MAX_TEXT as SUMMARY_TEXT
from auditviewer.core.summary import summarize
from auditviewer.core.times import parse_rfc3339_ms
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.integrity.report import Report
from auditviewer.query.sql import compile_query, field_term
from auditviewer.store.ingest import FLUSH_ROWS
from auditviewer.store.store import (
    META_SORT,
    AnnotationRow,
    Filter,
    ResourceScope,
    Sort,
    Store,
    TitleScope,
    View,
)
from auditviewer.workspace.cache import (
    CacheMismatch,
    DatabaseChoice,
    OpenedStore,
    choose_database,
    open_store,
    prove_reused,
    rebuild,
)
from auditviewer.workspace.inputs import Workspace, open_workspace
from auditviewer.workspace.loading import (
    finish_store,
    in_memory_instead,
    reading_into,
    remove_database,
    store_rows,
)
from auditviewer.workspace.malformed_view import WithMalformed, publish_malformed
from auditviewer.workspace.memory import verify_with_memory
from auditviewer.workspace.raw_lines import KeptLines
from auditviewer.workspace.scopes import ALL, ResourceCount
from auditviewer.workspace.seal import SealContext, SealedStore, open_sealed, seal_database
from auditviewer.workspace.session import FilterState, WorkspaceInfo
from auditviewer.workspace.session_annotations import SessionAnnotations
from auditviewer.workspace.verification import trusted_keys, verify_workspace

#: A metadata column's sort key: this, then its key path joined by dots (``meta.image.after``).
META_KEY_PREFIX = "meta."
#: The window's sort keys → store columns (Summary has no column: not sortable).
SORT_COLUMNS = {
    "state": "state",
    "time": "time",
    "event_type": "event_type",
    "actor": "actor_email",
    "resource": "resource_name",
    "title": "title_name",
    "seq": "seq",
    **{c.name: c.name for c in table_columns()},
}
#: Rows a search's first page is looked for in before its view (Store.first_rows'
#: first two spans: about 1.2M rows, 12% of a 10M workspace). A workspace of no more
#: rows gets no first page: it would read what the view reads (a rare word searched
#: twice: 330 ms and then 290 ms at 1M), for a view that takes a third of a second.
FIRST_ROWS_READ = 1_228_800
WINDOW_COLUMNS = (
    "seq",
    "time",
    "category",
    "action",
    "event_type",
    "actor_email",
    "actor_name",
    "resource_type",
    "resource_id",
    "resource_name",
    "title_name",
    "metadata",
    "state",
    *(c.name for c in table_columns()),  # the entry columns with a table column of their own
)
HISTOGRAM_BUCKETS = 120
CACHE_ENTRIES = 64
#: Flush appended rows to the table in the worker at least this often, so a
#: read on another thread never has a large insert to do first. As often as the
#: store flushes by itself (store.ingest.FLUSH_ROWS): every INSERT has a fixed cost, and
#: into a file store small ones are checkpointed one by one. Measured at 1M
#: entries (bench_ui, idle): every 32,768 rows, loaded in 19 s; every 250,000,
#: in 10-15 s, the longest GUI stall 53-86 ms either way.
FLUSH_EVERY_ROWS = FLUSH_ROWS
#: The first rows stored, and shown, before the rest of the first batch (a window's worth
#: and more; a table a person sees first, not a count).
FIRST_ROWS = 2_048

_loading_lock = threading.Lock()
_loading_count = 0
_collecting_before = True


@contextlib.contextmanager
def no_collection_while_loading() -> Iterator[None]:
    """No cyclic garbage collection while any workspace loads; restored when the last
    load ends (loads may overlap: one cancelled while the next starts).

    Loading makes millions of long-lived objects (leaf hashes); a full
    collection over them holds the GIL for half a second and freezes the
    window. Nothing made here forms cycles worth collecting meanwhile.
    """
    global _loading_count, _collecting_before
    with _loading_lock:
        if _loading_count == 0:
            _collecting_before = gc.isenabled()
            gc.disable()
        _loading_count += 1
    try:
        yield
    finally:
        with _loading_lock:
            _loading_count -= 1
            if _loading_count == 0 and _collecting_before:
                gc.enable()


def loading_now() -> bool:
    """Whether any workspace is loading (see :func:`no_collection_while_loading`)."""
    return _loading_count > 0


class Context(Protocol):
    """What the worker hands the loader (see :class:`auditviewer.ui.workers.JobContext`)."""

    @property
    def cancelled(self) -> bool: ...

    def progress(self, phase: str, done: int, total: int, *, force: bool = False) -> None: ...

    def rows_stored(self, count: int, *, force: bool = False) -> None: ...

    def partial(self, value: Any) -> None: ...

    def give_way(self) -> None: ...

    # Optional (read with getattr; a plain test context may lack them):
    # entries_read(count, expected) — progress in entries; on_cancel(callback) — called
    # when the load is cancelled (the store's interrupt is registered).


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class StoreView:
    """One store view as the table model's window source."""

    threaded = True  # the table model fetches its pages on the page thread

    def __init__(self, store: Store, view: View, meta: tuple[tuple[str, ...], ...] = ()) -> None:
        self.store = store
        self.view = view
        #: Metadata columns read with every window (``meta_0``…; the window's columns of
        #: choice). Set by the session; a new value applies to the next window read.
        self.meta = meta

    def count(self) -> int:
        return self.view.row_count

    def window(self, start: int, count: int) -> pa.Table:
        return shown_window(self.store.window(self.view, start, count, columns=WINDOW_COLUMNS, meta=self.meta))

    def row_of_seq(self, seq: int) -> int | None:
        return self.store.position_of(self.view, seq)

    def close(self) -> None:
        """Free the view's rows in the store (the model shows another now)."""
        self.store.drop_view(self.view)


class FirstRows:
    """A search's first rows as a window source, shown while its view is made
    (:meth:`StoreSession.first_rows`): a page already read, nothing to free."""

    threaded = False  # slices of a table in memory

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def count(self) -> int:
        return self.table.num_rows

    def window(self, start: int, count: int) -> pa.Table:
        return self.table.slice(start, count)

    def row_of_seq(self, seq: int) -> int | None:
        seqs = self.table.column("seq").to_pylist()
        return seqs.index(seq) if seq in seqs else None


def shown_window(table: pa.Table) -> pa.Table:
    """A window of the store as the table model reads it: a Summary column, times in ms."""
    # The Summary column, made here on the thread that fetches the window (never on
    # the GUI thread, which may receive this page with a new view): it reads at most
    # summary.MAX_TEXT characters of an entry's metadata, cut in Arrow first (no
    # Python string of a megabyte per row).
    at = table.schema.get_field_index("metadata")
    if at >= 0 and pa.types.is_string(table.schema.field(at).type):
        cut = pc.utf8_slice_codeunits(table.column(at), 0, SUMMARY_TEXT + 1)
        gists = [summarize(text) if text is not None else "" for text in cut.to_pylist()]
        table = table.remove_column(at).append_column("summary", pa.array(gists, pa.string()))
    # TIMESTAMPTZ → epoch ms, vectorised (no datetime object per row).
    micros = pc.cast(table.column("time"), pa.int64())
    ms = pc.divide(micros, 1000)
    return table.append_column("time_ms", ms).drop_columns(["time"])


class StoreSession(SessionAnnotations):
    """The window's reading of one workspace store (and, once verified, its report)."""

    def __init__(self, store: Store, info: WorkspaceInfo, report: Report | None = None) -> None:
        self.store = store
        self.info = info
        self.threaded = True  # answer filter changes on the query thread
        #: Metadata key paths every view's windows read as columns (the window's choice).
        self.meta_columns: tuple[tuple[str, ...], ...] = ()
        self.report = report
        self._total: int | None = None
        self._bounds: tuple[int | None, int | None] | None = None
        self._counts_final = False
        self._bounds_final = False
        self.finished = False
        self.notices: list[str] = []  # where the database lives, for the status bar
        #: Files that failed mid-load (one line each, naming the file); the rest loaded.
        self.file_errors: list[str] = []
        #: Problems with the remembered checkpoints (a corrupt file set aside, a failed write).
        self.memory_problems: list[str] = []
        #: The bytes of the lines that are not entries (the readers hand them on).
        self.kept_lines = KeptLines()
        #: Checkpoints newly remembered by this load (None: memory was off or not applicable).
        self.remembered: int | None = None
        #: Reopened by its seal (workspace/seal.py): the sealed report, nothing verified again.
        self.sealed = False
        #: The (closed) workspace and the keys it was verified with, for exporting
        #: (the export dialog's source is built from them: ``ui/window/export.py``).
        self.workspace: Workspace | None = None
        self.keys: list[VerifierKey] = []
        #: A store a full disk made the load give up (the window may have shown its first
        #: rows), closed with this session; and its partial database file, removed then.
        self.retired: list[Store] = []
        self.remove_on_close: list[str | Path] = []
        # Facets, timeline and scope counts of recent filters (the store does not
        # change once finished; sorting or scoping again needs no new counts).
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._annotations: list[AnnotationRow] | None = None  # see SessionAnnotations
        self._annotations_version = 0

    def _cached(self, key: tuple[Any, ...], make: Any) -> Any:
        if not self.finished:
            return make()
        key = (*key, self._annotations_version)  # a count made before a case change is never reused
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    # -- filters ---------------------------------------------------------
    def to_filter(self, state: FilterState, *, scope: bool = True) -> Filter:
        self._store_annotations()  # every view and count goes through here: they see the latest
        query = state.query.strip()
        if state.seq_range is not None:
            a, b = state.seq_range
            rng = f"seq:{a}..{b}"
            query = f"({query}) {rng}" if query else rng
        if state.tags:  # the Tags facet's ticks, as the query language's tag: terms
            tags = "(" + " OR ".join(field_term("tag", t) for t in sorted(state.tags)) + ")"
            query = f"({query}) {tags}" if query else tags
        scope_value: ResourceScope | TitleScope | None = None
        if scope and not state.scope.is_all:
            if state.scope.kind == "resource" and state.scope.resource_id is not None:
                scope_value = ResourceScope(
                    type=state.scope.resource_type or "", id=state.scope.resource_id
                )
            elif state.scope.kind == "title" and state.scope.title_id is not None:
                scope_value = TitleScope(id=state.scope.title_id)
        return Filter(
            query=query,
            scope=scope_value,
            categories=frozenset(state.categories),
            actions=frozenset(state.actions),
            time_start=_dt(state.start_ms),
            time_end=_dt(state.end_ms),
            query_tz=UTC if state.utc else local_zone(),
        )

    def check_query(self, text: str, utc: bool) -> None:
        compile_query(text, tz=UTC if utc else local_zone())

    # -- reading ---------------------------------------------------------
    def total(self) -> int:
        # Counted afresh while loading; once finished, counted once more and kept.
        if self._total is None or not self._counts_final:
            final = self.finished
            self._total = self.store.total_count() + self.store.malformed_total()  # rows, as shown
            self._counts_final = final
        return self._total

    def view(self, state: FilterState) -> WithMalformed:
        view = self.store.create_view(self.to_filter(state), sort=self.sort_of(state))  # malformed lines after:
        return WithMalformed(StoreView(self.store, view, self.meta_columns), self.store, view.filter)

    def first_rows(self, state: FilterState, count: int) -> FirstRows | None:
        """The first ``count`` rows of a search of the entry text in log order, read
        before its view, which then takes seconds at 10M (issue 12); None when the view
        is quick (no words searched, their matches kept, or a workspace of at most
        :data:`FIRST_ROWS_READ` rows), in another order, or when
        the first :data:`FIRST_ROWS_READ` rows hold no match (a rare word: its view is
        waited for, not read twice)."""
        sort = self.sort_of(state)
        if sort.column != "seq" or not self.finished or self.total() <= FIRST_ROWS_READ:
            return None
        selection = self.to_filter(state)
        if not self.store.reads_entry_text(selection):
            return None
        table = self.store.first_rows(
            selection,
            count,
            columns=WINDOW_COLUMNS,
            meta=self.meta_columns,
            descending=sort.descending,
            max_read=FIRST_ROWS_READ,
        )
        return FirstRows(shown_window(table)) if table.num_rows else None

    def sort_of(self, state: FilterState) -> Sort:
        """The store's order for the window's sort key: a column's, or a metadata
        column's (``meta.<path>``: its key path as shown, else the text split at dots)."""
        key = state.sort_key
        if key.startswith(META_KEY_PREFIX) and len(key) > len(META_KEY_PREFIX):
            path = next(
                (p for p in self.meta_columns if META_KEY_PREFIX + ".".join(p) == key),
                tuple(key[len(META_KEY_PREFIX):].split(".")),
            )
            if all(path):
                return Sort(column=META_SORT, path=path, descending=state.descending)
        return Sort(column=SORT_COLUMNS.get(key, "time"), descending=state.descending)

    def facet_counts(self, state: FilterState, facet: str) -> list[tuple[str | None, int]]:
        own = {"category": "categories", "action": "actions"}.get(facet)
        key_state = state.with_(sort_key="", descending=False, **({own: frozenset()} if own else {}))
        return list(self._cached(
            ("facet", facet, key_state),
            lambda: self.store.facet_counts(self.to_filter(state), facet),
        ))

    def time_bounds(self) -> tuple[int | None, int | None]:
        if self._bounds is None or not self._bounds_final:
            final = self.finished
            bounds = self.store.time_bounds()
            self._bounds = (None, None) if bounds is None else (_ms(bounds[0]), _ms(bounds[1]))
            self._bounds_final = final
        return self._bounds

    def histogram(self, state: FilterState) -> tuple[list[tuple[int, int]], int]:
        lo, hi = self.time_bounds()
        if lo is None or hi is None:
            return [], 1
        key = ("histogram", state.with_(sort_key="", descending=False))
        hist = self._cached(
            key, lambda: self.store.histogram(self.to_filter(state), HISTOGRAM_BUCKETS)
        )
        width_ms = max(1, int(hist.width / timedelta(milliseconds=1)))
        return [(_ms(s), c) for s, c in zip(hist.starts, hist.counts, strict=True)], width_ms

    def scope_counts(self, state: FilterState) -> list[ResourceCount]:
        key = ("scope", state.with_(sort_key="", descending=False, scope=ALL))
        tree = self._cached(key, lambda: self.store.scope_tree(self.to_filter(state, scope=False)))
        out: list[ResourceCount] = []
        for title in tree.titles:
            listed = 0
            for r in title.resources:
                out.append(ResourceCount(title.id, title.name, r.type, r.id, r.name, r.count))
                listed += r.count
            if title.count > listed:  # entries of the title naming no resource
                out.append(
                    ResourceCount(title.id, title.name, "title", title.id, title.name,
                                  title.count - listed)
                )
        for r in tree.untitled:
            out.append(ResourceCount(None, None, r.type, r.id, r.name, r.count))
        if tree.unscoped_count:  # entries naming no title and no resource (a plain export's)
            out.append(ResourceCount(None, None, None, None, None, tree.unscoped_count))
        return out

    def entry(self, seq: int) -> tuple[dict[str, Any], str, str | None] | None:
        row = self.store.entry(seq)
        if row is None:
            return None
        leaf = str(row.get("leaf") or "")
        try:
            value = json.loads(leaf)
        except (ValueError, RecursionError):
            value = None
        if not isinstance(value, dict):
            value = {"seq": seq, "leaf": leaf}
        return value, leaf, row.get("state")

    @property
    def origin(self) -> str | None:
        return self.workspace.origin if self.workspace is not None else self.info.origin

    def can_export(self) -> bool:
        return self.finished and self.report is not None and self.workspace is not None

    def close(self) -> None:
        self.store.close()  # a cached database file stays for the next opening
        for store in self.retired:
            store.close()
        for database in self.remove_on_close:
            remove_database(database)
        self.retired, self.remove_on_close = [], []


def give_way() -> None:
    """Let a thread waiting for the GIL (the GUI's) have it now, between two batches."""
    time.sleep(0)


def workspace_info(workspace: Any, paths: list[str]) -> WorkspaceInfo:
    manifests = list(workspace.manifests)
    org = ""
    for m in manifests:
        name = (m.organization or {}).get("name")
        if isinstance(name, str) and name:
            org = name
            break
    exported = [parse_rfc3339_ms(m.exported_at) for m in manifests if m.exported_at]
    exported_ms = max((e for e in exported if e is not None), default=None)
    names = ", ".join(Path(p).name or p for p in paths)
    title = org or (workspace.origin or "") or names
    return WorkspaceInfo(
        title=title,
        origin=workspace.origin,
        organization=org or "Organization",
        inputs=list(paths),
        exported_at_ms=exported_ms,
        key_hints=[k for m in manifests for k in m.keys],
    )


def is_demo_origin(origin: str | None) -> bool:
    """The built-in demo and samples are regenerated: their checkpoints are never remembered."""
    # DEMO_ORIGIN, not auditviewer.demo's: importing the sample writer (and nacl) here, at the end of a
    # load on the loading thread, held the GIL for ~60 ms.
    return origin is not None and (origin == DEMO_ORIGIN or origin.startswith(DEMO_ORIGIN + "-sample-"))


def load_session(paths: list[str], ctx: Context) -> StoreSession:
    """Open, store and verify ``paths`` as one workspace (runs in a worker).

    The same pass as :func:`auditviewer.workspace.loading.load` (verify every batch and
    store it; the database chosen by :mod:`auditviewer.workspace.cache`, so a
    large export opened again reuses its database), but the session is handed
    to the window as soon as the first rows are stored.

    ``ctx.memory`` (a :class:`CheckpointMemory`, or None) feeds the log's
    remembered checkpoints into the verification, and remembers this report's
    afterwards (never the demo's). A file that fails mid-load is an error for
    that file only (``session.file_errors``); the rest still loads.

    Meanwhile no garbage is collected (:func:`no_collection_while_loading`).
    """
    with no_collection_while_loading():
        return _load_session(paths, ctx)


def _load_session(paths: list[str], ctx: Context) -> StoreSession:
    workspace = open_workspace([Path(p) for p in paths])
    workspace.tolerate_file_errors = True
    extra = list(getattr(ctx, "trust", []) or [])
    memory: CheckpointMemory | None = getattr(ctx, "memory", None)
    opened: OpenedStore | None = None
    retired: list[Store] = []
    database: str | Path | None = None
    try:
        keys = trusted_keys(extra)
        choice = choose_database(workspace)
        database = choice.database
        context = SealContext.of(workspace, keys, memory) if choice.reusable else None
        workspace.seal_digests = context is not None  # the readers hash for a seal too
        if context is not None:
            sealed, _ = open_sealed(
                choice,
                workspace,
                context,
                cancelled=lambda: ctx.cancelled,
                progress=lambda done, total: ctx.progress("Checking the files", done, total),
            )
            if sealed is not None:
                return sealed_session(workspace, paths, sealed, choice, keys, memory, ctx)
        opened = open_store(choice)
        _interrupt_on_cancel(ctx, opened.store)
        # Giving way here rather than from the job's start keeps DuckDB's threads at the
        # GUI's priority for the session. Measured (bench_ui, 1M, idle): loaded in 9.1-13.4 s,
        # longest stall 45-89 ms, median 55 over 5 runs (from the start: 10-15 s, 53-86 ms).
        give_way = getattr(ctx, "give_way", None)
        if give_way is not None:
            give_way()
        findings_before = list(workspace.findings)
        try:
            session = _fill_session(workspace, paths, opened, keys, memory, ctx, context)
        except CacheMismatch as mismatch:
            # A reused file that does not hold exactly the rows read (edited in the
            # cache folder): nothing of it was shown; load afresh.
            opened = rebuild(opened, str(mismatch))
            _interrupt_on_cancel(ctx, opened.store)
            workspace.findings[:] = findings_before
            session = _fill_session(workspace, paths, opened, keys, memory, ctx, context)
        except (StoreError, duckdb.Error) as exc:
            if not opened.on_disk or ctx.cancelled:
                raise
            # Typically a full disk while writing the cache file: nothing the person
            # did wrong, so load again in memory and say so (as loading.load does).
            # The window may be showing the first rows from the failed store: it is
            # closed with the new session, once the window has moved to that one.
            retired.append(opened.store)
            opened = in_memory_instead(opened, exc)
            _interrupt_on_cancel(ctx, opened.store)
            workspace.findings[:] = findings_before
            session = _fill_session(workspace, paths, opened, keys, memory, ctx, None)
            session.retired = retired
            session.remove_on_close = [database]
        return session
    except BaseException:
        if opened is not None:
            opened.store.close()
            if opened.on_disk and not opened.reused and opened.path is not None:
                remove_database(opened.path)  # a file being built: nothing partial stays
        for store in retired:
            store.close()
        if retired and database is not None:
            remove_database(database)
        raise
    finally:
        workspace.close()


def sealed_session(
    workspace: Workspace,
    paths: list[str],
    sealed: SealedStore,
    choice: DatabaseChoice,
    keys: list[VerifierKey],
    memory: CheckpointMemory | None,
    ctx: Context,
) -> StoreSession:
    """The session of a sealed database, reopened read-only with its sealed report
    (``workspace/seal.py``): nothing is read or verified again; this report is
    remembered as after a full load."""
    store = sealed.store
    try:
        session = StoreSession(store, workspace_info(workspace, paths), sealed.report)
        session.sealed = True
        session.notices = [choice.notice] if choice.notice else []
        session.workspace = workspace
        session.keys = list(keys)
        origin = workspace.origin
        if memory is not None and origin and not is_demo_origin(origin):
            session.remembered = memory.remember(sealed.report, origin)
        if memory is not None:
            session.memory_problems = memory.take_problems()
        if ctx.cancelled:
            raise Cancelled("loading was cancelled")
        session.finished = True
        total = store.total_count()
        entries_read = getattr(ctx, "entries_read", None)
        if entries_read is not None:
            entries_read(total, total, force=True)
        ctx.partial(session)
        ctx.rows_stored(total, force=True)
    except BaseException:
        store.close()
        raise
    return session


def _interrupt_on_cancel(ctx: Context, store: Store) -> None:
    """A cancel interrupts the store's running statement (an INSERT, the finishing passes)."""
    on_cancel = getattr(ctx, "on_cancel", None)
    if on_cancel is not None:
        on_cancel(store.interrupt)


def _fill_session(
    workspace: Workspace,
    paths: list[str],
    opened: OpenedStore,
    keys: list[VerifierKey],
    memory: CheckpointMemory | None,
    ctx: Context,
    context: SealContext | None,
) -> StoreSession:
    """One pass over the workspace into ``opened``'s store; the session is handed to the
    window (``ctx.partial``) as soon as its first rows are stored. With ``context``,
    a shared file is sealed afterwards (``workspace/seal.py``)."""
    store = opened.store
    session = StoreSession(store, workspace_info(workspace, paths))
    session.notices = list(opened.notices)
    stored = 0
    since_flush = 0
    announced = threading.Event()
    # A reused file's rows are shown only once proven (after the pass, below).
    expected = workspace.known_entry_count()
    entries_read = getattr(ctx, "entries_read", None)
    if entries_read is not None:
        entries_read(0, expected, force=True)  # the total, before the first rows are shown

    def on_batch(batch: LeafBatch) -> None:
        nonlocal stored, since_flush
        n = batch.num_rows
        if n == 0:
            return
        rows = store_rows(batch)
        if not announced.is_set() and n > FIRST_ROWS:
            # The first rows go in alone, so the window shows them before DuckDB has
            # derived the columns of a whole batch (65,536 rows of Parquet: 0.2 s).
            store.append(rows.slice(0, FIRST_ROWS))
            store.total_count()
            announced.set()
            ctx.partial(session)
            rows = rows.slice(FIRST_ROWS)
        store.append(rows)
        stored += n
        since_flush += n
        if since_flush >= FLUSH_EVERY_ROWS or not announced.is_set():
            since_flush = 0
            store.total_count()  # flushes pending rows here, not on the GUI thread
            if not announced.is_set():
                announced.set()
                ctx.partial(session)
            ctx.rows_stored(stored)
        if entries_read is not None:
            entries_read(stored, expected)
        give_way()

    def progress(done: int, total: int) -> None:
        ctx.progress("Reading and verifying", done, total)
        if total > 0 and done >= total:  # every byte read: verify() judges the checkpoints
            ctx.progress("Checking signatures", 0, 0, force=True)

    handler = reading_into(opened, on_batch)

    def keep(batch: LeafBatch) -> None:
        session.kept_lines.add_batch(batch)  # a reused store's pass too: these are not stored
        if handler is not None:
            handler(batch)

    if memory is not None:
        report = verify_with_memory(
            workspace,
            keys,
            memory,
            on_batch=keep,
            progress=progress,
            cancelled=lambda: ctx.cancelled,
        )
    else:
        report = verify_workspace(
            workspace,
            keys,
            on_batch=keep,
            progress=progress,
            cancelled=lambda: ctx.cancelled,
        )
    if opened.reused:
        problem = prove_reused(store, opened.read, opened.stored)
        if problem is not None:
            raise CacheMismatch(problem)
    session.workspace = workspace
    session.keys = list(keys)
    session.file_errors = [str(e) for e in workspace.file_errors]
    origin = workspace.origin
    if context is not None and memory is not None and SealContext.of(workspace, keys, memory) != context:
        context = None  # the memory changed during the load: what was fed is not known
    if memory is not None and origin and not is_demo_origin(origin):
        session.remembered = memory.remember(report, origin)
    if memory is not None:
        session.memory_problems = memory.take_problems()
    if ctx.cancelled:
        raise Cancelled("loading was cancelled")
    if entries_read is not None:
        entries_read(stored, expected, force=True)
    ctx.progress("Storing", 0, 0, force=True)
    finish_store(opened, report)
    publish_malformed(store, session.kept_lines, session.notices)
    if not session.memory_problems:  # else the report depended on memory gone bad
        seal_database(opened, report, context, workspace)
    session.report = report
    session.finished = True
    if not announced.is_set():
        ctx.partial(session)
    ctx.rows_stored(store.total_count(), force=True)
    return session
