"""The ``entries`` table: its DDL, its columns, and how DuckDB derives them.

Everything here is text and constants, no state: the display columns a window
shows (:data:`DISPLAY_COLUMNS`), which sort and which facet, the table's DDL
(:data:`_CREATE_ENTRIES`, also what a reopened file's table is compared with,
:func:`_entries_definition`), and the one INSERT that derives every display
column from an entry's text inside DuckDB, with one JSON parse per entry
(:data:`_INSERT_ENTRIES`, run by :func:`_with_fields`). ``metadata`` is derived
on read through :data:`_ENTRIES`. Loading writes through these
(:mod:`auditviewer.store.ingest`); every read names columns from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import duckdb
import pyarrow as pa

STATES: Final = ("verified", "failed", "unverified")

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


def _select_list(columns: Sequence[str], prefix: str = "", state: str | None = None) -> str:
    """Display columns for a SELECT of rows already chosen (``metadata`` computed there,
    and ``state`` by the expression ``state`` when the store gives one: see
    :meth:`~auditviewer.store.connection.StoreConnection._state_sql`)."""
    computed = {"metadata": _METADATA.format(prefix=prefix)}
    if state is not None:
        computed["state"] = state
    return ", ".join(
        f"{computed[column]} AS {column}" if column in computed else f"{prefix}{column}" for column in columns
    )


def _entries_with(state: str | None) -> str:
    """:data:`_ENTRIES` with the ``state`` column given by the expression ``state`` (None: as stored)."""
    if state is None:
        return _ENTRIES
    return f"(SELECT * REPLACE ({state} AS state), {_METADATA.format(prefix='')} AS metadata FROM entries)"
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


_EXPORT_BATCH_ROWS = 65_536



def _with_fields(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` with its ``{fields}`` extracted fast; if some text is not JSON
    (the statement fails whole), again with try() (see _FIELDS_SAFE)."""
    try:
        return con.execute(sql.replace("{fields}", _FIELDS_FAST)).fetchall()
    except duckdb.Error:
        return con.execute(sql.replace("{fields}", _FIELDS_SAFE)).fetchall()


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
