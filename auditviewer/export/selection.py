"""Which entries an export holds, and how the manifest describes the choice.

A selection is explicit ``seqs``, a ``query`` in the search language or the
viewer's ``filter`` (both selected through the DuckDB store), or, with none,
every entry (:func:`select`). :func:`selection_text` is the manifest's ``query``
for it. :func:`with_source` opens (and verifies) paths when the caller gave
paths rather than an open :class:`~auditviewer.export.source.ExportSource`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from auditviewer.core.errors import ExportError
from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.core.times import format_rfc3339
from auditviewer.export.source import (
    ExportSource,
    open_source,
)
from auditviewer.integrity.keys import VerifierKey


def describe_seqs(seqs: Sequence[int], *, limit: int = 200) -> str:
    """``seq 0-9,12,40-41`` for a sorted selection, shortened past ``limit`` characters."""
    runs: list[str] = []
    i = 0
    while i < len(seqs):
        j = i
        while j + 1 < len(seqs) and seqs[j + 1] == seqs[j] + 1:
            j += 1
        runs.append(str(seqs[i]) if i == j else f"{seqs[i]}-{seqs[j]}")
        i = j + 1
    text = "seq " + ",".join(runs)
    if len(text) > limit:
        cut = text[:limit].rsplit(",", 1)[0]
        shown = cut.count(",") + 1
        text = f"{cut},… ({len(runs) - shown} more ranges; {len(seqs)} entries)"
    return text


def select(
    source: ExportSource,
    *,
    seqs: Iterable[int] | None = None,
    query: str | None = None,
    filter: Any = None,
) -> list[int]:
    """The sorted, distinct seqs a selection names; every one must be an entry of ``source``.

    ``filter`` is an :class:`auditviewer.store.store.Filter` (the viewer's whole filter
    state: query, scope, facets, time range).
    """
    if sum(x is not None and x != "" for x in (seqs, query, filter)) > 1:
        raise ExportError("select by seqs, by a query or by a filter, not several")
    if filter is not None:
        if source.store is None:
            raise ExportError("selecting by filter needs a store; open the source with a store")
        return [int(s) for s in source.store.seqs(filter).to_pylist()]
    if seqs is not None:
        chosen = sorted(set(seqs))
        known = source.entry_seqs  # sorted
        unknown = [s for s in chosen if not _contains(known, s)]
        if unknown:
            raise ExportError(
                f"{len(unknown)} selected seqs are not entries of the workspace (first: {unknown[0]})"
            )
        return chosen
    if query and query.strip():
        if source.store is None:
            raise ExportError("selecting by query needs a store; open the source with a store")
        from auditviewer.store.store import Filter

        return [int(s) for s in source.store.seqs(Filter(query=query)).to_pylist()]
    return list(source.entry_seqs)


def _contains(ordered: Sequence[int], value: int) -> bool:
    i = bisect.bisect_left(ordered, value)
    return i < len(ordered) and ordered[i] == value


def describe_filter(filter: Any) -> str:
    """A store Filter in words, for the manifest's ``query``: its query, scope, facets and times."""
    parts = [filter.query.strip()] if getattr(filter, "query", "").strip() else []
    scope = getattr(filter, "scope", None)
    if scope is not None:
        parts.append(
            f"resource:{scope.id} type:{scope.type}" if hasattr(scope, "type") else f"title:{scope.id}"
        )
    for name in ("categories", "actions"):
        values = sorted(v if v is not None else "(none)" for v in getattr(filter, name, ()) or ())
        if values:
            parts.append(f"{name[:-1] if name == 'actions' else 'category'} in ({', '.join(values)})")
    start, end = getattr(filter, "time_start", None), getattr(filter, "time_end", None)
    if start is not None or end is not None:
        parts.append(
            "time in ["
            + (format_rfc3339(start) if start else "")
            + ", "
            + (format_rfc3339(end) if end else "")
            + ")"
        )
    return " ".join(parts)


def selection_text(
    source: ExportSource,
    selected: list[int],
    query: str | None,
    description: str | None,
    filter: Any = None,
) -> str:
    text = description or (query.strip() if query and query.strip() else "")
    if not text and filter is not None:
        text = describe_filter(filter)
    if not text:
        text = "all entries" if len(selected) == len(source.entry_seqs) else describe_seqs(selected)
    earlier = next((m.query for m in source.manifests if m.query), None)
    if earlier:
        # A slice of a slice: say what the first cut was, too.
        text = f"{text} (within: {earlier})"
    return text


SourceArg = ExportSource | Sequence[Path] | Sequence[str]


def with_source(
    source: SourceArg,
    keys: Iterable[VerifierKey],
    needs_store: bool | str | None,
    progress: Progress | None,
    cancelled: CancelCheck | None,
) -> tuple[ExportSource, bool]:
    if isinstance(source, ExportSource):
        return source, False
    paths = [Path(p) for p in source]
    return (
        open_source(
            paths, keys=keys, with_store=bool(needs_store), progress=progress, cancelled=cancelled
        ),
        True,
    )
