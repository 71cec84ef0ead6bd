"""The ``entries`` table: its DDL, its columns, and how DuckDB derives them.

Everything here is text and constants, no state: the display columns a window
shows (:data:`DISPLAY_COLUMNS`), which sort and which facet, the table's DDL
(:data:`CREATE_ENTRIES`, also what a reopened file's table is compared with,
:func:`entries_definition`), and the one INSERT that derives every display
column from an entry's text inside DuckDB, with one JSON parse per entry
(:data:`INSERT_ENTRIES`, run by :func:`with_fields`), and the one that takes
them as given where it can (:data:`INSERT_EITHER`): the C entry check reads the text at each
column's path as it validates the entry (:func:`given_columns`,
``csrc/entry_columns.h``), exactly as DuckDB's ``->>`` would give it, about four
times faster than DuckDB's JSON parse (which was about 1.5 CPU s of a
1M-entry cold open). It runs on the rows as DuckDB reads them for their INSERT
(:func:`given_stream`), not as the readers check the entries: columns made there,
or for a whole INSERT at once, waited with the rows and raised the viewer's peak
memory by about 100 MB at 1M entries. Rows the check does not give (:data:`GIVEN_FLAG`
false: declined, or a number, object or ``\u0000`` at a path), and every row
without the extension, are derived in DuckDB; both INSERTs apply the entry
schema's SQL to the text at the paths (the time parsed, the event type joined),
and the cache proof derives them again in DuckDB
(``tests/unit/store/test_given_columns.py`` proves the two ways give the same
columns). ``metadata`` is derived on read through :data:`ENTRIES_WITH_METADATA`. Loading writes through these
(:mod:`auditviewer.store.ingest`); every read names columns from here.

The entry's columns, their JSON paths and the SQL deriving each are the entry
schema's (:mod:`auditviewer.core.entry_schema`); this module adds the store's own
columns (seq, the entry text, source, line, state, row id) around them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

import duckdb
import pyarrow as pa

from auditviewer.core.entry_schema import ENTRY_COLUMNS, entry_column_names
from auditviewer.core.errors import StoreError
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.core.native import NATIVE

STATES: Final = ("verified", "failed", "unverified")

#: Layout version of a database file; a file of another version is rebuilt.
#: 2: ``metadata`` is computed on read, not stored. 3: nor is it a generated
#: column, and ``leaf`` is compressed with zstd.
DATABASE_FORMAT: Final = 3

#: The columns a window, an entry or an export row carries, in display order:
#: the entry schema's columns (:mod:`auditviewer.core.entry_schema`) between the
#: store's own.
DISPLAY_COLUMNS: Final = (
    "seq",
    *entry_column_names(),
    "metadata",
    "leaf",
    "source",
    "line",
    "state",
)
#: Every display column but the entry text and metadata sorts.
SORTABLE_COLUMNS: Final = frozenset(DISPLAY_COLUMNS) - {"leaf", "metadata"}
FACET_FIELDS: Final = frozenset({*(c.name for c in ENTRY_COLUMNS if c.facet), "state", "source"})

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
_ENTRY_COLUMN_DDL = "".join(
    f"    {c.name} {'TIMESTAMPTZ' if c.kind == 'time' else 'VARCHAR'},\n" for c in ENTRY_COLUMNS
)
CREATE_ENTRIES = (
    """
