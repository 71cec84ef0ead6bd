"""The part of a :class:`~auditviewer.store.store.Store` every other part builds on.

:class:`StoreConnection` opens DuckDB (UTC sessions, memory limits) and holds
the state the concerns share — the lock, the views, the kept search results —
and the one way to run a read (:meth:`StoreConnection._arrow`,
``_fetchall``, ``_fetchone``: under the lock, pending rows written first, a
DuckDB error turned into :class:`StoreError`). The store is one class made of
one part per concern, each in its own module and each a subclass of this one:
loading (:mod:`~auditviewer.store.ingest`), views and windows
(:mod:`~auditviewer.store.views`), counts (:mod:`~auditviewer.store.aggregates`),
composed in :mod:`auditviewer.store.store`. Mixins rather than free functions
because the parts share the lock and the connection on every call, and the
class stays the one public name callers use.

The rows a search of the entry text matches are kept here
(:meth:`StoreConnection._matching_rows`) because views and counts both read
them and loading forgets them."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

import duckdb
import pyarrow as pa

from auditviewer.core.errors import StoreError
from auditviewer.query.sql import SqlFilter
from auditviewer.store.filters import Filter
from auditviewer.store.schema import DISPLAY_COLUMNS, STATES, entries_with, select_list
from auditviewer.store.text_index import TextIndex, native_builder

if TYPE_CHECKING:
    from auditviewer.store.views import RidOrder, View

MiB: Final = 1 << 20
#: DuckDB's buffer memory for a file-backed (large) workspace, in bytes; beyond it,
#: it spills to a temporary folder beside the database file. With 1.5 GiB the viewer
#: with 1M entries loaded peaked at 1.3-1.5 GB; with 512 MiB, under 1 GB (issue 12).
#: Large entries raise it (ingest._LARGE_ENTRY_MEMORY_LIMIT).
_FILE_STORE_MEMORY_LIMIT: Final = 512 * MiB
DEFAULT_MAX_VIEWS = 4
# What kept search results carry: enough for the category and action facets,
# the histogram, the time range and log order (rid order) without the
# entries. Every column costs writing millions of values on a filter change.
_KEPT_COLUMNS: Final = frozenset({"rid", "time", "category", "action"})
_MAX_KEPT_MATCHES = 3
# A search that reads the entry text (words, meta.<path>) is worth keeping the
# results of; one on stored columns alone is cheaper to evaluate again than to
# keep. The compiler writes column names into SQL and values only as
# parameters, so the names are a reliable sign.
_READS_ENTRY_TEXT = re.compile(r"\b(leaf|metadata)\b")


def reads_text(where: str) -> bool:
    """Whether a compiled condition reads the entry text (see :data:`_READS_ENTRY_TEXT`)."""
    return _READS_ENTRY_TEXT.search(where) is not None


class StoreConnection:
    """The shared connection, lock and reads of a store (see the module docstring)."""

    def __init__(
        self,
        *,
        database: str | Path = ":memory:",
        threads: int | None = None,
        max_views: int = DEFAULT_MAX_VIEWS,
        read_only: bool = False,
    ) -> None:
        """Connect to ``database`` and set DuckDB up; the table is made (or a file
        reopened) by :class:`~auditviewer.store.store.Store`. ``read_only``: DuckDB
        never writes the file (a sealed workspace's, whose bytes its seal names)."""
        self._lock = threading.RLock()
        self._max_views = max(1, max_views)
        self._views: dict[int, View] = {}
        # Views in log order (see RidOrder), by view number; the others are a
        # table of rids in view order, the position being the rowid.
        self._rid_orders: dict[int, RidOrder] = {}
        # Block counts of the whole finished table (it no longer changes).
        self._entries_starts: list[int] | None = None
        self._view_numbers = itertools.count(1)
        self._kept: dict[tuple[str, str], str] = {}
        self._kept_numbers = itertools.count(1)
        # Which blocks of rows a word can be in, filled by loading (store/text_index.py):
        # for a database file only, whose text is zstd-compressed; a store in memory
        # (under 256 MiB of text, uncompressed) scans it quickly and loads faster without.
        self._text_index = TextIndex(native_builder() if str(database) != ":memory:" else None)
        # Set by stored_rows: large entries have their display columns checked as read.
        self._check_display_on_read = False
        # Rids in seq order (loaded in order, or re-numbered by finish()).
        self._in_seq_order = True
        self._finished = False
        self._locked = False
        # The verification states set by seq range (set_states), over the stored column:
        # (first seq, last seq, state), sorted and disjoint. See _state_sql.
        self._state_ranges: list[tuple[int, int, str]] = []
        # DuckDB's memory limit, for a database file (bytes); None in memory.
        self._memory_limit: int | None = None
        try:
            self._con = duckdb.connect(str(database), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the workspace database {database}: {exc}") from exc
        try:
            # Sessions read and show times in UTC, whatever the machine's zone.
            self._con.execute("SET TimeZone = 'UTC'")
            # DuckDB draws a progress bar on stdout for a statement over 2 s: it broke
            # `query --count`'s output and the benchmarks' (a checkpoint under load).
            self._con.execute("SET enable_progress_bar = false")
            if threads is not None:
                self._con.execute(f"SET threads = {int(threads)}")
            if str(database) != ":memory:":
                # A file-backed store is a large workspace: DuckDB would otherwise
                # take up to 80% of the machine's memory for its buffers. Beyond
                # this it spills to a temporary folder beside the database file.
                self._set_memory_limit(_FILE_STORE_MEMORY_LIMIT)
                # No vacuum at checkpoints: it merged the part-filled row groups that
                # each parallel INSERT leaves, rewriting (and compressing again) half
                # of the table: 1.0-1.8 s of a 1M-entry cold open, and a file of
                # 66-75 MB where 42 MB hold the same rows (freed blocks stay in it).
                self._con.execute("SET max_vacuum_tasks = 0")
            # An automatic checkpoint compresses the in-memory table: it
            # saves memory but costs seconds per million entries, and it
            # fires in the middle of loading or of set_states (making that
            # ten times slower). Large inputs use a database file instead,
            # which the load itself checkpoints (ingest._CHECKPOINT_BYTES):
            # DuckDB's own, after every 16 MB of write-ahead log, rewrote the
            # table's last row group whole each time (issue 11.11).
            self._con.execute("SET checkpoint_threshold = '1000 GiB'")
            # The investigator's annotations, in a database of their own (store/annotations.py).
            from auditviewer.store.annotations import ATTACH_ANNOTATIONS
            from auditviewer.store.malformed import ATTACH_MALFORMED

            for statement in (*ATTACH_ANNOTATIONS, *ATTACH_MALFORMED):
                self._con.execute(statement)
        except duckdb.Error as exc:
            self._con.close()
            raise StoreError(f"cannot prepare the workspace database: {exc}") from exc

    def _set_memory_limit(self, limit: int) -> None:
        self._con.execute(f"SET memory_limit = '{limit // MiB}MiB'")
        self._memory_limit = limit

    # -- life cycle ----------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._views.clear()
            self._rid_orders.clear()
            self._kept.clear()
            self._con.close()

    def interrupt(self) -> None:
        """Stop the statement running now, from another thread (a cancelled load: an
        INSERT of 250,000 rows or the finishing passes take seconds); it raises
        :class:`StoreError` in its own thread. Takes no lock: the statement holds it."""
        self._con.interrupt()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def finished(self) -> bool:
        return self._finished

    def total_count(self) -> int:
        """Entries in the workspace (loaded so far)."""
        return int(self._fetchone("SELECT count(*) FROM entries")[0])

    def _flush(self) -> None:
        """Write the rows still pending before a read (loading defines it, in
        :class:`~auditviewer.store.ingest.StoreIngest`; nothing is pending otherwise)."""


    # -- matching rows, kept per search ------------------------------------------

    def _matching_rows(self, filter: Filter, columns: set[str]) -> tuple[str, list[object]]:
        """A FROM item (SQL text and its parameters) of the rows ``filter`` matches,
        with at least ``columns`` and ``rid``.

        The costly part of a filter (a search of the entry text) is evaluated
        once and its rows kept (the :data:`_KEPT_COLUMNS`), so that a filter
        change — view, count, facets, histogram, scope tree — scans the entry
        text once, and clicking through facets and time ranges scans no entry
        text at all. A search of stored columns alone (fields, status, seq,
        time, a scope) is evaluated each time: scanning those columns again
        is cheaper than writing millions of kept rows.
        """
        self._flush()  # first: loading pending rows forgets kept matches (and indexes them)
        base = filter.base_sql(self._text_index.rows_for)
        selection = filter.selection_sql()
        if base.where == "TRUE" or not reads_text(base.where):
            both = base.and_(selection)
            return f"(SELECT * FROM {self._entries_sql()} WHERE {both.where})", list(both.params)
        kept = self._kept_matches(base)
        if columns <= _KEPT_COLUMNS:
            return f"(SELECT * FROM {kept} WHERE {selection.where})", list(selection.params)
        return (
            f"(SELECT * FROM {self._entries_sql()} WHERE rid IN (SELECT rid FROM {kept} WHERE {selection.where}))",
            list(selection.params),
        )

    def _kept_matches(self, base: SqlFilter) -> str:
        key = (base.where, repr(base.params))
        name = self._kept.pop(key, None)
        if name is None:
            name = f"matches_{next(self._kept_numbers)}"
            column_list = ", ".join(sorted(_KEPT_COLUMNS))
            try:
                self._con.execute(
                    f"CREATE TEMP TABLE {name} AS SELECT {column_list} FROM {self._entries_sql()} WHERE {base.where}",
                    base.params,
                )
            except duckdb.Error as exc:
                self._drop_table(name)
                raise StoreError(f"workspace query failed: {exc}") from exc
        self._kept[key] = name  # most recently used last
        while len(self._kept) > _MAX_KEPT_MATCHES:
            oldest = next(iter(self._kept))
            self._drop_table(self._kept.pop(oldest))
        return name

    def _forget_matches(self) -> None:
        """Entries or states changed: kept matches no longer hold."""
        while self._kept:
            _, name = self._kept.popitem()
            self._drop_table(name)

    # -- helpers ---------------------------------------------------------------

    def _check_view(self, view: View) -> None:
        if self._views.get(view.number) is not view:
            raise StoreError("this view was dropped; make a new one")

    def _columns(self, columns: Sequence[str] | None) -> tuple[str, ...]:
        if columns is None:
            return DISPLAY_COLUMNS
        unknown = [column for column in columns if column not in DISPLAY_COLUMNS]
        if unknown:
            raise StoreError(f"no column {unknown[0]!r}")
        return tuple(columns)

    def _state_sql(self, prefix: str = "") -> str | None:
        """The SQL expression of each row's verification state, None for the stored column.

        States change by checkpoint interval, not by row, so :meth:`set_states` keeps a
        few seq ranges here rather than rewriting the column of every row: that
        UPDATE, and the checkpoint that then rewrote the column, cost 2-3 s of a cold
        open of 1M entries. Reading the state is then a CASE over at most
        ``_FEW_STATE_RANGES`` ranges (many ranges are written to the column instead).
        Only integers and one of :data:`STATES` are written into the SQL text.
        """
        if not self._state_ranges:
            return None
        cases = " ".join(
            f"WHEN {prefix}seq BETWEEN {int(first)} AND {int(last)} THEN '{state}'"
            for first, last, state in self._state_ranges
            if state in STATES
        )
        return f"CASE {cases} ELSE {prefix}state END"

    def _entries_sql(self) -> str:
        """A FROM item of every entry with its display columns (``metadata``, the state)."""
        return entries_with(self._state_sql())

    def _select(self, columns: Sequence[str], prefix: str = "") -> str:
        """:func:`select_list` with this store's states."""
        return select_list(columns, prefix, self._state_sql(prefix))

    def _empty(self, columns: Sequence[str]) -> pa.Table:
        column_list = self._select(columns)
        return self._arrow(f"SELECT {column_list} FROM entries LIMIT 0")

    def _replace_rows(self, table: str, insert: str, params: list[object], what: str) -> None:
        """Replace every row of a side table (annotations, malformed lines) in one
        transaction: the old rows stay if the new cannot be written."""
        with self._lock:
            self._flush()
            try:
                self._con.execute("BEGIN TRANSACTION")
                try:
                    self._con.execute(f"DELETE FROM {table}")
                    if params and params[0]:
                        self._con.execute(insert, params)
                    self._con.execute("COMMIT")
                except duckdb.Error:
                    self._con.execute("ROLLBACK")
                    raise
            except duckdb.Error as exc:
                raise StoreError(f"cannot store {what}: {exc}") from exc

    def _drop_table(self, name: str) -> None:
        try:
            self._con.execute(f"DROP TABLE IF EXISTS {name}")
        except duckdb.Error as exc:
            raise StoreError(f"cannot drop {name}: {exc}") from exc

    def _arrow(self, sql: str, params: Sequence[object] = ()) -> pa.Table:
        with self._lock:
            self._flush()
            try:
                relation = self._con.sql(sql, params=list(params) or None)
                return relation.to_arrow_table()
            except duckdb.Error as exc:
                raise StoreError(f"workspace query failed: {exc}") from exc

    def _fetchall(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            self._flush()
            try:
                return self._con.execute(sql, list(params)).fetchall()
            except duckdb.Error as exc:
                raise StoreError(f"workspace query failed: {exc}") from exc

    def _fetchone(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
        rows = self._fetchall(sql, params)
        return rows[0]


# ---------------------------------------------------------------------------
# Module helpers
