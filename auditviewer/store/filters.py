"""What a view shows and in what order: :class:`Filter`, its scopes, :class:`Sort`.

A filter compiles to one parameterised SQL condition (:class:`SqlFilter`) in
two parts: the costly one (the search query of :mod:`auditviewer.query` and the
scope), whose matching rows the store keeps per search, and the cheap one a
person clicks through (category and action facets, time range), evaluated on
those kept rows (see ``StoreConnection._matching_rows``). Column names come
from the schema, values only as parameters. No database access here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final

from auditviewer.core.errors import StoreError
from auditviewer.query.sql import SqlFilter, compile_query, json_pointer
from auditviewer.store.schema import SORTABLE_COLUMNS


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceScope:
    """The scoped log of one resource: entries whose resource type and id name it."""

    type: str
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleScope:
    """Every entry of one title."""

    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Filter:
    """What a view shows: all parts must hold.

    ``categories`` / ``actions``: exact values (``None`` stands for a missing
    one); empty means any. ``time_start`` is inclusive, ``time_end``
    exclusive; both must be timezone-aware. ``query`` is the search language
    of :mod:`auditviewer.query`, its dates read in ``query_tz``.
    """

    query: str = ""
    scope: ResourceScope | TitleScope | None = None
    categories: frozenset[str | None] = frozenset()
    actions: frozenset[str | None] = frozenset()
    time_start: datetime | None = None
    time_end: datetime | None = None
    query_tz: tzinfo = UTC

    def to_sql(self) -> SqlFilter:
        """One parameterised condition for all parts (raises QueryError for a bad query)."""
        return self.base_sql().and_(self.selection_sql())

    def base_sql(self, word_rows: Callable[[str], str | None] | None = None) -> SqlFilter:
        """The costly part (search query and scope), which the store keeps results of;
        ``word_rows``: the store's word index (see :func:`compile_query`)."""
        result = compile_query(self.query, tz=self.query_tz, word_rows=word_rows)
        if isinstance(self.scope, ResourceScope):
            result = result.and_(
                SqlFilter(
                    where="resource_type IS NOT DISTINCT FROM ? AND resource_id IS NOT DISTINCT FROM ?",
                    params=[self.scope.type, self.scope.id],
                )
            )
        elif isinstance(self.scope, TitleScope):
            result = result.and_(
                SqlFilter(where="title_id IS NOT DISTINCT FROM ?", params=[self.scope.id])
            )
        return result

    def selection_sql(self) -> SqlFilter:
        """The cheap part a person clicks through (facets, time range): only
        ``category``, ``action`` and ``time``, which kept results carry."""
        result = SqlFilter()
        for column, values in (("category", self.categories), ("action", self.actions)):
            if values:
                result = result.and_(_one_of(column, values))
        if self.time_start is not None:
            result = result.and_(
                SqlFilter(where="time >= ?", params=[aware_utc(self.time_start, "time_start")])
            )
        if self.time_end is not None:
            result = result.and_(
                SqlFilter(where="time < ?", params=[aware_utc(self.time_end, "time_end")])
            )
        return result


def _one_of(column: str, values: frozenset[str | None]) -> SqlFilter:
    present = sorted(value for value in values if value is not None)
    # list_contains with one list parameter: the SQL text stays the same
    # whatever the number of values.
    condition = f"coalesce(list_contains(?::VARCHAR[], {column}), false)"
    if None in values:
        condition = f"({condition} OR {column} IS NULL)"
    return SqlFilter(where=condition, params=[present])


def aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


#: The :class:`Sort` column of a metadata value (with its key path in ``path``).
META_SORT: Final = "meta"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sort:
    """The order of a view; ties are broken by position in the log (same direction).

    ``column`` is a stored column, or :data:`META_SORT` with ``path`` a metadata
    key path (``("image", "after")``, the table's ``meta.image.after`` column):
    rows are then ordered by that value's text (an object or array by its JSON
    text), in text order, entries without it last in either direction. The path
    reaches the SQL as a JSON Pointer parameter (:meth:`params`), never as text.
    """

    column: str = "seq"
    descending: bool = False
    path: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.column == META_SORT:
            if not self.path or not all(isinstance(key, str) and key for key in self.path):
                raise StoreError("a metadata sort needs a key path")
        elif self.column not in SORTABLE_COLUMNS:
            raise StoreError(f"cannot sort by {self.column!r}")
        elif self.path:
            raise StoreError(f"{self.column!r} takes no key path")

    @property
    def needed(self) -> frozenset[str]:
        """The stored columns the sort key is computed from."""
        return frozenset({"leaf"} if self.column == META_SORT else {self.column})

    def key(self) -> str:
        """The SQL of the first sort key (no direction); its parameters are :meth:`params`."""
        if self.column == META_SORT:
            return "try(json_extract_string(leaf, ?))"
        # The column comes from SORTABLE_COLUMNS (checked above), never from user text.
        return self.column

    def params(self) -> list[object]:
        """The parameters of :meth:`key`, in order."""
        return ["/metadata" + json_pointer(self.path)] if self.column == META_SORT else []

    def order_by(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        keys = [f"{self.key()} {direction} NULLS LAST"] if self.column != "seq" else []
        keys += [f"seq {direction}", f"rid {direction}"]
        return ", ".join(keys)