CREATE OR REPLACE TABLE {table} (
    seq BIGINT NOT NULL,
"""
    + _ENTRY_COLUMN_DDL
    + """    leaf VARCHAR USING COMPRESSION zstd NOT NULL,
    source VARCHAR,
    line BIGINT,
    state VARCHAR NOT NULL,
    rid BIGINT NOT NULL,
    leaf_bytes BLOB
)
"""
)

# ``metadata`` is computed when read (a window, an entry, a meta.<path>
# search), not stored: writing it out as JSON text costs loading time. try()
# makes it NULL for an entry that is not JSON (json_extract would fail). It is
# not a generated column of the table either: DuckDB evaluates those on every
# INSERT (2.4 s of 7.7 s for 1M entries), so every read goes through
# ENTRIES_WITH_METADATA, which adds it (DuckDB drops it again from a query that does not
# use it).
_METADATA: Final = "try(json_extract({prefix}leaf, '$.metadata'))"
ENTRIES_WITH_METADATA: Final = f"(SELECT *, {_METADATA.format(prefix='')} AS metadata FROM entries)"


def select_list(columns: Sequence[str], prefix: str = "", state: str | None = None) -> str:
    """Display columns for a SELECT of rows already chosen (``metadata`` computed there,
    and ``state`` by the expression ``state`` when the store gives one: see
    :meth:`~auditviewer.store.connection.StoreConnection._state_sql`)."""
    computed = {"metadata": _METADATA.format(prefix=prefix)}
    if state is not None:
        computed["state"] = state
    return ", ".join(
        f"{computed[column]} AS {column}" if column in computed else f"{prefix}{column}" for column in columns
    )


def entries_with(state: str | None) -> str:
    """:data:`ENTRIES_WITH_METADATA` with the ``state`` column given by the expression ``state`` (None: as stored)."""
    if state is None:
        return ENTRIES_WITH_METADATA
    return f"(SELECT * REPLACE ({state} AS state), {_METADATA.format(prefix='')} AS metadata FROM entries)"


STORED_COLUMNS = (
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
_PATH_COLUMNS = [c for c in ENTRY_COLUMNS if c.json_path is not None]
_ENTRY_PATHS = ", ".join(f"'{c.json_path}'" for c in _PATH_COLUMNS)
_FIELD = {c.name: f"fields[{index}]" for index, c in enumerate(_PATH_COLUMNS, start=1)}
# Each entry column's SQL (the entry schema's: a field as it is, a time checked
# to be RFC 3339, the event type joined from category and action).
DERIVED_COLUMNS = {c.name: c.sql(_FIELD) for c in ENTRY_COLUMNS}
# The fields, with try() for a batch holding text that is not JSON, and without:
# try() halves the speed of the extraction even when nothing fails (1.0 s -> 2.0 s
# for 1M entries), so a batch is first run without it, and again with it only when
# that fails (a statement fails whole: nothing is half-inserted). See with_fields.
FIELDS_SAFE: Final = f"try(json_extract_string(leaf, [{_ENTRY_PATHS}]))"
FIELDS_FAST: Final = f"json_extract_string(leaf, [{_ENTRY_PATHS}])"
INSERT_ENTRIES = f"""
INSERT INTO entries ({", ".join(STORED_COLUMNS)})
SELECT {", ".join(DERIVED_COLUMNS.get(column, column) for column in STORED_COLUMNS)}
FROM (SELECT *, {{fields}} AS fields FROM {{staging}})
"""

#: Columns of the text the C check gave at each path column's path (NULL where it has
#: none), and whether it gave them (see the module's docstring and :func:`given_columns`).
GIVEN_FLAG: Final = "fields_given"
GIVEN_FIELDS: Final = {c.name: f"field_{c.name}" for c in _PATH_COLUMNS}
# Rows streamed with their given columns (given_stream): a row's text at each path is the
# check's where it gave them, else DuckDB's parse, which runs only for the other rows (a
# CASE evaluates each branch on its own rows); then the entry schema's SQL, as in
# DERIVED_COLUMNS (the time parsed, the event type joined).
_EITHER_FIELD = {
    c.name: f"CASE WHEN {GIVEN_FLAG} THEN {GIVEN_FIELDS[c.name]} ELSE fields[{index}] END"
    for index, c in enumerate(_PATH_COLUMNS, start=1)
}
INSERT_EITHER = f"""
INSERT INTO entries ({", ".join(STORED_COLUMNS)})
SELECT {", ".join({c.name: c.sql(_EITHER_FIELD) for c in ENTRY_COLUMNS}.get(column, column) for column in STORED_COLUMNS)}
FROM (SELECT *, CASE WHEN {GIVEN_FLAG} THEN NULL ELSE {{fields}} END AS fields FROM {{staging}})
"""

STAGING_SCHEMA = pa.schema(
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


EXPORT_BATCH_ROWS = 65_536


#: The path columns' paths for the C check (keys as bytes), or None when one is deeper
#: than the two levels it notes: then DuckDB derives every column.
COLUMN_PATHS: Final = (
    tuple(tuple(key.encode() for key in c.path) for c in _PATH_COLUMNS)
    if all(len(c.path) <= 2 for c in _PATH_COLUMNS)
    else None
)


def given_columns(leaf: pa.ChunkedArray) -> list[pa.ChunkedArray] | None:
    """The :data:`GIVEN_FLAG` column and a :data:`GIVEN_FIELDS` column per path column for
    entry texts ``leaf`` (string, chunked as it is), read by the C entry check; None without
    the extension (or for paths it does not note). A text the check declines under the
    default limits (the readers checked every entry under the load's own) is not given."""
    if NATIVE is None or COLUMN_PATHS is None:
        return None
    chunks: list[list[pa.Array]] = [[] for _ in range(len(COLUMN_PATHS) + 1)]
    for chunk in leaf.chunks:
        n = len(chunk)
        width = 8 if pa.types.is_large_string(chunk.type) else 4
        _, offsets, data = chunk.buffers()
        given, columns = NATIVE.entry_columns(
            data if data is not None else pa.py_buffer(b""),
            offsets,
            chunk.offset,
            n,
            width,
            DEFAULT_LIMITS.max_entry_bytes,
            DEFAULT_LIMITS.max_json_depth,
            COLUMN_PATHS,
        )
        chunks[0].append(pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(given)]))
        for index, (validity, column_offsets, text) in enumerate(columns, start=1):
            chunks[index].append(
                pa.Array.from_buffers(
                    pa.string(), n, [pa.py_buffer(validity), pa.py_buffer(column_offsets), pa.py_buffer(text)]
                )
            )
    types = [pa.bool_(), *(pa.string() for _ in COLUMN_PATHS)]
    return [pa.chunked_array(parts, type=kind) for parts, kind in zip(chunks, types, strict=True)]


