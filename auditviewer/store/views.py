"""Reading rows: views materialised once, windows by position, positions, entries.

A :class:`View` is a filtered, sorted result kept as a temporary table of row
ids, from which :meth:`StoreViews.window` fetches any range of rows by position
(never by a deep ``OFFSET``). A view in log order needs no sort and no table
of its own: see :class:`RidOrder` (rids counted per :data:`_RID_BLOCK`).
:meth:`StoreViews.entry`, :meth:`StoreViews.seqs` and
:meth:`StoreViews.iter_leaves` read single entries and the exact stored bytes
for export."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import duckdb
import pyarrow as pa

from auditviewer.core.entry_schema import ENTRY_COLUMNS
from auditviewer.core.errors import StoreError
from auditviewer.query.sql import json_pointer
from auditviewer.store.connection import StoreConnection, reads_text
from auditviewer.store.filters import Filter, Sort
from auditviewer.store.schema import (
    DISPLAY_COLUMNS,
    EXPORT_BATCH_ROWS,
)

# Rows of a log-order view are counted per block of this many rids, so that a
# window finds its rids by a range scan (see RidOrder).
_RID_BLOCK: Final = 65_536
#: Rids :meth:`StoreViews.first_rows` reads first (two of DuckDB's row groups).
FIRST_ROWS_SPAN: Final = 2 * 122_880
#: Metadata columns a window reads at most, and the characters kept of each value.
MAX_META_COLUMNS: Final = 32
META_CELL_CHARS: Final = 4_096
#: Stored text columns a view sorts by rank: each distinct value's place among the
#: column's distinct values (a join of a few rows), then the rows by (rank, rid), two
#: integers, instead of by the text itself. Measured on 3M realistic entries, sort by
#: ``actor_email`` (10 distinct values): 1.1 s against 2.4-2.8 s (issue 12). ``state``
#: is not stored as shown (the report's ranges are laid over it): sorted as it reads.
RANKED_SORT_COLUMNS: Final = frozenset(
    {*(c.name for c in ENTRY_COLUMNS if c.kind != "time"), "source"}
)


@dataclass(frozen=True, eq=False, slots=True, kw_only=True)
class View:
    """A filtered, sorted result, materialised once; rows are fetched by position.

    Create with :meth:`Store.create_view`, read with :meth:`Store.window`.
    ``row_count`` is fixed when the view is made (it is a snapshot: entries
    loaded or states set afterwards show up in a new view).
    """

    filter: Filter
    sort: Sort
    row_count: int
    number: int = field(repr=False)

    @property
    def table_name(self) -> str:
        # Made of an integer only, so it is safe in SQL text.
        return f"view_{self.number}"


@dataclass(slots=True)
class RidOrder:
    """How a view in log order finds its rows, without a sort.

    Rids are dense and in seq order (the table's order once loaded in order,
    or re-numbered by finish()), so the view in seq order is its rids in
    ascending order (descending: the same, read from the other end). Its rids
    are kept unsorted in ``source`` (its own table, or ``entries`` itself for
    an unfiltered view of a finished store), counted per block of
    :data:`_RID_BLOCK` rids: ``starts[b]`` rows of the view have a rid below
    block ``b`` (``starts[-1]`` is every row). Position ``p`` (ascending) is in
    the block ``b`` with ``starts[b] <= p < starts[b + 1]``, the
    ``p - starts[b]``-th smallest rid there: a range scan and a sort of at most
    two blocks.
    """

    source: str
    starts: list[int]
    descending: bool

    def block_range(self, first: int, last: int) -> tuple[int, int, int]:
        """Rids ``lo..hi`` holding ascending positions ``first..last``, and where
        ``first`` is among them (how many of the view's rids in ``lo..hi`` come before)."""
        first_block = bisect.bisect_right(self.starts, first) - 1
        last_block = bisect.bisect_right(self.starts, last) - 1
        return (
            first_block * _RID_BLOCK,
            (last_block + 1) * _RID_BLOCK - 1,
            first - self.starts[first_block],
        )


def _block_starts(counts: Iterable[tuple[int, int]]) -> list[int]:
    """Prefix sums of ``(block, rows)`` counts: rows before each block, then all rows."""
    per_block = dict(counts)
    blocks = max(per_block, default=-1) + 1
    return list(itertools.accumulate((per_block.get(block, 0) for block in range(blocks)), initial=0))


def count_blocks(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """Where each block of rids of ``source`` starts in its rows (see :class:`RidOrder`)."""
    counts = con.execute(
        f"SELECT rid // {_RID_BLOCK} AS block, count(*) FROM {source} GROUP BY block"
    ).fetchall()
    return _block_starts((int(block), int(rows)) for block, rows in counts)


class StoreViews(StoreConnection):
    """Views, windows and single entries."""

    def create_view(self, filter: Filter | None = None, *, sort: Sort | None = None) -> View:
        """Materialise the rows ``filter`` matches in ``sort`` order; drops the oldest
        view beyond ``max_views``. Raises QueryError for a malformed query."""
        filter = filter or Filter()
        sort = sort or Sort()
        with self._lock:
            # Rids in seq order (always, once finished): log order is rid order.
            in_log_order = sort.column == "seq" and self._in_seq_order
            needed = {"rid"} if in_log_order else {*sort.needed, "seq"}
            if self._in_seq_order:
                needed.discard("seq")  # ties are broken by rid, the same order
            rows, params = self._matching_rows(filter, needed)
            number = next(self._view_numbers)
            name = f"view_{number}"
            order: RidOrder | None = None
            try:
                if in_log_order:
                    order = self._make_rid_order(name, filter, rows, params, sort.descending)
                    row_count = order.starts[-1]
                else:
                    # One sort, stored in order: the rowid is the position, so a
                    # window is a rowid range (no window function, no second sort).
                    self._con.execute(
                        f"""
                        CREATE TEMP TABLE {name} AS
                        {self._sorted_rids(rows, sort)}
                        """,
                        [*params, *sort.params()],
                    )
                    (row_count,) = self._fetchone(f"SELECT count(*) FROM {name}")
            except duckdb.Error as exc:
                self._drop_table(name)
                raise StoreError(f"cannot make the view: {exc}") from exc
            view = View(filter=filter, sort=sort, row_count=int(row_count), number=number)
            self._views[number] = view
            if order is not None:
                self._rid_orders[number] = order
            while len(self._views) > self._max_views:
                self.drop_view(self._views[min(self._views)])
            return view

    def _sorted_rids(self, rows: str, sort: Sort) -> str:
        """The SELECT of ``rows``' rids in ``sort`` order (see RANKED_SORT_COLUMNS)."""
        if not self._in_seq_order or sort.column not in RANKED_SORT_COLUMNS:
            return f"SELECT rid FROM {rows} ORDER BY {self._order_keys(sort)}"
        column = sort.column  # from SORTABLE_COLUMNS, never from user text
        direction = "DESC" if sort.descending else "ASC"
        # Ranks over the whole table's values keep the order of any subset's.
        return f"""
            WITH ranks AS (
                SELECT value, row_number() OVER (ORDER BY value) AS rank
                FROM (SELECT DISTINCT {column} AS value FROM entries WHERE {column} IS NOT NULL)
            )
            SELECT matched.rid FROM {rows} AS matched LEFT JOIN ranks ON matched.{column} = ranks.value
            ORDER BY ranks.rank {direction} NULLS LAST, matched.rid {direction}
        """

    def _order_keys(self, sort: Sort) -> str:
        if not self._in_seq_order:
            return sort.order_by()
        # seq and rid ascend together: rid alone breaks ties (and kept
        # search results need not carry seq).
        direction = "DESC" if sort.descending else "ASC"
        return f"{sort.key()} {direction} NULLS LAST, rid {direction}"

    def _make_rid_order(
        self, name: str, filter: Filter, rows: str, params: list[object], descending: bool
    ) -> RidOrder:
        if self._finished and filter.to_sql().where == "TRUE":
            # Every entry, and the table no longer changes: the view is the table.
            if self._entries_starts is None:
                self._entries_starts = count_blocks(self._con, "entries")
            return RidOrder(source="entries", starts=self._entries_starts, descending=descending)
        # Unsorted: a window sorts the one or two blocks it reads.
        self._con.execute(f"CREATE TEMP TABLE {name} AS SELECT rid FROM {rows}", params)
        return RidOrder(source=name, starts=count_blocks(self._con, name), descending=descending)

    def drop_view(self, view: View) -> None:
        """Forget a view and free its rows (dropping twice is harmless)."""
        with self._lock:
            if self._views.pop(view.number, None) is not None:
                self._rid_orders.pop(view.number, None)
                self._drop_table(view.table_name)

    def count(self, view: View) -> int:
        """Rows in ``view``."""
        self._check_view(view)
        return view.row_count

    def window(
        self,
        view: View,
        start: int,
        count: int,
        *,
        columns: Sequence[str] | None = None,
        meta: Sequence[Sequence[str]] = (),
    ) -> pa.Table:
        """Rows ``start .. start+count-1`` of ``view`` (fewer at its end), in view order.

        ``meta``: metadata key paths read in the same query, as text columns ``meta_0``,
        ``meta_1``… (the value's text, or its JSON for an object or array; NULL where the
        entry has none), each cut to :data:`META_CELL_CHARS` characters."""
        selected = self._columns(columns)
        if start < 0 or count < 0:
            raise StoreError(f"bad window {start}+{count}")
        if len(meta) > MAX_META_COLUMNS:
            raise StoreError(f"at most {MAX_META_COLUMNS} metadata columns")
        with self._lock:
            self._check_view(view)
            if count == 0 or start >= view.row_count:
                table = self._empty(selected)
                for i in range(len(meta)):
                    table = table.append_column(f"meta_{i}", pa.nulls(0, pa.string()))
                return table
            last = min(start + count, view.row_count) - 1
            # The paths go in as JSON Pointer parameters, ahead of the window's own.
            column_list, heads = self._window_columns(selected, meta)
            order = self._rid_orders.get(view.number)
            if order is None:
                return self._arrow(
                    f"""
                    SELECT {column_list}
                    FROM (SELECT rowid AS pos, rid FROM {view.table_name}
                          WHERE rowid BETWEEN ? AND ?) AS v
                        JOIN entries AS e ON e.rid = v.rid
                    ORDER BY v.pos
                    """,
                    [*heads, start, last],
                )
            # Rows a reordering folded away are missing at the end.
            total = order.starts[-1]
            if order.descending:
                start, last = total - 1 - last, total - 1 - start
            start, last = max(start, 0), min(last, total - 1)
            if start > last:
                return self._empty(selected)
            low, high, skip = order.block_range(start, last)
            direction = "DESC" if order.descending else "ASC"
            # The bounds on e.rid as well: the entries read are one narrow range.
            return self._arrow(
                f"""
                SELECT {column_list}
                FROM (SELECT rid FROM {order.source} WHERE rid BETWEEN ? AND ?
                      ORDER BY rid LIMIT ? OFFSET ?) AS v
                    JOIN entries AS e ON e.rid = v.rid
                WHERE e.rid BETWEEN ? AND ?
                ORDER BY e.rid {direction}
                """,
                [*heads, low, high, last - start + 1, skip, low, high],
            )

    def _window_columns(
        self, selected: Sequence[str], meta: Sequence[Sequence[str]]
    ) -> tuple[str, list[object]]:
        """The select list of a window (entries as ``e``) and its parameters: the paths."""
        if len(meta) > MAX_META_COLUMNS:
            raise StoreError(f"at most {MAX_META_COLUMNS} metadata columns")
        column_list = self._select(selected, "e.") + "".join(
            f", left(try(json_extract_string(e.leaf, ?)), {META_CELL_CHARS}) AS meta_{i}"
            for i in range(len(meta))
        )
        return column_list, ["/metadata" + json_pointer(path) for path in meta]

    def position_of(self, view: View, seq: int) -> int | None:
        """Where the entry ``seq`` is in ``view`` (to keep a selection), or None."""
        with self._lock:
            self._check_view(view)
            order = self._rid_orders.get(view.number)
            if order is None:
                row = self._fetchone(
                    f"""
                    SELECT min(v.pos)
                    FROM (SELECT rowid AS pos, rid FROM {view.table_name}) AS v
                        JOIN entries AS e ON e.rid = v.rid
                    WHERE e.seq = ?
                    """,
                    [seq],
                )
                return None if row[0] is None else int(row[0])
            lowest, highest = self._fetchone(
                f"""
                SELECT min(rid), max(rid) FROM {order.source}
                WHERE rid IN (SELECT rid FROM entries WHERE seq = ?)
                """,
                [seq],
            )
            if lowest is None:
                return None
            rid = int(highest if order.descending else lowest)
            block = rid // _RID_BLOCK
            (before,) = self._fetchone(
                f"SELECT count(*) FROM {order.source} WHERE rid >= ? AND rid < ?",
                [block * _RID_BLOCK, rid],
            )
            ascending = order.starts[block] + int(before)
            return order.starts[-1] - 1 - ascending if order.descending else ascending

    def entry(self, seq: int) -> dict[str, Any] | None:
        """One entry's display columns (its text in ``leaf``), or None if no entry has ``seq``.

        For a seq that two files gave different bytes, the first loaded.
        """
        column_list = self._select(DISPLAY_COLUMNS)
        table = self._arrow(
            f"SELECT {column_list} FROM entries WHERE seq = ? ORDER BY rid LIMIT 1", [seq]
        )
        rows = table.to_pylist()
        return rows[0] if rows else None

    def seqs(self, filter: Filter | None = None) -> pa.Int64Array:
        """The seqs ``filter`` matches, ascending, each once."""
        sql = (filter or Filter()).to_sql()
        table = self._arrow(
            f"SELECT DISTINCT seq FROM {self._entries_sql()} WHERE {sql.where} ORDER BY seq", sql.params
        )
        return table.column("seq").combine_chunks()

    def iter_leaves(
        self, filter: Filter | None = None, *, batch_rows: int = EXPORT_BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """Arrow batches of ``seq`` and ``leaf`` (the exact stored bytes) of the
        entries ``filter`` matches, in seq order, for export.

        Runs on a cursor of its own, so the store stays usable while an export
        reads; a seq with conflicting versions yields each of them.
        """
        sql = (filter or Filter()).to_sql()
        with self._lock:
            self._flush()
            try:
                cursor = self._con.cursor()
                reader = cursor.sql(
                    f"""
                    SELECT seq, coalesce(leaf_bytes, encode(leaf)) AS leaf
                    FROM {self._entries_sql()} WHERE {sql.where} ORDER BY seq, rid
                    """,
                    params=sql.params,
                ).to_arrow_reader(batch_rows)
            except duckdb.Error as exc:
                raise StoreError(f"cannot read entries for export: {exc}") from exc
        try:
            yield from reader
        except duckdb.Error as exc:
            raise StoreError(f"cannot read entries for export: {exc}") from exc
        finally:
            reader.close()
            cursor.close()

    def first_rows(
        self,
        filter: Filter | None = None,
        count: int = 100,
        *,
        columns: Sequence[str] | None = None,
        meta: Sequence[Sequence[str]] = (),
        descending: bool = False,
        max_read: int | None = None,
    ) -> pa.Table:
        """The first ``count`` rows ``filter`` matches in log order (newest first when
        ``descending``, the viewer's default), found without making
        its view: what a window can show while :meth:`create_view` reads every entry.

        A search of a common word finds a page in the first rows it reads, so the rids
        are read in ranges of :data:`FIRST_ROWS_SPAN` growing fourfold (from the last rid
        when descending), each a range scan
        (DuckDB skips the row groups outside it), until ``count`` rows are found: a
        common word's first page in tens of milliseconds, a rare word's in about the
        time of the whole search (issue 12; the word index, ``store/text_index.py``,
        narrows both). Rows not in seq order (while loading) are sorted whole instead.
        Columns as :meth:`window` gives them (``meta``: its metadata columns).
        ``max_read``: stop after reading about this many rids (the rows found are still
        the first of the view, fewer than ``count``), so that a rare word's first page
        does not cost a second whole search before its view.
        """
        selected = self._columns(columns)
        filter = filter or Filter()
        column_list, heads = self._window_columns(selected, meta)
        with self._lock:
            self._flush()
            sql = filter.base_sql(self._text_index.rows_for).and_(filter.selection_sql())
            source = f"{self._entries_sql()} AS e"
            direction = "DESC" if descending else "ASC"
            if count <= 0 or not self._in_seq_order:
                return self._arrow(
                    f"SELECT {column_list} FROM {source} WHERE {sql.where} "
                    f"ORDER BY e.seq {direction}, e.rid {direction} LIMIT ?",
                    [*heads, *sql.params, max(count, 0)],
                )
            (end,) = self._fetchone("SELECT coalesce(max(rid) + 1, 0) FROM entries")
            found: list[pa.Table] = []
            wanted, done, span = count, 0, FIRST_ROWS_SPAN
            while wanted > 0 and done < end and (max_read is None or done < max_read):
                # Rids [low, high]: the next span from the start, or from the end.
                low, high = (end - done - span, end - done - 1) if descending else (done, done + span - 1)
                table = self._arrow(
                    f"""
                    SELECT {column_list} FROM {source}
                    WHERE e.rid BETWEEN ? AND ? AND ({sql.where})
                    ORDER BY e.rid {direction} LIMIT ?
                    """,
                    [*heads, max(low, 0), high, *sql.params, wanted],
                )
                found.append(table)
                wanted -= table.num_rows
                done, span = done + span, span * 4
            if not found:  # an empty store
                return self._arrow(f"SELECT {column_list} FROM {source} LIMIT 0", heads)
            return pa.concat_tables(found)

    def reads_entry_text(self, filter: Filter) -> bool:
        """Whether making ``filter``'s view reads the entry text: a search of words or
        metadata whose matches are not kept yet (the view then takes seconds at 10M)."""
        with self._lock:
            base = filter.base_sql(self._text_index.rows_for)
            if base.where == "TRUE" or not reads_text(base.where):
                return False
            return (base.where, repr(base.params)) not in self._kept
