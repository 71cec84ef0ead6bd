"""The ``entries`` table: its DDL, its columns, and how DuckDB derives them.

Everything here is text and constants, no state: the display columns a window
shows (:data:`DISPLAY_COLUMNS`), which sort and which facet, the table's DDL
(:data:`CREATE_ENTRIES`, also what a reopened file's table is compared with,
:func:`entries_definition`), and the one INSERT that derives every display
column from an entry's text inside DuckDB, with one JSON parse per entry
(:data:`INSERT_ENTRIES`, run by :func:`with_fields`), and the one that takes
them as given (:data:`INSERT_GIVEN`): the C entry check reads the text at each
column's path while it validates the entry (``csrc/entry_columns.h``), exactly as
DuckDB's ``->>`` would give it, so most entries are parsed once, not twice
(the parse was about 1.5 CPU s of a 1M-entry cold open). Rows the check did not
give (:data:`GIVEN_FLAG` false: declined, or a number or object at a path), and
every row without the extension, are derived in DuckDB; both INSERTs apply the
entry schema's SQL to the text at the paths (the time parsed, the event type
joined) and the cache proof derives them again in DuckDB
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
import pyarrow.compute as pc

from auditviewer.core.entry_schema import ENTRY_COLUMNS, entry_column_names
from auditviewer.core.errors import StoreError

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
_FIELDS_SAFE: Final = f"try(json_extract_string(leaf, [{_ENTRY_PATHS}]))"
_FIELDS_FAST: Final = f"json_extract_string(leaf, [{_ENTRY_PATHS}])"
INSERT_ENTRIES = f"""
INSERT INTO entries ({", ".join(STORED_COLUMNS)})
SELECT {", ".join(DERIVED_COLUMNS.get(column, column) for column in STORED_COLUMNS)}
FROM (SELECT *, {{fields}} AS fields FROM {{staging}})
"""

#: Staging columns of the text the C check gave at each path column's path (NULL where
#: it has none), and whether it gave them (see the module's docstring).
GIVEN_FLAG: Final = "fields_given"
GIVEN_FIELDS: Final = {c.name: f"field_{c.name}" for c in _PATH_COLUMNS}
# The same entry schema SQL as DERIVED_COLUMNS, over the given text instead of DuckDB's parse.
GIVEN_COLUMNS = {c.name: c.sql(GIVEN_FIELDS) for c in ENTRY_COLUMNS}
INSERT_GIVEN = f"""
INSERT INTO entries ({", ".join(STORED_COLUMNS)})
SELECT {", ".join(GIVEN_COLUMNS.get(column, column) for column in STORED_COLUMNS)}
FROM {{staging}}
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
        (GIVEN_FLAG, pa.bool_()),
        *((name, pa.string()) for name in GIVEN_FIELDS.values()),
    ]
)


EXPORT_BATCH_ROWS = 65_536


def given_fields(table: pa.Table, names: set[str], leaf_bytes: pa.Array) -> list[pa.Array | pa.ChunkedArray]:
    """The staging's ``fields_given`` and ``field_<name>`` columns: as the batch gives them,
    or none given. A row kept as bytes (not UTF-8) is never given: its text is a lossy
    decoding, which DuckDB derives from like the cache proof does."""
    rows = table.num_rows
    if GIVEN_FLAG not in names:
        return [pa.repeat(pa.scalar(False), rows), *(pa.nulls(rows, pa.string()) for _ in GIVEN_FIELDS)]
    missing = set(GIVEN_FIELDS.values()) - names
    if missing:
        raise StoreError(f"entry batch lacks column(s) {', '.join(sorted(missing))}")
    given = pc.fill_null(table.column(GIVEN_FLAG).cast(pa.bool_()), False)
    if leaf_bytes.null_count < rows:
        given = pc.and_(given, pc.is_null(leaf_bytes))
    return [given, *(table.column(field).cast(pa.string()) for field in GIVEN_FIELDS.values())]


def by_given(staging: pa.Table) -> Iterator[tuple[pa.Table, bool]]:
    """``staging`` as the rows whose display columns are given and the rest (either may be none)."""
    given = staging.column(GIVEN_FLAG)
    count = pc.sum(given).as_py() or 0
    if count == staging.num_rows:
        yield staging, True
    elif count == 0:
        yield staging, False
    else:
        yield staging.filter(given), True
        yield staging.filter(pc.invert(given)), False


def with_fields(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` with its ``{fields}`` extracted fast; if some text is not JSON
    (the statement fails whole), again with try() (see _FIELDS_SAFE)."""
    try:
        return con.execute(sql.replace("{fields}", _FIELDS_FAST)).fetchall()
    except duckdb.Error:
        return con.execute(sql.replace("{fields}", _FIELDS_SAFE)).fetchall()


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
