"""The ``entries`` table: its DDL, its columns, and how DuckDB derives them.

Everything here is text and constants, no state: the display columns a window
shows (:data:`DISPLAY_COLUMNS`), which sort and which facet, the table's DDL
(:data:`CREATE_ENTRIES`, also what a reopened file's table is compared with,
:func:`entries_definition`), and the one INSERT that derives every display
column from an entry's text inside DuckDB, with one JSON parse per entry
(:data:`INSERT_ENTRIES`, run by :func:`with_fields`). ``metadata`` is derived
on read through :data:`ENTRIES_WITH_METADATA`. Loading writes through these
(:mod:`auditviewer.store.ingest`); every read names columns from here.

The entry's columns, their JSON paths and the SQL deriving each are the entry
schema's (:mod:`auditviewer.core.entry_schema`); this module adds the store's own
columns (seq, the entry text, source, line, state, row id) around them.

Why DuckDB parses each entry again, although the C entry check already read it
(issue 12, measured on DuckDB 2.0.1): the parse costs 0.52 CPU s per 1M
benchmark entries and 0.69 s per 1M realistic ones (``json_extract_string`` of
the twelve paths, ``benchmarks/bench_open_phases.py``), not the 1.5 s once
estimated. Taking the columns from the check instead was built and measured
(branch coldopen, commits e9ba9f3 to 895d8ba: the check noted the text at each
path, exactly as ``->>`` gives it, proven against DuckDB by a differential test):
made by the readers, the columns waited with the rows and raised the viewer's
peak RSS at 1M Parquet from 0.90 to 1.02-1.06 GB (the goal is 1 GB) for at most
0.2-0.5 CPU s; made as DuckDB read each INSERT's rows, they saved nothing (the
store of 1M entries took 3.1-3.3 CPU s either way: DuckDB reading twelve more
Arrow string columns costs what its parse did)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import duckdb
import pyarrow as pa

from auditviewer.core.entry_schema import ENTRY_COLUMNS, entry_column_names

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
