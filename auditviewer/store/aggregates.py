"""Counts over a filter: matches, facets, time bounds, histogram, scope tree.

Each reads the rows a :class:`~auditviewer.store.filters.Filter` matches
through ``_matching_rows`` (so a search of the entry text is evaluated once
for all of them) and returns small dataclasses (:class:`Histogram`,
:class:`ScopeTree` of :class:`TitleNode` and :class:`ResourceNode`), never a
Python object per entry."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from auditviewer.core.errors import StoreError
from auditviewer.store.connection import StoreConnection
from auditviewer.store.filters import Filter, aware_utc
from auditviewer.store.schema import FACET_FIELDS


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


class StoreAggregates(StoreConnection):
    """Counts, facets, time bounds, histogram and scope tree of a filter."""

    def count_matching(self, filter: Filter) -> int:
        """Entries that ``filter`` matches, without making a view."""
        with self._lock:
            rows, params = self._matching_rows(filter, set())
            return int(self._fetchone(f"SELECT count(*) FROM {rows}", params)[0])


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
        first = aware_utc(bounds[0], "histogram start")
        last = aware_utc(bounds[1], "histogram end")
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
