"""Loading a store: append, flush, finish, lock-down, marking a file complete.

Rows arrive in Arrow batches (:meth:`StoreIngest.append`), are gathered and
written by one INSERT per group (:data:`FLUSH_ROWS`, :data:`FLUSH_BYTES`; larger
for a database file, :data:`FILE_FLUSH_BYTES`), in which DuckDB derives the
display columns (:mod:`auditviewer.store.schema`); every group after the first
is inserted on a thread of its own while the caller reads and verifies the
next (:meth:`StoreIngest._flush_behind`). A database file is checkpointed
by the load (:data:`_CHECKPOINT_SHARE`) and its memory limit raised for large
entries (:meth:`StoreIngest.expect_entries`), and
:meth:`StoreIngest.release_memory` drops DuckDB's cached copies of what it wrote
(issue 11.11). :meth:`StoreIngest.finish`
folds duplicate entries and re-numbers rows into seq order; the report's
states are then laid over the rows by seq range (:mod:`auditviewer.store.states`).
:meth:`StoreIngest.lock_down` then forbids file and network access;
:meth:`StoreIngest.mark_complete` records a file database as reusable, and
``_adopt_existing`` reopens one. Anything loaded or re-stated forgets the kept
search results."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from auditviewer.core.errors import StoreError
from auditviewer.store.connection import DEFAULT_MAX_VIEWS, MiB, StoreConnection
from auditviewer.store.schema import (
    CREATE_ENTRIES,
    DATABASE_FORMAT,
    INSERT_ENTRIES,
    STAGING_SCHEMA,
    STATES,
    STORED_COLUMNS,
    with_fields,
)
from auditviewer.store.views import count_blocks

# Loading is fastest when DuckDB gets a few hundred thousand rows per INSERT
# (it then scans them on all threads); the first batch goes in at once so
# that the viewer shows rows early.
FLUSH_ROWS = 250_000
#: ...or once this many bytes of entry text are pending. Smaller INSERTs cost more CPU
#: per row in memory: 1M benchmark entries (500 bytes) took 3.4 CPU s in INSERTs of
#: 32 MB (62,000 rows), 2.4 in INSERTs of 64 MB, 2.0 in INSERTs of 128 MB.
FLUSH_BYTES = 64 * 1024 * 1024
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
#: LARGE_ENTRY_BYTES keep whole INSERTs (a vector of them is a few MB).
INSERT_BYTES = 4 * 1024 * 1024
LARGE_ENTRY_BYTES = 8 * 1024
#: A database file is checkpointed by the load each time this share of DuckDB's memory
#: limit of entry text has gone in, not by DuckDB after every 16 MB of log: each
#: checkpoint rewrites the table's last row group whole (large entries stay in one
#: until 122,880 rows fill it), so 320 entries of 930 KB took 7.5 s and peaked at
#: 1.26 GB (issue 11.11). Rows not yet checkpointed are held in DuckDB's memory (they
#: cannot spill), within its limit; below this, one checkpoint at the end costs
#: almost no memory.
_CHECKPOINT_SHARE: Final = 3
#: DuckDB's memory limit for a database file holding large entries (averaging over
#: _LARGE_VECTOR_BYTES / 2,048 bytes): a query reads a vector (2,048 rows) of the
#: zstd-compressed text into one buffer of the next power of two (320 entries of
#: 930 KB: 512 MiB), which the usual limit (connection._FILE_STORE_MEMORY_LIMIT)
#: refuses. Raised by :meth:`StoreIngest.expect_entries`, never lowered.
_LARGE_ENTRY_MEMORY_LIMIT: Final = 1536 * MiB
_LARGE_VECTOR_BYTES: Final = 64 * MiB
_VECTOR_ROWS: Final = 2048
#: release_memory() lowers DuckDB's limit to this for a moment, which evicts its cached blocks.
_RELEASED_MEMORY_LIMIT: Final = 32 * MiB
class StoreIngest(StoreConnection):
    """Loading: append, finish, lock-down, reuse of a finished file."""

    def __init__(
        self,
        *,
        database: str | Path = ":memory:",
        threads: int | None = None,
        max_views: int = DEFAULT_MAX_VIEWS,
        read_only: bool = False,
    ) -> None:
        super().__init__(database=database, threads=threads, max_views=max_views, read_only=read_only)
        # Rows appended and not yet inserted (see FLUSH_ROWS).
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_bytes = 0
        self._flush_bytes = FLUSH_BYTES if str(database) == ":memory:" else FILE_FLUSH_BYTES
        # Entry text inserted into a database file since its last checkpoint.
        self._unchecked_bytes = 0
        self._next_rid = 0
        self._loaded_rows = 0
        self._last_seq: int | None = None
        # The INSERT running behind the loading thread (see _flush_behind): its thread,
        # its rows, its own cursor, and what it raised.
        self._writer: threading.Thread | None = None
        self._writing_rows = 0
        self._write_cursor: duckdb.DuckDBPyConnection | None = None
        self._write_error: BaseException | None = None

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
            self.expect_entries(staging.column("leaf"))
            self._pending.append(staging)
            self._pending_rows += staging.num_rows
            self._pending_bytes += staging.column("leaf").nbytes
            if self._loaded_rows == 0 and self._writer is None:
                self._flush()  # the first rows at once: the viewer shows them early
            elif (
                self._pending_rows >= FLUSH_ROWS
                or self._pending_bytes >= self._flush_bytes
                # Large entries gain nothing from waiting (no INSERT of them fills a
                # row group): one INSERT's worth goes in at once, not FILE_FLUSH_BYTES.
                or INSERT_BYTES <= self._pending_bytes >= LARGE_ENTRY_BYTES * self._pending_rows
            ):
                self._flush_behind()

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
                    self._text_index.forget()  # rids are renumbered
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
        return pa.table([seq, leaf, leaf_bytes, source, line, state, rid], schema=STAGING_SCHEMA)

    def _flush(self) -> None:
        """Insert every pending row now (after the one running behind, if any)."""
        self._join_writer()
        staging = self._take_pending()
        if staging is None:
            return
        for part in parts_by_bytes(staging, INSERT_BYTES):
            self._insert(part, self._con)
        self._inserted(staging.num_rows)

    def _flush_behind(self) -> None:
        """Insert the pending rows on a thread of its own while the caller reads and
        verifies the next ones: DuckDB and the verifier's C code both run without the
        GIL, so the two overlap on two cores.

        At most one INSERT runs behind: the next waits for it (so at most two groups
        of rows are held), and every read waits for it first (``_flush``), so no read
        sees a half-inserted group. What it raised is raised by the next append or read.
        """
        self._join_writer()
        staging = self._take_pending()
        if staging is None:
            return
        if self._write_cursor is None:
            try:
                self._write_cursor = self._con.cursor()
                self._write_cursor.execute("SET TimeZone = 'UTC'")
            except duckdb.Error as exc:
                raise StoreError(f"cannot load entries: {exc}") from exc
        cursor = self._write_cursor
        self._forget_matches()  # before the rows change
        self._entries_starts = None
        self._writing_rows = staging.num_rows

        def write() -> None:
            try:
                for part in parts_by_bytes(staging, INSERT_BYTES):
                    self._insert(part, cursor)
            except BaseException as exc:  # raised again by _join_writer
                self._write_error = exc

        self._writer = threading.Thread(target=write, name="auditviewer-store-insert", daemon=True)
        self._writer.start()

    def _join_writer(self) -> None:
        """Wait for the INSERT running behind, if any; raise what it raised."""
        writer = self._writer
        if writer is None:
            return
        writer.join()
        self._writer = None
        error, self._write_error = self._write_error, None
        if error is not None:
            raise error
        self._inserted(self._writing_rows)

    def _take_pending(self) -> pa.Table | None:
        if not self._pending:
            return None
        staging = pa.concat_tables(self._pending)
        self._pending = []
        self._pending_rows = 0
        self._pending_bytes = 0
        return staging

    def _inserted(self, rows: int) -> None:
        self._loaded_rows += rows
        self._entries_starts = None
        self._forget_matches()

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(BaseException):
                self._join_writer()  # closing: what it raised no longer matters
            if self._write_cursor is not None:
                with contextlib.suppress(duckdb.Error):
                    self._write_cursor.close()
                self._write_cursor = None
        super().close()

    def interrupt(self) -> None:
        """Stop the running statement, the INSERT running behind included (see
        :meth:`StoreConnection.interrupt`)."""
        cursor = self._write_cursor
        if cursor is not None:
            with contextlib.suppress(duckdb.Error):
                cursor.interrupt()
        super().interrupt()

    def _insert(self, staging: pa.Table, con: duckdb.DuckDBPyConnection) -> None:
        name = "incoming_entries"
        if staging.num_rows:  # the word index, from the same text (store/text_index.py)
            self._text_index.add(staging.column("leaf"), staging.column("rid")[0].as_py())
        # Rows need no particular physical order (each carries its rid), and
        # an insert free to write in any order is markedly cheaper. After
        # lock_down the setting cannot change, and order is simply kept.
        relax_order = not self._locked
        try:
            con.register(name, staging)
            if relax_order:
                con.execute("SET preserve_insertion_order = false")
            try:
                with_fields(con, INSERT_ENTRIES.replace("{staging}", name))
            finally:
                if relax_order:
                    con.execute("SET preserve_insertion_order = true")
                con.unregister(name)
        except duckdb.Error as exc:
            raise StoreError(f"cannot load entries: {exc}") from exc
        if self._memory_limit is not None:
            # On the cursor that inserted (the writer's, behind the reading): no other
            # statement runs meanwhile, since every read waits for the writer first.
            self._unchecked_bytes += staging.column("leaf").nbytes
            if self._unchecked_bytes >= self._memory_limit // _CHECKPOINT_SHARE:
                self._unchecked_bytes = 0
                try:
                    con.execute("CHECKPOINT")
                except duckdb.Error as exc:
                    raise StoreError(f"cannot write entries to the workspace database: {exc}") from exc

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
        con.execute(CREATE_ENTRIES.replace("{table}", "entries_in_order"))
        con.execute(
            f"""
            INSERT INTO entries_in_order ({", ".join(STORED_COLUMNS)})
            SELECT {", ".join("m.new_rid" if c == "rid" else f"e.{c}" for c in STORED_COLUMNS)}
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
                order.starts = count_blocks(self._con, order.source)
        self._entries_starts = None
        con.execute("DROP TABLE rid_map")
        self._in_seq_order = True

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

    def expect_entries(self, leaf: pa.Array | pa.ChunkedArray) -> None:
        """Raise a database file's memory limit to :data:`_LARGE_ENTRY_MEMORY_LIMIT` when
        ``leaf`` (a batch of entry texts, stored or, for a reused file, read) holds large
        entries. Called by :meth:`append`; before :meth:`lock_down`, which fixes the limit."""
        rows = len(leaf)
        limit = self._memory_limit
        if limit is None or limit >= _LARGE_ENTRY_MEMORY_LIMIT or not rows or self._locked:
            return
        if leaf.nbytes * _VECTOR_ROWS // rows > _LARGE_VECTOR_BYTES:
            with self._lock:
                try:
                    self._set_memory_limit(_LARGE_ENTRY_MEMORY_LIMIT)
                except duckdb.Error as exc:
                    raise StoreError(f"cannot prepare the workspace database: {exc}") from exc

    def release_memory(self) -> None:
        """A database file, loaded: write what waits in memory (a checkpoint) and drop
        DuckDB's copies of the blocks written, which it would otherwise keep up to its
        memory limit (about the size of the entry text: 340 MB of 930 KB entries,
        issue 11.11); a query reads them again from the file. Before :meth:`lock_down`."""
        if self._memory_limit is None:
            return
        with self._lock:
            self._flush()
            try:
                self._con.execute("CHECKPOINT")
                self._unchecked_bytes = 0
                limit = self._memory_limit
                self._set_memory_limit(_RELEASED_MEMORY_LIMIT)
                self._set_memory_limit(limit)
            except duckdb.Error as exc:
                raise StoreError(f"cannot write the workspace database: {exc}") from exc

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


def parts_by_bytes(table: pa.Table, limit: int) -> Iterator[pa.Table]:
    """``table`` in slices whose entry text is at most ``limit`` bytes (at least one row
    each), when its entries are large; as it is otherwise."""
    text_bytes = table.column("leaf").nbytes
    if text_bytes <= limit or text_bytes < LARGE_ENTRY_BYTES * table.num_rows:
        yield table
        return
    # Large entries: few rows (at most one per LARGE_ENTRY_BYTES), so a Python list is cheap.
    sizes = pc.binary_length(table.column("leaf")).to_pylist()
    start = taken = 0
    for index, size in enumerate(sizes):
        if index > start and taken + size > limit:
            yield table.slice(start, index - start)
            start, taken = index, 0
        taken += size
    yield table.slice(start)


def valid_utf8(raw: bytes) -> bool:
    try:
        bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
