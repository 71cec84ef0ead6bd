"""What the window shows, and what it asks the open workspace for.

:class:`FilterState` is the window's whole filter (query, facets, time range,
scope, sort, zone); :class:`Session` is the one object through which the
window reads the workspace (the store and the report). Qt-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pyarrow as pa

from auditviewer.integrity.report import Report
from auditviewer.store.annotations import AnnotationRow
from auditviewer.workspace.raw_lines import KeptLines
from auditviewer.workspace.scopes import ALL, ResourceCount, Scope


@dataclass(frozen=True, slots=True)
class FilterState:
    query: str = ""
    categories: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    start_ms: int | None = None
    end_ms: int | None = None
    scope: Scope = ALL
    seq_range: tuple[int, int] | None = None  # a finding's entries
    sort_key: str = "seq"  # newest first, in the log's own order
    descending: bool = True
    utc: bool = True
    tags: frozenset[str] = frozenset()  # the Tags facet's ticks: entries with any of them

    def with_(self, **changes: Any) -> FilterState:
        return replace(self, **changes)

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.query.strip()
            or self.categories
            or self.actions
            or self.start_ms is not None
            or self.end_ms is not None
            or not self.scope.is_all
            or self.seq_range is not None
            or bool(self.tags)
        )

    def cleared(self) -> FilterState:
        """No filter at all; sort and zone kept."""
        return FilterState(sort_key=self.sort_key, descending=self.descending, utc=self.utc)


@dataclass(slots=True)
class WorkspaceInfo:
    """Facts about the open workspace the window shows."""

    title: str
    origin: str | None
    organization: str
    inputs: list[str]
    exported_at_ms: int | None
    key_hints: list[str] = field(default_factory=list)


class ViewSource(Protocol):
    """One materialised, filtered and sorted view: the table model's window source."""

    def count(self) -> int: ...

    def window(self, start: int, count: int) -> pa.Table: ...

    def row_of_seq(self, seq: int) -> int | None: ...


class Session(Protocol):
    """The open workspace as the window reads it: everything the window uses, so mypy checks it."""

    info: WorkspaceInfo
    report: Report | None
    #: Ask views, facets and entries on the query thread (a store), not the GUI thread.
    threaded: bool
    #: Where the database lives and fallbacks taken, for the status bar.
    notices: list[str]
    #: Files that failed mid-load (the rest loaded), one line each.
    file_errors: list[str]
    #: Problems of the remembered checkpoints (integrity/memory), one line each.
    memory_problems: list[str]
    #: The bytes of the lines that are not entries, as the readers handed them on.
    kept_lines: KeptLines
    #: Metadata key paths every view's windows carry as columns ``meta_0``… (the
    #: window's columns of choice); a view made before a change reads them through its
    #: own ``meta`` attribute.
    meta_columns: tuple[tuple[str, ...], ...]

    def can_export(self) -> bool: ...

    def total(self) -> int: ...

    def check_query(self, text: str, utc: bool) -> None: ...

    def view(self, state: FilterState) -> ViewSource: ...

    def first_rows(self, state: FilterState, count: int) -> ViewSource | None:
        """The first rows of a view that takes long to make (a search of the entry
        text), read before it; None when the view itself is quick."""
        ...

    def facet_counts(self, state: FilterState, facet: str) -> list[tuple[str | None, int]]: ...

    def histogram(self, state: FilterState) -> tuple[list[tuple[int, int]], int]: ...

    def scope_counts(self, state: FilterState) -> list[ResourceCount]: ...

    def time_bounds(self) -> tuple[int | None, int | None]: ...

    def entry(self, seq: int) -> tuple[dict[str, Any], str, str | None] | None: ...

    # The investigator's annotations (issue 14): given by the window, searched by the store.
    def set_annotations(self, rows: Sequence[AnnotationRow]) -> None: ...

    def tag_counts(self, state: FilterState) -> list[tuple[str, int]]: ...

    def leaf_hashes(self, seqs: Sequence[int]) -> dict[int, list[str]]: ...

    def annotation_files(self) -> list[tuple[str, bytes]]: ...

    def close(self) -> None: ...
