"""Malformed lines as rows of the log (issue 13, defect 8): a side table, never ``entries``.

A line of an entry file that spec §2 calls malformed (not JSON, not an object,
whitespace or a byte order mark around it, too large, …) is not an entry: it has
no seq, perhaps no text. It is still a row of the log a person must be able to
see, find and count, so the viewer lists it after the entries.

Design:

- **A table of its own**, ``lines.malformed`` — file label, line, the bytes the
  reader handed on (cut at ``Limits.max_raw_line_bytes``), whether they were cut,
  the finding's reason, and its place in log order — in an in-memory database
  attached when the connection opens (:data:`ATTACH_MALFORMED`, as the annotations'
  ``casework``). ``entries`` keeps what its readers rely on (a seq on every row,
  dense rids in seq order, states as seq ranges), and a reused workspace file is
  proven exactly as before: the proof reads only the file's own catalog and
  ``entries``, and this table is filled afresh from this run's readers
  (:meth:`StoreMalformed.set_malformed_lines`, replaced whole).
- **Matched by the same search**: :meth:`StoreMalformed.malformed_matching` evaluates
  the filter's compiled query on the malformed rows shaped like entries — every
  column of ``entries`` NULL but ``state`` (``'malformed'``), ``leaf`` (the raw text,
  invalid UTF-8 as ``\\xNN``), ``source`` and ``line``. So ``status:malformed``
  finds them (and only them), a word search matches their raw text, and any term
  on an entry's field (``actor:``, ``seq:``, ``tag:`` …) excludes them, as SQL's
  NULL does. Facets, a time range and a scope narrow by an entry's fields; a
  malformed line has none, so it is listed only when none of them is set.
- **After the entries, under any sort**: a view lists its entries, then its
  malformed rows in log order (files in the order read, then line). A sort is
  by an entry's column; a malformed line has none, so it never sorts among
  entries (:class:`auditviewer.workspace.malformed_view.WithMalformed` appends
  them to a view's windows).

Qt-free. Nothing here is an entry: counts of entries, states, verification,
exports and the cache proof never read this table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pyarrow as pa

from auditviewer.core.domain import MALFORMED
from auditviewer.core.errors import StoreError
from auditviewer.query.sql import compile_query
from auditviewer.store.connection import StoreConnection
from auditviewer.store.filters import Filter

MALFORMED_TABLE: Final = "lines.malformed"
#: Run once when a connection opens (``StoreConnection.__init__``), before lock-down.
ATTACH_MALFORMED: Final = (
    # READ_WRITE as the annotations' (store/annotations.py): a sealed file is opened read-only.
    "ATTACH ':memory:' AS lines (READ_WRITE)",
    f"""CREATE TABLE {MALFORMED_TABLE} (
        ord BIGINT NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT NOT NULL,
        raw BLOB NOT NULL,
        cut BOOLEAN NOT NULL,
        reason VARCHAR NOT NULL,
        text VARCHAR NOT NULL
    )""",
)
#: The columns a window of malformed rows carries.
MALFORMED_COLUMNS: Final = ("file", "line", "raw", "cut", "reason")

_INSERT: Final = f"""
INSERT INTO {MALFORMED_TABLE}
SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::BLOB[]),
       unnest(?::BOOLEAN[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])
"""


@dataclass(frozen=True, slots=True)
class MalformedLine:
    """One line that is not an entry, as the store holds it."""

    file: str
    line: int
    raw: bytes
    reason: str
    #: The line is longer than ``raw`` (cut at the limit).
    cut: bool = False


def raw_as_text(raw: bytes) -> str:
    """The bytes as text for searching: UTF-8, invalid bytes as ``\\xNN`` (never shown as is)."""
    return raw.decode("utf-8", errors="backslashreplace")


class StoreMalformed(StoreConnection):
    """The malformed lines of a workspace (see the module docstring)."""

    _shaped: str | None = None

    def set_malformed_lines(self, rows: Sequence[MalformedLine]) -> None:
        """Replace the workspace's malformed lines with ``rows`` (in log order)."""
        params: list[object] = [
            list(range(len(rows))),
            [r.file for r in rows],
            [r.line for r in rows],
            [r.raw for r in rows],
            [r.cut for r in rows],
            [r.reason for r in rows],
            [raw_as_text(r.raw) for r in rows],
        ]
        self._replace_rows(MALFORMED_TABLE, _INSERT, params, "the malformed lines")

    def _shaped_rows(self) -> str:
        """A FROM item of the malformed rows with every column of ``entries`` (see the module
        docstring): NULL, typed as the column, but those a malformed line has."""
        if self._shaped is None:
            described = self._fetchall(f"DESCRIBE SELECT * FROM {self._entries_sql()}")
            own = {
                "state": f"'{MALFORMED}'",
                "leaf": "m.text",
                "source": "m.file",
                "line": "m.line",
            }
            columns = ", ".join(
                f'{own[name]} AS "{name}"' if name in own else f'CAST(NULL AS {kind}) AS "{name}"'
                for name, kind, *_ in described
            )
            self._shaped = (
                f"(SELECT {columns}, m.ord AS malformed_ord, m.raw AS malformed_raw, "
                f"m.cut AS malformed_cut, m.reason AS malformed_reason FROM {MALFORMED_TABLE} AS m)"
            )
        return self._shaped

    def malformed_matching(self, filter: Filter | None = None) -> tuple[str, list[object]] | None:
        """A FROM item (SQL and parameters) of the malformed rows ``filter`` matches, or None
        when it matches none (a facet, a time range or a scope is set: entries' fields)."""
        filter = filter or Filter()
        if filter.categories or filter.actions or filter.time_start or filter.time_end or filter.scope:
            return None
        sql = compile_query(filter.query, tz=filter.query_tz)
        return f"(SELECT * FROM {self._shaped_rows()} WHERE {sql.where})", list(sql.params)

    def malformed_count(self, filter: Filter | None = None) -> int:
        """Malformed rows ``filter`` matches (0 without any stored)."""
        with self._lock:
            matching = self.malformed_matching(filter)
            if matching is None:
                return 0
            rows, params = matching
            return int(self._fetchone(f"SELECT count(*) FROM {rows}", params)[0])

    def malformed_total(self) -> int:
        """Malformed rows stored."""
        return int(self._fetchone(f"SELECT count(*) FROM {MALFORMED_TABLE}")[0])

    def malformed_window(self, filter: Filter | None, start: int, count: int) -> pa.Table:
        """Malformed rows ``start .. start+count-1`` of those ``filter`` matches, in log
        order: columns :data:`MALFORMED_COLUMNS`."""
        if start < 0 or count < 0:
            raise StoreError(f"bad window {start}+{count}")
        empty = pa.table(
            {
                "file": pa.array([], pa.string()),
                "line": pa.array([], pa.int64()),
                "raw": pa.array([], pa.binary()),
                "cut": pa.array([], pa.bool_()),
                "reason": pa.array([], pa.string()),
            }
        )
        with self._lock:
            matching = self.malformed_matching(filter)
            if matching is None or count == 0:
                return empty
            rows, params = matching
            return self._arrow(
                f"""
                SELECT source AS file, line, malformed_raw AS raw, malformed_cut AS cut,
                       malformed_reason AS reason
                FROM {rows} ORDER BY malformed_ord LIMIT ? OFFSET ?
                """,
                [*params, count, start],
            )


__all__ = [
    "ATTACH_MALFORMED",
    "MALFORMED_COLUMNS",
    "MALFORMED_TABLE",
    "MalformedLine",
    "StoreMalformed",
    "raw_as_text",
]
