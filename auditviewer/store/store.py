"""The workspace database: DuckDB owns every entry a workspace shows.

One :class:`Store` is one DuckDB database (in memory, or a file for large
inputs) holding one table, ``entries``. Its display columns (time, category,
actor, resource, ...) are derived from each entry's stored text *inside
DuckDB*, with vectorised JSON functions, so loading a million entries builds
no Python object per entry. The per-entry integrity state comes from the
verification report through :meth:`Store.set_states`, as seq ranges.

Reading is shaped for a table view of millions of rows: a :class:`View` is a
filtered, sorted result materialised once (a temporary table of row ids),
from which :meth:`Store.window` fetches any range of rows by position — never
by a deep ``OFFSET`` — plus counts, facets, a time histogram and the scope
tree. A view in log order (the default) needs no sort at all: see
:class:`~auditviewer.store.views.RidOrder`. Everything is returned as Arrow
tables or small dataclasses.

What is stored, and why (issue 16.1: a database at most 1.5 times its export):
the entry text (``leaf``, compressed with zstd: the bulk of the file, needed to
show, export and search words in entries) and the display columns searches
need fast (time, category, action, actor, resource, title, id: each short and
repetitive, compressed by DuckDB's own choice), plus seq, file, line and the
row id. ``metadata`` is derived on read; ``leaf_bytes`` is kept only for an
entry that is not valid UTF-8; the ``state`` column holds the state an entry
was appended with (``unverified`` from the loaders: one constant value per
row group, next to nothing on disk), and the report's states are laid over it
as a few seq ranges, never written to the file (a reused file's states are
evidence of nothing). Measured (``benchmarks/bench_open.py``, 1M entries; the
realistic sample with ``--sample`` and ``bench_scale.py --on-disk``): 42 MB =
0.08x the JSONL file and 0.44x the Parquet one for the benchmark's entries;
0.14x for 1M realistic sample entries as JSONL and 0.90x for 3M and for 10M
as Parquet (before this layout: 0.15x / 0.80x / 1.72x; before that, 0.46x and
2.4x; issue 16 measured 5.4x at 10M).

Compression, measured for 1M benchmark entries into a file (text only, then the
whole load): zstd on ``leaf`` writes fastest (0.6 CPU s, 22 MB) — uncompressed
text was slower to write (more to write: 519 MB) and DuckDB's own choice (FSST
or dictionary, after analysing each segment) took 6.8 s for a 271 MB file —
so ``leaf`` is zstd whatever the input, JSONL or Parquet. Two things made
the file database 1.6-1.8 times larger and cost 1-1.8 s of a cold open: the
UPDATE of every row's state (now ranges), and DuckDB's vacuum at the checkpoint,
which merged the part-filled row groups each parallel INSERT leaves and
compressed half the table again (off for file stores; see
:mod:`~auditviewer.store.connection`).

Loading cost is one INSERT per group of rows, in which DuckDB derives the
columns from one JSON parse per entry (without ``try()`` unless a batch holds
text that is not JSON: the parse is about 1.5 of the 2.2 CPU s an INSERT of
1M entries takes), on a thread of its own while the next rows are read and
verified (:meth:`~auditviewer.store.ingest.StoreIngest._flush_behind`; on the
shared machine measured it gained nothing, wall time equalling CPU time, for
about 150 MB more peak RSS; it uses a free core where there is one). Then
:meth:`Store.set_states` keeps the report's states as seq ranges, read
through a CASE (:meth:`~auditviewer.store.connection.StoreConnection._state_sql`;
:mod:`~auditviewer.store.states`); only more than 16 ranges are written into the
column (by an ASOF join). At 1M entries (``bench_open.py``, shared machine) a
cold open takes about 6.2 CPU s where DuckDB's ``read_json`` takes 2: ``verify``
about 2, the INSERTs about 2.2, the rest starting Python and reading the batches.

After loading, :meth:`Store.lock_down` forbids file and network access and
extension loading, and locks the configuration, so that no query the
application runs later can read other files. A database file marked complete
(:meth:`Store.mark_complete`) can be reopened instead of loaded again.

The class is composed of one part per concern, each in its own module:
:mod:`~auditviewer.store.schema` (the table and its columns),
:mod:`~auditviewer.store.filters` (:class:`Filter`, :class:`Sort`, scopes),
:mod:`~auditviewer.store.connection` (the connection, lock and reads),
:mod:`~auditviewer.store.ingest` (loading), :mod:`~auditviewer.store.states` (states),
:mod:`~auditviewer.store.views` (views, windows, entries) and
:mod:`~auditviewer.store.aggregates` (facets, histogram, time bounds, scope
tree). This module joins them and gives what proving a reused file needs
(:func:`auditviewer.workspace.cache.prove_reused`); callers import every public
name from here.

Thread safety: every method holds one lock, so a loading worker and the GUI
thread may share a store; streaming exports use their own cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from auditviewer.core.errors import StoreError
from auditviewer.store.aggregates import (
    Histogram,
    ResourceNode,
    ScopeTree,
    StoreAggregates,
    TitleNode,
)
from auditviewer.store.annotations import AnnotationRow, StoreAnnotations
from auditviewer.store.connection import DEFAULT_MAX_VIEWS
from auditviewer.store.filters import META_SORT, Filter, ResourceScope, Sort, TitleScope
from auditviewer.store.ingest import (
    INSERT_BYTES,
    LARGE_ENTRY_BYTES,
    StoreIngest,
    parts_by_bytes,
    valid_utf8,
)
from auditviewer.store.schema import (
    CREATE_ENTRIES,
    DATABASE_FORMAT,
    DERIVED_COLUMNS,
    DISPLAY_COLUMNS,
    EXPORT_BATCH_ROWS,
    FACET_FIELDS,
    SORTABLE_COLUMNS,
    STATES,
    entries_definition,
    with_fields,
)
from auditviewer.store.states import StateRange, StoreStates
from auditviewer.store.views import StoreViews, View

#: Large entries are read back for a proof in rid ranges of about this many bytes.
_READ_BYTES = 32 * 1024 * 1024

__all__ = [
    "DATABASE_FORMAT",
    "DISPLAY_COLUMNS",
    "FACET_FIELDS",
    "META_SORT",
    "SORTABLE_COLUMNS",
    "STATES",
    "AnnotationRow",
    "Filter",
    "Histogram",
    "ResourceNode",
    "ResourceScope",
    "ScopeTree",
    "Sort",
    "StateRange",
    "Store",
    "TitleNode",
    "TitleScope",
    "View",
]


class Store(StoreIngest, StoreStates, StoreViews, StoreAggregates, StoreAnnotations):
    """One workspace database. Load with :meth:`append` and :meth:`finish`."""

    def __init__(
        self,
        *,
        database: str | Path = ":memory:",
        threads: int | None = None,
        max_views: int = DEFAULT_MAX_VIEWS,
        existing: bool = False,
    ) -> None:
        """Open a workspace database; a file ``database`` is started afresh.

        ``max_views``: how many views are kept; making one more drops the oldest.
        ``existing``: reopen a file that :meth:`mark_complete` finished earlier
        (raises :class:`StoreError` when it is not one: damaged, incomplete,
        another format, or locked by another process).
        """
        super().__init__(database=database, threads=threads, max_views=max_views)
        try:
            if existing:
                self._adopt_existing()
            else:
                self._con.execute(CREATE_ENTRIES.replace("{table}", "entries"))
        except (duckdb.Error, StoreError) as exc:
            self._con.close()
            raise StoreError(f"cannot prepare the workspace database: {exc}") from exc
    # -- proving a reused file ---------------------------------------------------
    # A reopened file is untrusted until proven (docs/security.md, "Workspace
    # cache"): workspace_cache.prove_reused compares its rows with what this
    # run read and verified, through these three methods.

    def catalog_problem(self) -> str | None:
        """Why the file holds more or other than this version's tables, or None.

        A planted view, macro, sequence, index or type, or an ``entries``
        table of another definition (say a ``metadata`` column computed from
        something else), could show other data than the rows proven.
        """
        with self._lock:
            try:
                tables = self._con.execute(
                    "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database()"
                ).fetchall()
                others = self._con.execute(
                    """
                    SELECT (SELECT count(*) FROM duckdb_views() WHERE NOT internal)
                         + (SELECT count(*) FROM duckdb_functions() WHERE NOT internal)
                         + (SELECT count(*) FROM duckdb_sequences())
                         + (SELECT count(*) FROM duckdb_indexes())
                         + (SELECT count(*) FROM duckdb_types() WHERE NOT internal)
                    """
                ).fetchall()
            except duckdb.Error as exc:
                return f"its catalog cannot be read ({exc})"
        definitions = dict(tables)
        if set(definitions) != {"entries", "auditviewer_meta"}:
            return "it holds other tables than a workspace database's"
        if definitions["entries"] != entries_definition():
            return "its entries table has another definition"
        if others[0][0]:
            return "it holds views, macros or other objects a workspace database never has"
        return None

    def stored_rows(self, batch_rows: int = EXPORT_BATCH_ROWS) -> Iterator[pa.Table]:
        """Every row in rid order: ``seq``, ``leaf_bytes`` (the stored bytes where they are
        not the text's), ``source``, ``line``, and the text (``leaf``) with the display
        columns, for :meth:`derived_mismatches`.

        Read in rid ranges (the table is in rid order, so each is a narrow scan, and no
        sort of the whole table is needed), of about _READ_BYTES when entries are
        large: all of 320 entries of 880 KB at once would not fit the memory cap.
        """
        with self._lock:
            try:
                rows, text_bytes = self._con.execute(
                    "SELECT count(*), coalesce(sum(strlen(leaf)), 0) FROM entries"
                ).fetchall()[0]
            except duckdb.Error as exc:
                raise StoreError(f"cannot read the workspace database: {exc}") from exc
        # Small entries: display columns checked by one parallel query (derived_problem);
        # large ones: here, on the rows read, in parts that fit the memory cap.
        large = bool(rows) and text_bytes >= LARGE_ENTRY_BYTES * rows
        self._check_display_on_read = large
        columns = ", ".join(["seq", "leaf_bytes", "source", "line", "leaf", *(DERIVED_COLUMNS if large else ())])
        step = batch_rows
        if large:
            # Each range scans the row group's text again: ranges of _READ_BYTES (the
            # display check then parses them in parts of INSERT_BYTES).
            step = max(1, min(batch_rows, _READ_BYTES * rows // text_bytes))
        for low in range(0, int(rows) + step, step):
            with self._lock:
                try:
                    table = self._con.sql(
                        f"SELECT {columns} FROM entries WHERE rid >= ? AND rid < ? ORDER BY rid",
                        params=[low, low + step],
                    ).to_arrow_table()
                except duckdb.Error as exc:
                    raise StoreError(f"cannot read the workspace database: {exc}") from exc
            if table.num_rows == 0 and low >= rows:
                return
            yield table

    def derived_mismatches(self, rows: pa.RecordBatch | pa.Table) -> int:
        """How many of ``rows`` (from :meth:`stored_rows`) have a display column that
        their text does not give (the same expressions as loading).

        Checked on the rows already read, in parts of at most INSERT_BYTES of large
        entries (as they were loaded: parsed together they would not fit the
        memory cap, issue 11.11), on a cursor of its own.
        """
        table = pa.Table.from_batches([rows]) if isinstance(rows, pa.RecordBatch) else rows
        if not set(DERIVED_COLUMNS) <= set(table.column_names):
            return 0  # small entries: derived_problem checks them all at once
        checks = " AND ".join(f"{column} IS NOT DISTINCT FROM ({DERIVED_COLUMNS[column]})" for column in DERIVED_COLUMNS)
        differing = 0
        with self._lock:
            cursor = self._con.cursor()
            try:
                for part in parts_by_bytes(table, INSERT_BYTES):
                    cursor.register("proving_rows", part)
                    try:
                        differing += with_fields(
                            cursor,
                            f"""
                            SELECT count(*) FROM (
                                SELECT *, {{fields}} AS fields FROM proving_rows
                            ) WHERE NOT ({checks})
                            """,
                        )[0][0]
                    finally:
                        cursor.unregister("proving_rows")
            except duckdb.Error as exc:
                raise StoreError(f"cannot check the workspace database: {exc}") from exc
            finally:
                cursor.close()
        return int(differing)

    def derived_problem(self) -> str | None:
        """Why the rows' ids or kept bytes are not what loading makes, or None.

        Rids must be dense (0..n-1); the text of a row kept as bytes must be their
        lossy decoding, and those bytes must be ones loading keeps (not valid
        UTF-8); display columns must be what the text gives (here for small entries,
        by :meth:`derived_mismatches` as rows are read for large ones). States
        are not checked: :meth:`reset_states` clears them, and this run's report sets them.
        """
        with self._lock:
            try:
                rows, distinct, low, high = self._con.execute(
                    "SELECT count(*), count(DISTINCT rid), min(rid), max(rid) FROM entries"
                ).fetchall()[0]
                if rows and (distinct != rows or low != 0 or high != rows - 1):
                    return "its row ids are not dense"
                if not self._check_display_on_read:
                    checks = " AND ".join(
                        f"{column} IS NOT DISTINCT FROM ({DERIVED_COLUMNS[column]})" for column in DERIVED_COLUMNS
                    )
                    (differing,) = with_fields(
                        self._con,
                        f"""
                        SELECT count(*) FROM (
                            SELECT *, {{fields}} AS fields FROM entries
                        ) WHERE NOT ({checks})
                        """,
                    )[0]
                    if differing:
                        return f"{differing} row(s) have display columns their entry text does not give"
                kept = self._con.execute(
                    "SELECT leaf, leaf_bytes FROM entries WHERE leaf_bytes IS NOT NULL"
                ).fetchall()
            except duckdb.Error as exc:
                return f"its rows cannot be read ({exc})"
        for text, raw in kept:
            if valid_utf8(raw) or text != bytes(raw).decode("utf-8", errors="replace"):
                return "a row's text is not the display form of its stored bytes"
        return None
