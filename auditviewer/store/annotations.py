"""The investigator's annotations as DuckDB sees them: one small table per workspace.

The query terms ``tag:``, ``starred:``, ``note:`` and ``annotated:``
(:mod:`auditviewer.query.sql`) and the Tags facet are answered inside DuckDB,
as every other search: the annotations of the open log are copied into
``casework.annotations`` — one row per annotation (seq, leaf hash, tags, note,
author), a few thousand rows at most — and the conditions join it by ``seq``.
No entry row ever comes to Python for them.

Design:

- **Its own in-memory database**, attached as ``casework`` when the connection
  opens (:data:`ATTACH_ANNOTATIONS`, before :meth:`lock_down` forbids attaching):
  a file-backed workspace's file never holds the person's annotations (a reused
  file proves it holds exactly the verified rows: ``catalog_problem`` reads only
  the file's own catalog), and every cursor of the connection (exports read on
  their own) sees the same table, which a ``TEMP`` table would not give them.
- **Replaced whole** by :meth:`StoreAnnotations.set_annotations` when the
  annotations change (the viewer after an edit or an undo, the command line once
  after loading): one ``DELETE`` and one ``INSERT`` of list parameters, so
  nothing reaches SQL text but the module's own. Search results kept per query
  (``_matching_rows``) are forgotten then: a kept search with a ``tag:`` term
  would otherwise keep yesterday's answer.
- **Matched by seq**: an annotation is shown on the entry with its seq, and one
  made on other bytes is flagged there (the viewer and the report compare the
  leaf hash); so ``tag:x`` finds the entry the person sees the tag on.

Qt-free; the casework layer (above this one) turns its records into
:class:`AnnotationRow` s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from auditviewer.query.sql import ANNOTATIONS_TABLE
from auditviewer.store.connection import StoreConnection
from auditviewer.store.filters import Filter

#: Run once when a connection opens (``StoreConnection.__init__``).
ATTACH_ANNOTATIONS: Final = (
    # READ_WRITE: a sealed workspace's file is opened read-only (workspace/seal.py), and
    # an attached database would otherwise take that mode (and refuse to start in memory).
    "ATTACH ':memory:' AS casework (READ_WRITE)",
    f"""CREATE TABLE {ANNOTATIONS_TABLE} (
        seq BIGINT NOT NULL,
        leaf_hash VARCHAR NOT NULL,
        tags VARCHAR[] NOT NULL,
        note VARCHAR NOT NULL,
        author VARCHAR NOT NULL
    )""",
)

_INSERT: Final = f"""
INSERT INTO {ANNOTATIONS_TABLE}
SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])
"""


@dataclass(frozen=True, slots=True)
class AnnotationRow:
    """One annotation as the store holds it (spec §5's members but the time)."""

    seq: int
    leaf_hash: str
    tags: tuple[str, ...]
    note: str
    author: str


class StoreAnnotations(StoreConnection):
    """The annotations table of a workspace (see the module docstring)."""

    def set_annotations(self, rows: Sequence[AnnotationRow]) -> None:
        """Replace the workspace's annotations with ``rows``."""
        params: list[object] = [
            [r.seq for r in rows],
            [r.leaf_hash for r in rows],
            [list(r.tags) for r in rows],
            [r.note for r in rows],
            [r.author for r in rows],
        ]
        with self._lock:  # re-entrant: the matches kept are forgotten with the rows replaced
            self._replace_rows(ANNOTATIONS_TABLE, _INSERT, params, "the annotations")
            self._forget_matches()

    def annotation_count(self) -> int:
        """Annotations held (rows of the table, one per person and entry)."""
        return int(self._fetchone(f"SELECT count(*) FROM {ANNOTATIONS_TABLE}")[0])

    def tag_counts(self, filter: Filter) -> list[tuple[str, int]]:
        """``(tag, entries)`` among the entries ``filter`` matches, most frequent first:
        the Tags facet. An entry counts once per tag, whoever put it there."""
        with self._lock:
            rows, params = self._matching_rows(filter, {"seq"})
            counts = self._fetchall(
                f"""
                SELECT a.tag, count(*) AS entries
                FROM {rows} AS m
                JOIN (SELECT DISTINCT seq, tag FROM
                        (SELECT seq, unnest(tags) AS tag FROM {ANNOTATIONS_TABLE})) AS a
                  ON a.seq = m.seq
                GROUP BY a.tag ORDER BY entries DESC, a.tag
                """,
                params,
            )
        return [(str(tag), int(entries)) for tag, entries in counts]


__all__ = ["ATTACH_ANNOTATIONS", "AnnotationRow", "StoreAnnotations"]
