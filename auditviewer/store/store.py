"""The workspace database: DuckDB owns every entry a workspace shows.

One :class:`Store` is one DuckDB database (in memory, or a file for large
inputs) holding one table, ``entries``. Its display columns (time, category,
actor, resource, ...) are derived from each entry's stored text *inside
DuckDB*, with vectorised JSON functions, so loading a million entries builds
no Python object per entry. The per-entry integrity state comes from the
verification report through :meth:`Store.set_states`.

Reading is shaped for a table view of millions of rows: a :class:`View` is a
filtered, sorted result materialised once (a temporary table of row ids),
from which :meth:`Store.window` fetches any range of rows by position — never
by a deep ``OFFSET`` — plus counts, facets, a time histogram and the scope
tree. A view in log order (the default) needs no sort at all: see
:class:`_RidOrder`. Everything is returned as Arrow tables or small dataclasses.

What is stored, and why (issue 16.1: a database at most 1.5 times its export):
the entry text (``leaf``, compressed with zstd: the bulk of the file, needed to
show, export and search words in entries) and the display columns searches
need fast (time, category, action, actor, resource, title, id: each short and
repetitive, compressed by DuckDB's own choice), plus seq, file, line, state and
the row id. ``metadata`` is derived on read; ``leaf_bytes`` is kept only for an
entry that is not valid UTF-8. Measured with ``benchmarks/bench_open.py``
(1M benchmark entries): 76-78 MB, 0.15 times the JSONL file and 0.80 times the
Parquet one (before: 226 MB, 0.46 and 2.4 times).

Loading cost is one INSERT per group of rows, in which DuckDB derives the
columns from one JSON parse per entry (without ``try()`` unless a batch holds
text that is not JSON), then :meth:`Store.set_states` writes the report's
states: a trusted log is one range, set by one plain UPDATE; only many ranges
(failures, untrusted intervals) take the ASOF join.

After loading, :meth:`Store.lock_down` forbids file and network access and
extension loading, and locks the configuration, so that no query the
application runs later can read other files. A database file marked complete
(:meth:`Store.mark_complete`) can be reopened instead of loaded again.

Thread safety: every method holds one lock, so a loading worker and the GUI
thread may share a store; streaming exports use their own cursor.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from auditviewer.core.errors import StoreError
from auditviewer.query.language import SqlFilter, compile_query

__all__ = [
    "DATABASE_FORMAT",
    "DISPLAY_COLUMNS",
    "FACET_FIELDS",
    "SORTABLE_COLUMNS",
    "STATES",
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

STATES: Final = ("verified", "failed", "unverified")

#: DuckDB's buffer memory for a file-backed (large) workspace.
_FILE_STORE_MEMORY_LIMIT: Final = "1536MB"

#: Layout version of a database file; a file of another version is rebuilt.
#: 2: ``metadata`` is computed on read, not stored. 3: nor is it a generated
#: column, and ``leaf`` is compressed with zstd.
DATABASE_FORMAT: Final = 3

#: The columns a window, an entry or an export row carries, in display order.
DISPLAY_COLUMNS: Final = (
    "seq",
    "id",
    "time",
    "category",
    "action",
    "event_type",
    "actor_email",
    "actor_type",
    "actor_name",
    "resource_type",
    "resource_id",
    "resource_name",
    "title_id",
    "title_name",
    "metadata",
    "leaf",
    "source",
    "line",
    "state",
)
#: Every display column but the entry text and metadata sorts.
SORTABLE_COLUMNS: Final = frozenset(DISPLAY_COLUMNS) - {"leaf", "metadata"}
FACET_FIELDS: Final = frozenset(
    {
        "category",
        "action",
        "event_type",
        "state",
        "actor_email",
        "actor_type",
        "resource_type",
        "title_id",
        "source",
    }
)

# ``leaf`` is compressed with zstd: DuckDB's own choice (FSST or dictionary, after
# analysing each segment) made writing a file database of 1M entries 6 s slower
# and its file 4.7 times as large (217 MB against 46 MB for the benchmark's
# entries); searching the text costs the same (0.16 s for a word at 1M). The
# display columns are short and repetitive and keep DuckDB's choice (zstd for
# all of them was slower to write and to search).
# ``rid`` is the row's place in the table (dense, in load order, re-numbered
# in seq order by finish()): the key views hold, because a seq alone is not
# unique when two files give one seq different bytes. ``leaf_bytes`` holds
# the stored bytes only for the rare entry that is not valid UTF-8 (its
# ``leaf`` is then a lossy decoding for display).
_CREATE_ENTRIES = """
CREATE OR REPLACE TABLE {table} (
    seq BIGINT NOT NULL,
    id VARCHAR,
    time TIMESTAMPTZ,
    category VARCHAR,
    action VARCHAR,
    event_type VARCHAR,
    actor_email VARCHAR,
    actor_type VARCHAR,
    actor_name VARCHAR,
    resource_type VARCHAR,
    resource_id VARCHAR,
    resource_name VARCHAR,
    title_id VARCHAR,
    title_name VARCHAR,
    leaf VARCHAR USING COMPRESSION zstd NOT NULL,
    source VARCHAR,
    line BIGINT,
    state VARCHAR NOT NULL,
    rid BIGINT NOT NULL,
    leaf_bytes BLOB
)
"""

# ``metadata`` is computed when read (a window, an entry, a meta.<path>
# search), not stored: writing it out as JSON text costs loading time. try()
# makes it NULL for an entry that is not JSON (json_extract would fail). It is
# not a generated column of the table either: DuckDB evaluates those on every
# INSERT (2.4 s of 7.7 s for 1M entries), so every read goes through
# _ENTRIES, which adds it (DuckDB drops it again from a query that does not
# use it).
_METADATA: Final = "try(json_extract({prefix}leaf, '$.metadata'))"
_ENTRIES: Final = f"(SELECT *, {_METADATA.format(prefix='')} AS metadata FROM entries)"


def _select_list(columns: Sequence[str], prefix: str = "") -> str:
    """Display columns for a SELECT of rows already chosen (``metadata`` computed there)."""
    return ", ".join(
        f"{_METADATA.format(prefix=prefix)} AS metadata" if column == "metadata" else f"{prefix}{column}"
        for column in columns
    )
_STORED_COLUMNS = (
    *(column for column in DISPLAY_COLUMNS if column != "metadata"),
    "rid",
    "leaf_bytes",
)

# One JSON parse per entry: json_extract_string with a list of paths reads
# every field the columns need from one parse (measured a third cheaper than
# json_transform into a struct). A field of an unexpected type comes out as
# its JSON text (an object where text belongs) or NULL (a string where an
# object belongs); text that is not JSON at all makes the function fail, and
# try() turns that into NULL for that row alone.
_ENTRY_FIELDS = {  # column: JSON path in the entry
    "id": "$.id",
    "time": "$.time",
    "category": "$.category",
    "action": "$.action",
    "actor_email": "$.actor.email",
    "actor_type": "$.actor.type",
    "actor_name": "$.actor.name",
    "resource_type": "$.resource.type",
    "resource_id": "$.resource.id",
    "resource_name": "$.resource.name",
    "title_id": "$.title.id",
    "title_name": "$.title.name",
}
_ENTRY_PATHS = ", ".join(f"'{path}'" for path in _ENTRY_FIELDS.values())
_FIELD = {name: f"fields[{index}]" for index, name in enumerate(_ENTRY_FIELDS, start=1)}
# RFC 3339 times only: a bare try_cast would also take 'epoch', 'infinity'
# or a date without a time, which are not entry times. Checking the date-time
# separator and the zone is enough to exclude those, and is several times
# cheaper than a regular expression over a million values.
_ENTRY_TIME = f"""
    CASE WHEN substr({_FIELD["time"]}, 11, 1) IN ('T', 't', ' ')
              AND (right({_FIELD["time"]}, 1) IN ('Z', 'z')
                   OR substr({_FIELD["time"]}, -6, 1) IN ('+', '-'))
         THEN try_cast({_FIELD["time"]} AS TIMESTAMPTZ) END"""
_EVENT_TYPE = f"""
    CASE WHEN {_FIELD["category"]} IS NOT NULL OR {_FIELD["action"]} IS NOT NULL
         THEN concat_ws(' ', {_FIELD["category"]}, {_FIELD["action"]}) END"""
_DERIVED = {**_FIELD, "time": _ENTRY_TIME, "event_type": _EVENT_TYPE}
# The fields, with try() for a batch holding text that is not JSON, and without:
# try() halves the speed of the extraction even when nothing fails (1.0 s -> 2.0 s
# for 1M entries), so a batch is first run without it, and again with it only when
# that fails (a statement fails whole: nothing is half-inserted). See _with_fields.
_FIELDS_SAFE: Final = f"try(json_extract_string(leaf, [{_ENTRY_PATHS}]))"
_FIELDS_FAST: Final = f"json_extract_string(leaf, [{_ENTRY_PATHS}])"
_INSERT_ENTRIES = f"""
INSERT INTO entries ({", ".join(_STORED_COLUMNS)})
SELECT {", ".join(_DERIVED.get(column, column) for column in _STORED_COLUMNS)}
FROM (SELECT *, {{fields}} AS fields FROM {{staging}})
"""

_STAGING_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("leaf", pa.string()),
        ("leaf_bytes", pa.binary()),
        ("source", pa.string()),
        ("line", pa.int64()),
        ("state", pa.string()),
        ("rid", pa.int64()),
    ]
)

# Loading is fastest when DuckDB gets a few hundred thousand rows per INSERT
# (it then scans them on all threads); the first batch goes in at once so
# that the viewer shows rows early.
FLUSH_ROWS = 250_000
#: ...or once this many bytes of entry text are pending.
FLUSH_BYTES = 32 * 1024 * 1024
#: ...for a database file: an INSERT of at least two row groups (2 x 122,880 rows)
#: is compressed and written straight to the file by DuckDB's threads, while smaller
#: ones go through its write-ahead log and are compressed again at the checkpoint:
#: 1M benchmark entries (500 bytes each) went in in 4.5 s instead of 13-19 s with
#: FLUSH_BYTES (62,000-row INSERTs), under the same load. FLUSH_ROWS is reached first
#: for entries under 640 bytes.
FILE_FLUSH_BYTES = 160 * 1024 * 1024
#: Large entries go in INSERTs of at most this many bytes (issue 11.11): DuckDB parses
#: the entries of a vector (2,048 rows) together, several times their size in memory
#: (the display columns, and the generated ``metadata`` column checked on insert), so
#: 320 entries of 880 KB in one INSERT exhausted a 1.5 GB cap. Entries averaging under
#: _LARGE_ENTRY_BYTES keep whole INSERTs (a vector of them is a few MB).
_INSERT_BYTES = 4 * 1024 * 1024
_LARGE_ENTRY_BYTES = 8 * 1024
_DEFAULT_MAX_VIEWS = 4
_EXPORT_BATCH_ROWS = 65_536
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
# Rows of a log-order view are counted per block of this many rids, so that a
# window finds its rids by a range scan (see _RidOrder).
_RID_BLOCK: Final = 65_536
# Up to this many state ranges (a trusted log has one; verified intervals of one
# state are merged) are set by one plain UPDATE each, a scan of seq and state
# that DuckDB's zone maps narrow to the range: 0.2 s at 1M entries, where the
# ASOF join below took 2-3 s because it joins and rewrites every row.
_FEW_STATE_RANGES: Final = 16


# ---------------------------------------------------------------------------
# Filters, scopes, sorting


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceScope:
    """The scoped log of one resource: entries whose resource type and id name it."""

    type: str
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleScope:
    """Every entry of one title."""

    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Filter:
    """What a view shows: all parts must hold.

    ``categories`` / ``actions``: exact values (``None`` stands for a missing
    one); empty means any. ``time_start`` is inclusive, ``time_end``
    exclusive; both must be timezone-aware. ``query`` is the search language
    of :mod:`auditviewer.query.language`, its dates read in ``query_tz``.
    """

    query: str = ""
    scope: ResourceScope | TitleScope | None = None
    categories: frozenset[str | None] = frozenset()
    actions: frozenset[str | None] = frozenset()
    time_start: datetime | None = None
    time_end: datetime | None = None
    query_tz: tzinfo = UTC

    def to_sql(self) -> SqlFilter:
        """One parameterised condition for all parts (raises QueryError for a bad query)."""
        return self.base_sql().and_(self.selection_sql())

    def base_sql(self) -> SqlFilter:
        """The costly part (search query and scope), which the store keeps results of."""
        result = compile_query(self.query, tz=self.query_tz)
        if isinstance(self.scope, ResourceScope):
            result = result.and_(
                SqlFilter(
                    where="resource_type IS NOT DISTINCT FROM ? AND resource_id IS NOT DISTINCT FROM ?",
                    params=[self.scope.type, self.scope.id],
                )
            )
        elif isinstance(self.scope, TitleScope):
            result = result.and_(
                SqlFilter(where="title_id IS NOT DISTINCT FROM ?", params=[self.scope.id])
            )
        return result

    def selection_sql(self) -> SqlFilter:
        """The cheap part a person clicks through (facets, time range): only
        ``category``, ``action`` and ``time``, which kept results carry."""
        result = SqlFilter()
        for column, values in (("category", self.categories), ("action", self.actions)):
            if values:
                result = result.and_(_one_of(column, values))
        if self.time_start is not None:
            result = result.and_(
                SqlFilter(where="time >= ?", params=[_utc(self.time_start, "time_start")])
            )
        if self.time_end is not None:
            result = result.and_(
                SqlFilter(where="time < ?", params=[_utc(self.time_end, "time_end")])
            )
        return result


def _one_of(column: str, values: frozenset[str | None]) -> SqlFilter:
    present = sorted(value for value in values if value is not None)
    # list_contains with one list parameter: the SQL text stays the same
    # whatever the number of values.
    condition = f"coalesce(list_contains(?::VARCHAR[], {column}), false)"
    if None in values:
        condition = f"({condition} OR {column} IS NULL)"
    return SqlFilter(where=condition, params=[present])


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sort:
    """The order of a view; ties are broken by position in the log (same direction)."""

    column: str = "seq"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in SORTABLE_COLUMNS:
            raise StoreError(f"cannot sort by {self.column!r}")

    def order_by(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        # The column comes from SORTABLE_COLUMNS (checked above), never from user text.
        keys = [f"{self.column} {direction} NULLS LAST"] if self.column != "seq" else []
        keys += [f"seq {direction}", f"rid {direction}"]
        return ", ".join(keys)


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
class _RidOrder:
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


@dataclass(frozen=True, slots=True, kw_only=True)
class StateRange:
    """Entries ``first_seq..last_seq`` (inclusive) have verification ``state``."""

    first_seq: int
    last_seq: int
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Histogram:
    """Entry counts per equal time bucket; ``starts[i]`` begins bucket ``i``."""

    starts: list[datetime]
    counts: list[int]
    width: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceNode:
    type: str | None
    id: str | None
    name: str | None
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleNode:
    id: str
    name: str | None
    count: int
    resources: list[ResourceNode]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScopeTree:
    """Titles with their resources; resources without a title (users, billing,
    organization); and how many entries name neither a title nor a resource."""

    titles: list[TitleNode]
    untitled: list[ResourceNode]
    unscoped_count: int


# ---------------------------------------------------------------------------
# The store


class Store:
    """One workspace database. Load with :meth:`append` and :meth:`finish`."""

    def __init__(
        self,
        *,
        database: str | Path = ":memory:",
        threads: int | None = None,
        max_views: int = _DEFAULT_MAX_VIEWS,
        existing: bool = False,
    ) -> None:
        """Open a workspace database; a file ``database`` is started afresh.

        ``max_views``: how many views are kept; making one more drops the oldest.
        ``existing``: reopen a file that :meth:`mark_complete` finished earlier
        (raises :class:`StoreError` when it is not one: damaged, incomplete,
        another format, or locked by another process).
        """
        self._lock = threading.RLock()
        self._max_views = max(1, max_views)
        self._views: dict[int, View] = {}
        # Views in log order (see _RidOrder), by view number; the others are a
        # table of rids in view order, the position being the rowid.
        self._rid_orders: dict[int, _RidOrder] = {}
        # Block counts of the whole finished table (it no longer changes).
        self._entries_starts: list[int] | None = None
        self._view_numbers = itertools.count(1)
        self._kept: dict[tuple[str, str], str] = {}
        self._kept_numbers = itertools.count(1)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_bytes = 0
        self._flush_bytes = FLUSH_BYTES if str(database) == ":memory:" else FILE_FLUSH_BYTES
        # Set by stored_rows: large entries have their display columns checked as read.
        self._check_display_on_read = False
        self._next_rid = 0
        self._loaded_rows = 0
        self._last_seq: int | None = None
        self._in_seq_order = True
        self._finished = False
        self._locked = False
        try:
            self._con = duckdb.connect(str(database))
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the workspace database {database}: {exc}") from exc
        try:
            # Sessions read and show times in UTC, whatever the machine's zone.
            self._con.execute("SET TimeZone = 'UTC'")
            if threads is not None:
                self._con.execute(f"SET threads = {int(threads)}")
            if str(database) != ":memory:":
                # A file-backed store is a large workspace: DuckDB would otherwise
                # take up to 80% of the machine's memory for its buffers. Beyond
                # this it spills to a temporary folder beside the database file.
                self._con.execute(f"SET memory_limit = '{_FILE_STORE_MEMORY_LIMIT}'")
            if str(database) == ":memory:":
                # An automatic checkpoint compresses the in-memory table: it
                # saves memory but costs seconds per million entries, and it
                # fires in the middle of loading or of set_states (making that
                # ten times slower). Large inputs use a database file instead.
                self._con.execute("SET checkpoint_threshold = '1000 GiB'")
            if existing:
                self._adopt_existing()
            else:
                self._con.execute(_CREATE_ENTRIES.replace("{table}", "entries"))
        except (duckdb.Error, StoreError) as exc:
            self._con.close()
            raise StoreError(f"cannot prepare the workspace database: {exc}") from exc

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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def finished(self) -> bool:
        return self._finished

    # -- loading -------------------------------------------------------------

    def append(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Add entries: columns ``seq``, ``leaf`` (binary or string) and optionally
        ``source``, ``line``, ``state`` (default ``unverified``); others are ignored.

        Rows reach the table in groups (the first at once) — call :meth:`finish`
        after the last batch.
        """
        with self._lock:
            if self._finished:
                raise StoreError("the workspace is finished; no more entries can be added")
            staging = self._staging(batch)
            if staging.num_rows == 0:
                return
            self._pending.append(staging)
            self._pending_rows += staging.num_rows
            self._pending_bytes += staging.column("leaf").nbytes
            if (
                self._loaded_rows == 0
                or self._pending_rows >= FLUSH_ROWS
                or self._pending_bytes >= self._flush_bytes
            ):
                self._flush()

    def finish(self) -> None:
        """Load what is pending, fold identical duplicates, and put rows in seq order.

        Views made while loading keep working (they show what they showed);
        make new ones to see every entry.
        """
        with self._lock:
            if self._finished:
                return
            self._flush()
            try:
                # Seqs that only ever grew have no duplicates and are in order.
                if not self._in_seq_order:
                    self._fold_duplicates()
                    self._reorder_by_seq()
            except duckdb.Error as exc:
                raise StoreError(f"cannot finish loading: {exc}") from exc
            self._finished = True

    def _staging(self, batch: pa.Table | pa.RecordBatch) -> pa.Table:
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        names = set(table.column_names)
        missing = {"seq", "leaf"} - names
        if missing:
            raise StoreError(f"entry batch lacks column(s) {', '.join(sorted(missing))}")
        rows = table.num_rows
        try:
            seq = table.column("seq").cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise StoreError(f"entry batch: seq is not an integer column: {exc}") from exc
        if seq.null_count:
            raise StoreError("entry batch: a seq is missing")
        leaf, leaf_bytes = _leaf_text(table.column("leaf"))
        source = (
            table.column("source").cast(pa.string())
            if "source" in names
            else pa.nulls(rows, pa.string())
        )
        line = (
            table.column("line").cast(pa.int64()) if "line" in names else pa.nulls(rows, pa.int64())
        )
        if "state" in names:
            state = pc.fill_null(table.column("state").cast(pa.string()), "unverified")
            unknown = pc.invert(pc.is_in(state, value_set=pa.array(STATES)))
            if pc.any(unknown).as_py():
                bad = pc.filter(state, unknown)[0].as_py()
                raise StoreError(f"entry batch: unknown state {bad!r} (use {', '.join(STATES)})")
        else:
            state = pc.fill_null(pa.nulls(rows, pa.string()), "unverified")
        # Arrow kernels, not a Python range: this runs for every batch.
        ones = pa.repeat(pa.scalar(1, pa.int64()), rows)
        rid = pc.cumulative_sum(ones, start=self._next_rid - 1)
        self._next_rid += rows
        if rows:
            first, last = pc.min_max(seq).values()
            ordered = rows < 2 or bool(pc.all(pc.greater(seq[1:], seq[:-1])).as_py())
            if not ordered or (self._last_seq is not None and first.as_py() <= self._last_seq):
                self._in_seq_order = False
            self._last_seq = max(self._last_seq or 0, last.as_py())
        return pa.table([seq, leaf, leaf_bytes, source, line, state, rid], schema=_STAGING_SCHEMA)

    def _flush(self) -> None:
        if not self._pending:
            return
        staging = pa.concat_tables(self._pending)
        self._pending = []
        self._pending_rows = 0
        self._pending_bytes = 0
        for part in _parts_by_bytes(staging, _INSERT_BYTES):
            self._insert(part)

    def _insert(self, staging: pa.Table) -> None:
        name = "incoming_entries"
        # Rows need no particular physical order (each carries its rid), and
        # an insert free to write in any order is markedly cheaper. After
        # lock_down the setting cannot change, and order is simply kept.
        relax_order = not self._locked
        try:
            self._con.register(name, staging)
            if relax_order:
                self._con.execute("SET preserve_insertion_order = false")
            try:
                _with_fields(self._con, _INSERT_ENTRIES.replace("{staging}", name))
            finally:
                if relax_order:
                    self._con.execute("SET preserve_insertion_order = true")
                self._con.unregister(name)
        except duckdb.Error as exc:
            raise StoreError(f"cannot load entries: {exc}") from exc
        self._loaded_rows += staging.num_rows
        self._entries_starts = None
        self._forget_matches()

    def _fold_duplicates(self) -> None:
        # The same entry from overlapping files or bundles is one entry; a seq
        # with different bytes (a conflict the verifier reports) keeps every
        # version so that people can see them.
        (repeated,) = self._fetchone(
            "SELECT count(*) FROM (SELECT seq FROM entries GROUP BY seq HAVING count(*) > 1)"
        )
        if not repeated:
            return
        self._con.execute(
            """
            DELETE FROM entries WHERE rid IN (
                SELECT rid FROM (
                    SELECT rid, row_number() OVER (PARTITION BY seq, leaf, leaf_bytes ORDER BY rid) AS copy
                    FROM entries
                    WHERE seq IN (SELECT seq FROM entries GROUP BY seq HAVING count(*) > 1)
                ) WHERE copy > 1
            )
            """
        )

    def _reorder_by_seq(self) -> None:
        """Rewrite the table in seq order with dense rids (windows stay cheap)
        and carry existing views over to the new rids."""
        self._forget_matches()
        con = self._con
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE rid_map AS
            SELECT rid AS old_rid, row_number() OVER (ORDER BY seq, rid) - 1 AS new_rid
            FROM entries
            """
        )
        con.execute(_CREATE_ENTRIES.replace("{table}", "entries_in_order"))
        con.execute(
            f"""
            INSERT INTO entries_in_order ({", ".join(_STORED_COLUMNS)})
            SELECT {", ".join("m.new_rid" if c == "rid" else f"e.{c}" for c in _STORED_COLUMNS)}
            FROM entries AS e JOIN rid_map AS m ON e.rid = m.old_rid
            ORDER BY m.new_rid
            """
        )
        con.execute("DROP TABLE entries")
        con.execute("ALTER TABLE entries_in_order RENAME TO entries")
        # A view keeps its order; a folded duplicate drops out of it (its
        # last window is shorter) until the viewer makes a new view.
        for view in self._views.values():
            order = self._rid_orders.get(view.number)
            if order is None:
                con.execute(
                    f"""
                    CREATE OR REPLACE TEMP TABLE {view.table_name} AS
                    SELECT m.new_rid AS rid
                    FROM (SELECT rowid AS pos, rid FROM {view.table_name}) AS v
                        JOIN rid_map AS m ON v.rid = m.old_rid
                    ORDER BY v.pos
                    """
                )
            else:
                # Made while rids were in seq order: the new rids keep that
                # order among its rows, only the block counts change. (It has a
                # table of its own: only a finished store shows entries itself.)
                con.execute(
                    f"""
                    CREATE OR REPLACE TEMP TABLE {order.source} AS
                    SELECT m.new_rid AS rid
                    FROM {order.source} AS v JOIN rid_map AS m ON v.rid = m.old_rid
                    """
                )
                order.starts = self._count_blocks(order.source)
        self._entries_starts = None
        con.execute("DROP TABLE rid_map")
        self._in_seq_order = True

    def set_states(self, ranges: Iterable[StateRange | tuple[int, int, str]]) -> int:
        """Set the verification state of entries by seq ranges; returns rows changed.

        Ranges must not overlap; entries outside every range keep their state.
        """
        lows: list[int] = []
        highs: list[int] = []
        states: list[str] = []
        for item in ranges:
            first, last, state = (
                (item.first_seq, item.last_seq, item.state)
                if isinstance(item, StateRange)
                else item
            )
            if state not in STATES:
                raise StoreError(f"unknown state {state!r} (use {', '.join(STATES)})")
            if last < first:
                raise StoreError(f"state range {first}..{last} ends before it starts")
            lows.append(int(first))
            highs.append(int(last))
            states.append(state)
        order = sorted(range(len(lows)), key=lows.__getitem__)
        for before, after in itertools.pairwise(order):
            if lows[after] <= highs[before]:
                raise StoreError(
                    f"state ranges {lows[before]}..{highs[before]} and "
                    f"{lows[after]}..{highs[after]} overlap"
                )
        if not lows:
            return 0
        with self._lock:
            self._flush()
            try:
                if len(lows) <= _FEW_STATE_RANGES:
                    # One statement (all or nothing), one scan: each row's range by CASE.
                    triples = list(zip(lows, highs, states, strict=True))
                    cases = " ".join("WHEN seq BETWEEN ? AND ? THEN ?" for _ in triples)
                    wheres = " OR ".join("(seq BETWEEN ? AND ? AND state <> ?)" for _ in triples)
                    params = [value for triple in triples for value in triple]
                    self._con.execute(
                        f"UPDATE entries SET state = CASE {cases} END WHERE {wheres}", params + params
                    )
                    changed = self._con.fetchall()
                    self._forget_matches()
                    return int(changed[0][0]) if changed else 0
                # An ASOF join finds each entry's range (the last starting at
                # or before its seq) in one sorted pass; a BETWEEN join of a
                # million entries with a thousand ranges is far slower.
                self._con.execute(
                    """
                    UPDATE entries SET state = changes.state
                    FROM (
                        SELECT e.rid, r.state
                        FROM entries AS e
                        ASOF JOIN (SELECT unnest(?::BIGINT[]) AS low, unnest(?::BIGINT[]) AS high,
                                          unnest(?::VARCHAR[]) AS state) AS r
                            ON e.seq >= r.low
                        WHERE e.seq <= r.high AND e.state <> r.state
                    ) AS changes
                    WHERE entries.rid = changes.rid
                    """,
                    [lows, highs, states],
                )
                # Drained with fetchall: DuckDB 2 refuses the next relation
                # query while a result is only partly fetched.
                changed = self._con.fetchall()
            except duckdb.Error as exc:
                raise StoreError(f"cannot set entry states: {exc}") from exc
            self._forget_matches()
        return int(changed[0][0]) if changed else 0

    def lock_down(self) -> None:
        """Forbid file and network access and extensions; lock the configuration.

        Afterwards no query can read or write other files, attach databases,
        or install or load extensions, and none of this can be switched back.
        Loading from Arrow and every reading method keep working.
        """
        with self._lock:
            if self._locked:
                return
            try:
                for statement in (
                    "SET autoinstall_known_extensions = false",
                    "SET autoload_known_extensions = false",
                    "SET allow_community_extensions = false",
                    "SET enable_external_access = false",
                    "SET lock_configuration = true",
                ):
                    self._con.execute(statement)
            except duckdb.Error as exc:
                raise StoreError(f"cannot lock the workspace database down: {exc}") from exc
            self._locked = True

    # -- reuse ---------------------------------------------------------------

    def mark_complete(self, *, key: str) -> None:
        """Record that this file holds every entry of the content ``key``, so it can be reopened."""
        with self._lock:
            self._flush()
            try:
                self._con.execute(
                    "CREATE OR REPLACE TABLE auditviewer_meta (format INTEGER, key VARCHAR, rows BIGINT)"
                )
                self._con.execute(
                    "INSERT INTO auditviewer_meta VALUES (?, ?, ?)",
                    [DATABASE_FORMAT, key, self.total_count()],
                )
                self._con.execute("CHECKPOINT")
            except duckdb.Error as exc:
                raise StoreError(
                    f"cannot record the workspace database as complete: {exc}"
                ) from exc

    def stored_key(self) -> str | None:
        """The content key recorded by :meth:`mark_complete`, if any."""
        with self._lock:
            try:
                rows = self._con.execute("SELECT key FROM auditviewer_meta").fetchall()
            except duckdb.Error:
                return None
        return str(rows[0][0]) if rows else None

    def _adopt_existing(self) -> None:
        try:
            metas = self._con.execute("SELECT format, rows FROM auditviewer_meta").fetchall()
            counts = self._con.execute(
                "SELECT count(*), coalesce(max(rid) + 1, 0) FROM entries"
            ).fetchall()
            meta = metas[0] if metas else None
            rows = counts[0] if counts else None
        except duckdb.Error as exc:
            raise StoreError(f"the workspace database is not a complete one ({exc})") from exc
        if meta is None or rows is None or meta[0] != DATABASE_FORMAT or meta[1] != rows[0]:
            raise StoreError("the workspace database is incomplete or of another format")
        self._loaded_rows = int(rows[0])
        self._next_rid = int(rows[1])
        self._finished = True

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
        if definitions["entries"] != _entries_definition():
            return "its entries table has another definition"
        if others[0][0]:
            return "it holds views, macros or other objects a workspace database never has"
        return None

    def stored_rows(self, batch_rows: int = _EXPORT_BATCH_ROWS) -> Iterator[pa.Table]:
        """Every row in rid order: ``seq``, ``leaf_bytes`` (the stored bytes where they are
        not the text's), ``source``, ``line``, and the text (``leaf``) with the display
        columns, for :meth:`derived_mismatches`.

        Read in rid ranges (the table is in rid order, so each is a narrow scan, and no
        sort of the whole table is needed), of about FLUSH_BYTES when entries are
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
        large = bool(rows) and text_bytes >= _LARGE_ENTRY_BYTES * rows
        self._check_display_on_read = large
        columns = ", ".join(["seq", "leaf_bytes", "source", "line", "leaf", *(_DERIVED if large else ())])
        step = batch_rows
        if large:
            # Each range scans the row group's text again: ranges of FLUSH_BYTES (the
            # display check then parses them in parts of _INSERT_BYTES).
            step = max(1, min(batch_rows, FLUSH_BYTES * rows // text_bytes))
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

        Checked on the rows already read, in parts of at most _INSERT_BYTES of large
        entries (as they were loaded: parsed together they would not fit the
        memory cap, issue 11.11), on a cursor of its own.
        """
        table = pa.Table.from_batches([rows]) if isinstance(rows, pa.RecordBatch) else rows
        if not set(_DERIVED) <= set(table.column_names):
            return 0  # small entries: derived_problem checks them all at once
        checks = " AND ".join(f"{column} IS NOT DISTINCT FROM ({_DERIVED[column]})" for column in _DERIVED)
        differing = 0
        with self._lock:
            cursor = self._con.cursor()
            try:
                for part in _parts_by_bytes(table, _INSERT_BYTES):
                    cursor.register("proving_rows", part)
                    try:
                        differing += _with_fields(
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
                        f"{column} IS NOT DISTINCT FROM ({_DERIVED[column]})" for column in _DERIVED
                    )
                    (differing,) = _with_fields(
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
            if _valid_utf8(raw) or text != bytes(raw).decode("utf-8", errors="replace"):
                return "a row's text is not the display form of its stored bytes"
        return None

    def relabel_sources(self, renamed: dict[str, str]) -> None:
        """Give rows the file labels of this run (the same content opened from elsewhere)."""
        if not renamed:
            return
        with self._lock:
            cases = " ".join("WHEN ? THEN ?" for _ in renamed)
            params: list[object] = [value for pair in renamed.items() for value in pair]
            try:
                # One statement: labels that swap places stay apart.
                self._con.execute(
                    f"UPDATE entries SET source = CASE source {cases} END WHERE list_contains(?, source)",
                    [*params, list(renamed)],
                )
            except duckdb.Error as exc:
                raise StoreError(f"cannot relabel the workspace's files: {exc}") from exc
            self._forget_matches()

    def reset_states(self) -> None:
        """Every entry unverified, as a fresh load starts (a reused file's states are not evidence)."""
        with self._lock:
            try:
                self._con.execute("UPDATE entries SET state = 'unverified' WHERE state <> 'unverified'")
            except duckdb.Error as exc:
                raise StoreError(f"cannot reset entry states: {exc}") from exc
            self._forget_matches()

    # -- reading -------------------------------------------------------------

    def total_count(self) -> int:
        """Entries in the workspace (loaded so far)."""
        return int(self._fetchone("SELECT count(*) FROM entries")[0])

    def count_matching(self, filter: Filter) -> int:
        """Entries that ``filter`` matches, without making a view."""
        with self._lock:
            rows, params = self._matching_rows(filter, set())
            return int(self._fetchone(f"SELECT count(*) FROM {rows}", params)[0])

    def create_view(self, filter: Filter | None = None, *, sort: Sort | None = None) -> View:
        """Materialise the rows ``filter`` matches in ``sort`` order; drops the oldest
        view beyond ``max_views``. Raises QueryError for a malformed query."""
        filter = filter or Filter()
        sort = sort or Sort()
        with self._lock:
            # Rids in seq order (always, once finished): log order is rid order.
            in_log_order = sort.column == "seq" and self._in_seq_order
            needed = {"rid"} if in_log_order else {sort.column, "seq"}
            if self._in_seq_order:
                needed.discard("seq")  # ties are broken by rid, the same order
            rows, params = self._matching_rows(filter, needed)
            number = next(self._view_numbers)
            name = f"view_{number}"
            order: _RidOrder | None = None
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
                        SELECT rid FROM {rows} ORDER BY {self._order_keys(sort)}
                        """,
                        params,
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

    def _order_keys(self, sort: Sort) -> str:
        if not self._in_seq_order:
            return sort.order_by()
        # seq and rid ascend together: rid alone breaks ties (and kept
        # search results need not carry seq).
        direction = "DESC" if sort.descending else "ASC"
        return f"{sort.column} {direction} NULLS LAST, rid {direction}"

    def _make_rid_order(
        self, name: str, filter: Filter, rows: str, params: list[object], descending: bool
    ) -> _RidOrder:
        if self._finished and filter.to_sql().where == "TRUE":
            # Every entry, and the table no longer changes: the view is the table.
            if self._entries_starts is None:
                self._entries_starts = self._count_blocks("entries")
            return _RidOrder(source="entries", starts=self._entries_starts, descending=descending)
        # Unsorted: a window sorts the one or two blocks it reads.
        self._con.execute(f"CREATE TEMP TABLE {name} AS SELECT rid FROM {rows}", params)
        return _RidOrder(source=name, starts=self._count_blocks(name), descending=descending)

    def _count_blocks(self, source: str) -> list[int]:
        counts = self._con.execute(
            f"SELECT rid // {_RID_BLOCK} AS block, count(*) FROM {source} GROUP BY block"
        ).fetchall()
        return _block_starts((int(block), int(rows)) for block, rows in counts)

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
        self, view: View, start: int, count: int, *, columns: Sequence[str] | None = None
    ) -> pa.Table:
        """Rows ``start .. start+count-1`` of ``view`` (fewer at its end), in view order."""
        selected = self._columns(columns)
        if start < 0 or count < 0:
            raise StoreError(f"bad window {start}+{count}")
        with self._lock:
            self._check_view(view)
            if count == 0 or start >= view.row_count:
                return self._empty(selected)
            last = min(start + count, view.row_count) - 1
            column_list = _select_list(selected, "e.")
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
                    [start, last],
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
                [low, high, last - start + 1, skip, low, high],
            )

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

    def facet_counts(
        self, filter: Filter, field: str, *, ignore_own_selection: bool = True
    ) -> list[tuple[str | None, int]]:
        """``(value, count)`` of ``field`` among the entries ``filter`` matches,
        most frequent first (``None`` is a missing value).

        With ``ignore_own_selection`` the filter's own choice for this field
        (``categories`` for ``category``, ``actions`` for ``action``) is left
        out, so that the facet still offers the other values.
        """
        if field not in FACET_FIELDS:
            raise StoreError(f"no facet for {field!r}")
        if ignore_own_selection and field == "category":
            filter = replace(filter, categories=frozenset())
        elif ignore_own_selection and field == "action":
            filter = replace(filter, actions=frozenset())
        with self._lock:
            rows, params = self._matching_rows(filter, {field})
            counts = self._fetchall(
                f"""
                SELECT {field} AS value, count(*) AS entries FROM {rows}
                GROUP BY ALL ORDER BY entries DESC, value NULLS LAST
                """,
                params,
            )
        return [(value, int(entries)) for value, entries in counts]

    def time_bounds(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest entry time, or None when no entry has a time."""
        first, last = self._fetchone("SELECT min(time), max(time) FROM entries")
        if first is None:
            return None
        return _as_utc(first), _as_utc(last)

    def histogram(
        self,
        filter: Filter,
        buckets: int,
        *,
        bounds: tuple[datetime, datetime] | None = None,
    ) -> Histogram:
        """Counts of matching entries in ``buckets`` equal slices of ``bounds``
        (the whole workspace's :meth:`time_bounds` unless given; both ends inclusive)."""
        if buckets < 1:
            raise StoreError("a histogram needs at least one bucket")
        if bounds is None:
            bounds = self.time_bounds()
            if bounds is None:
                return Histogram(starts=[], counts=[], width=timedelta(0))
        first = _utc(bounds[0], "histogram start")
        last = _utc(bounds[1], "histogram end")
        if last < first:
            raise StoreError("histogram bounds end before they start")
        span_us = _micros(last - first) + 1
        width_us = max(1, math.ceil(span_us / buckets))
        first_us = _micros(first - _EPOCH)
        with self._lock:
            rows, params = self._matching_rows(filter, {"time"})
            bucket_counts = self._fetchall(
                f"""
                SELECT (epoch_us(time) - ?) // ? AS bucket, count(*)
                FROM {rows}
                WHERE time >= ? AND time <= ?
                GROUP BY bucket
                """,
                [first_us, width_us, *params, first, last],
            )
        counts = [0] * buckets
        for bucket, entries in bucket_counts:
            counts[min(int(bucket), buckets - 1)] += int(entries)
        width = timedelta(microseconds=width_us)
        return Histogram(
            starts=[first + width * index for index in range(buckets)], counts=counts, width=width
        )

    def scope_tree(self, filter: Filter | None = None) -> ScopeTree:
        """Titles → resources with entry counts (of ``filter``'s matches, all by default).

        Names are the latest (highest seq) an entry gives, as resources get renamed.
        """
        columns = {"title_id", "title_name", "resource_type", "resource_id", "resource_name", "seq"}
        with self._lock:
            rows, params = self._matching_rows(filter or Filter(), columns)
            # One pass: per resource, its latest names and its title's latest
            # name (with that name's seq, to pick a title's latest across its
            # resources).
            groups = self._fetchall(
                f"""
                SELECT title_id, resource_type, resource_id,
                       arg_max(resource_name, seq) FILTER (WHERE resource_name IS NOT NULL),
                       count(*),
                       arg_max(title_name, seq) FILTER (WHERE title_name IS NOT NULL),
                       max(seq) FILTER (WHERE title_name IS NOT NULL)
                FROM {rows}
                GROUP BY ALL
                ORDER BY resource_type NULLS LAST, resource_id NULLS LAST
                """,
                params,
            )
        resources_by_title: dict[str | None, list[ResourceNode]] = {}
        title_counts: dict[str, int] = {}
        title_names: dict[str, tuple[int, str]] = {}  # title: (seq of the name, name)
        unscoped = 0
        for title_id, resource_type, resource_id, resource_name, entries, title_name, name_seq in groups:
            if title_id is not None:
                title_counts[title_id] = title_counts.get(title_id, 0) + int(entries)
                if name_seq is not None and (
                    title_id not in title_names or name_seq > title_names[title_id][0]
                ):
                    title_names[title_id] = (int(name_seq), title_name)
            if resource_type is None and resource_id is None:
                if title_id is None:
                    unscoped += int(entries)
                continue
            node = ResourceNode(
                type=resource_type, id=resource_id, name=resource_name, count=int(entries)
            )
            resources_by_title.setdefault(title_id, []).append(node)
        titles = [
            TitleNode(
                id=title_id,
                name=title_names[title_id][1] if title_id in title_names else None,
                count=entries,
                resources=resources_by_title.get(title_id, []),
            )
            for title_id, entries in title_counts.items()
        ]
        titles.sort(key=lambda node: ((node.name or node.id).casefold(), node.id))
        return ScopeTree(
            titles=titles, untitled=resources_by_title.get(None, []), unscoped_count=unscoped
        )

    def entry(self, seq: int) -> dict[str, Any] | None:
        """One entry's display columns (its text in ``leaf``), or None if no entry has ``seq``.

        For a seq that two files gave different bytes, the first loaded.
        """
        column_list = _select_list(DISPLAY_COLUMNS)
        table = self._arrow(
            f"SELECT {column_list} FROM entries WHERE seq = ? ORDER BY rid LIMIT 1", [seq]
        )
        rows = table.to_pylist()
        return rows[0] if rows else None

    def seqs(self, filter: Filter | None = None) -> pa.Int64Array:
        """The seqs ``filter`` matches, ascending, each once."""
        sql = (filter or Filter()).to_sql()
        table = self._arrow(
            f"SELECT DISTINCT seq FROM {_ENTRIES} WHERE {sql.where} ORDER BY seq", sql.params
        )
        return table.column("seq").combine_chunks()

    def iter_leaves(
        self, filter: Filter | None = None, *, batch_rows: int = _EXPORT_BATCH_ROWS
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
                    FROM {_ENTRIES} WHERE {sql.where} ORDER BY seq, rid
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
        base = filter.base_sql()
        selection = filter.selection_sql()
        self._flush()  # first: loading pending rows forgets kept matches
        if base.where == "TRUE" or not _READS_ENTRY_TEXT.search(base.where):
            both = base.and_(selection)
            return f"(SELECT * FROM {_ENTRIES} WHERE {both.where})", list(both.params)
        kept = self._kept_matches(base)
        if columns <= _KEPT_COLUMNS:
            return f"(SELECT * FROM {kept} WHERE {selection.where})", list(selection.params)
        return (
            f"(SELECT * FROM {_ENTRIES} WHERE rid IN (SELECT rid FROM {kept} WHERE {selection.where}))",
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
                    f"CREATE TEMP TABLE {name} AS SELECT {column_list} FROM {_ENTRIES} WHERE {base.where}",
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

    def _empty(self, columns: Sequence[str]) -> pa.Table:
        column_list = _select_list(columns)
        return self._arrow(f"SELECT {column_list} FROM entries LIMIT 0")

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

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _leaf_text(leaf: pa.ChunkedArray) -> tuple[pa.ChunkedArray | pa.Array, pa.Array]:
    """The entry text for display and, only where it differs, the stored bytes.

    Valid UTF-8 (nearly always) is a zero-copy cast; otherwise the batch is
    decoded entry by entry, invalid bytes replaced for display and the exact
    bytes kept in ``leaf_bytes`` for export.
    """
    rows = len(leaf)
    if leaf.null_count:
        raise StoreError("entry batch: a leaf is missing")
    no_bytes = pa.nulls(rows, pa.binary())
    if pa.types.is_string(leaf.type) or pa.types.is_large_string(leaf.type):
        text = leaf.cast(pa.string())
    elif pa.types.is_binary(leaf.type) or pa.types.is_large_binary(leaf.type):
        try:
            text = leaf.cast(pa.string())
        except pa.ArrowInvalid:
            raw = leaf.to_pylist()
            texts: list[str] = []
            kept: list[bytes | None] = []
            for value in raw:
                try:
                    texts.append(value.decode("utf-8"))
                    kept.append(None)
                except UnicodeDecodeError:
                    texts.append(value.decode("utf-8", errors="replace"))
                    kept.append(value)
            return pa.array(texts, pa.string()), pa.array(kept, pa.binary())
    else:
        raise StoreError(f"entry batch: leaf must be binary or string, not {leaf.type}")
    return text, no_bytes


def _parts_by_bytes(table: pa.Table, limit: int) -> Iterator[pa.Table]:
    """``table`` in slices whose entry text is at most ``limit`` bytes (at least one row
    each), when its entries are large; as it is otherwise."""
    text_bytes = table.column("leaf").nbytes
    if text_bytes <= limit or text_bytes < _LARGE_ENTRY_BYTES * table.num_rows:
        yield table
        return
    # Large entries: few rows (at most one per _LARGE_ENTRY_BYTES), so a Python list is cheap.
    sizes = pc.binary_length(table.column("leaf")).to_pylist()
    start = taken = 0
    for index, size in enumerate(sizes):
        if index > start and taken + size > limit:
            yield table.slice(start, index - start)
            start, taken = index, 0
        taken += size
    yield table.slice(start)


def _with_fields(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` with its ``{fields}`` extracted fast; if some text is not JSON
    (the statement fails whole), again with try() (see _FIELDS_SAFE)."""
    try:
        return con.execute(sql.replace("{fields}", _FIELDS_FAST)).fetchall()
    except duckdb.Error:
        return con.execute(sql.replace("{fields}", _FIELDS_SAFE)).fetchall()


def _valid_utf8(raw: bytes) -> bool:
    try:
        bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_ENTRIES_DEFINITION: list[str] = []


def _entries_definition() -> str:
    """How DuckDB describes a fresh ``entries`` table (to compare a reopened file's with)."""
    if not _ENTRIES_DEFINITION:
        con = duckdb.connect()
        try:
            con.execute(_CREATE_ENTRIES.replace("{table}", "entries"))
            _ENTRIES_DEFINITION.append(
                str(con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'entries'").fetchall()[0][0])
            )
        finally:
            con.close()
    return _ENTRIES_DEFINITION[0]