#: Rows per batch of given_stream: their columns are made as DuckDB reads them.
GIVEN_BATCH_ROWS: Final = 65_536


def given_stream(staging: pa.Table) -> pa.RecordBatchReader | None:
    """``staging``'s rows with :func:`given_columns`, made batch by batch as DuckDB reads
    them (for :data:`INSERT_EITHER`): only a batch's columns are held at a time, not a
    whole INSERT's (250,000 rows: 50 MB; made with the rows they raised the viewer's peak
    memory by ~100 MB); None without the extension. A new reader each time: DuckDB
    consumes it."""
    batches = staging.to_batches(max_chunksize=GIVEN_BATCH_ROWS)
    first = given_columns(pa.chunked_array([batches[0].column("leaf")])) if batches else None
    if first is None:
        return None
    fields = [pa.field(GIVEN_FLAG, pa.bool_()), *(pa.field(name, pa.string()) for name in GIVEN_FIELDS.values())]
    schema = pa.schema([*staging.schema, *fields])

    def with_columns() -> Iterator[pa.RecordBatch]:
        for index, batch in enumerate(batches):
            columns = first if index == 0 else given_columns(pa.chunked_array([batch.column("leaf")]))
            if columns is None:  # (only if the extension went away meanwhile)
                raise StoreError("the entry check is not available")
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, *(column.combine_chunks() for column in columns)], schema=schema
            )

    return pa.RecordBatchReader.from_batches(schema, with_columns())


def with_fields(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` with its ``{fields}`` extracted fast; if some text is not JSON
    (the statement fails whole), again with try() (see FIELDS_SAFE)."""
    try:
        return con.execute(sql.replace("{fields}", FIELDS_FAST)).fetchall()
    except duckdb.Error:
        return con.execute(sql.replace("{fields}", FIELDS_SAFE)).fetchall()


_ENTRIES_DEFINITION: list[str] = []


def entries_definition() -> str:
    """How DuckDB describes a fresh ``entries`` table (to compare a reopened file's with)."""
    if not _ENTRIES_DEFINITION:
        con = duckdb.connect()
        try:
            con.execute(CREATE_ENTRIES.replace("{table}", "entries"))
            _ENTRIES_DEFINITION.append(
                str(con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'entries'").fetchall()[0][0])
            )
        finally:
            con.close()
    return _ENTRIES_DEFINITION[0]
