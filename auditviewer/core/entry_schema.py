"""The entry schema: each column read out of an entry, defined once.

An entry (spec §2) is a JSON object; the store, the search language, the plain
exports, ``auditviewer query`` and the viewer's table show some of its fields as
columns (``actor_email`` is ``$.actor.email``). Each such column is one
:class:`EntryColumn` in :data:`ENTRY_COLUMNS`, which says everything the layers
need to know about it:

- ``name``: the column of the store's ``entries`` table, of a window's rows and
  of the plain exports;
- ``path``: where it is in the entry (its JSON path, :attr:`EntryColumn.json_path`),
  or, for a column made of others, ``joins`` (the event type is category and
  action joined by a space);
- ``kind``: ``text``, or ``time`` (an RFC 3339 time: a ``TIMESTAMPTZ`` column,
  a UTC timestamp in Parquet beside its text);
- :meth:`EntryColumn.sql`: the SQL expression DuckDB derives it with, once per
  entry, as rows are stored (:mod:`auditviewer.store.schema`);
- ``label``: its name for people (a table header, the column chooser);
- ``export_order``: its place in the plain exports' columns (CSV, Parquet);
- ``query_field``: the search language's field matching it (``actor:`` matches
  ``actor_email`` or ``actor_name``; :mod:`auditviewer.query.sql`);
- ``facet``: whether the viewer counts its values in a facet list;
- ``own_table_column``: whether the viewer's table shows it in a column of its
  own (the columns shown together in a composed cell, Actor, Resource, Title,
  Event type, or only in the JSON pane, say False).

Adding a field is one line here: the store derives and keeps it, the search
language matches it by its ``query_field``, the exports and ``auditviewer
query --format csv`` write it, the table shows it in a column titled by its
``label`` (``tests/unit/core/test_entry_schema.py`` adds one and finds it in
each). The places that show columns specially keep their own words for them:
the table's composed cells (``ui/models/table_model.py``), the scope tree
(titles and resources: ``workspace/scopes.py``, ``store/aggregates.py``), the
terminal table of ``auditviewer query`` (``cli/query.py``'s ``TABLE_COLUMNS``)
and the evidence report. ``core/summary.py`` and ``input/formats/plain.py`` name
keys of the dashboard's own export, not columns.

No I/O and no imports from the rest of the package: every layer may read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ENTRY_COLUMNS",
    "EntryColumn",
    "column",
    "entry_column_names",
    "export_columns",
    "query_fields",
    "table_columns",
]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryColumn:
    """One column read out of an entry (see the module's docstring for each part)."""

    name: str
    label: str
    path: tuple[str, ...] = ()
    joins: tuple[str, ...] = ()
    kind: Literal["text", "time"] = "text"
    export_order: int = 1_000
    query_field: str | None = None
    facet: bool = False
    own_table_column: bool = True

    def __post_init__(self) -> None:
        # Names and keys go into SQL text and JSON paths as they are: plain identifiers only.
        if not _KEY.match(self.name) or not all(_KEY.match(key) for key in self.path):
            raise ValueError(f"entry column {self.name!r}: names and path keys must be identifiers")
        if bool(self.path) == bool(self.joins):
            raise ValueError(f"entry column {self.name!r}: give a path or the columns it joins")

    @property
    def json_path(self) -> str | None:
        """Its JSON path in the entry (``$.actor.email``); None for a joined column."""
        return "$." + ".".join(self.path) if self.path else None

    def sql(self, field: Mapping[str, str]) -> str:
        """The SQL expression deriving this column, ``field[name]`` being the SQL
        for the text at a column's JSON path (NULL where the entry has none)."""
        if self.joins:
            parts = [field[name] for name in self.joins]
            return (
                f"CASE WHEN {' OR '.join(f'{p} IS NOT NULL' for p in parts)} "
                f"THEN concat_ws(' ', {', '.join(parts)}) END"
            )
        text = field[self.name]
        if self.kind == "time":
            # RFC 3339 times only: a bare try_cast would also take 'epoch', 'infinity'
            # or a date without a time, which are not entry times. Checking the date-time
            # separator and the zone is enough to exclude those, and is several times
            # cheaper than a regular expression over a million values.
            return f"""
    CASE WHEN substr({text}, 11, 1) IN ('T', 't', ' ')
              AND (right({text}, 1) IN ('Z', 'z')
                   OR substr({text}, -6, 1) IN ('+', '-'))
         THEN try_cast({text} AS TIMESTAMPTZ) END"""
        return text


#: Every entry column, in the store's order (its DDL, a window's columns).
ENTRY_COLUMNS: tuple[EntryColumn, ...] = (
    EntryColumn(
        name="id",
        label="ID",
        path=("id",),
        export_order=1,
        query_field="id",
        own_table_column=False,
    ),
    EntryColumn(
        name="time",
        label="Time",
        path=("time",),
        kind="time",
        export_order=2,
        own_table_column=False,
    ),
    EntryColumn(
        name="category",
        label="Category",
        path=("category",),
        export_order=3,
        query_field="category",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="action",
        label="Action",
        path=("action",),
        export_order=4,
        query_field="action",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="event_type",
        label="Event type",
        joins=("category", "action"),
        export_order=5,
        query_field="event",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="actor_email",
        label="Actor email",
        path=("actor", "email"),
        export_order=6,
        query_field="actor",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="actor_type",
        label="Actor type",
        path=("actor", "type"),
        export_order=8,
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="actor_name",
        label="Actor name",
        path=("actor", "name"),
        export_order=7,
        query_field="actor",
        own_table_column=False,
    ),
    EntryColumn(
        name="resource_type",
        label="Resource type",
        path=("resource", "type"),
        export_order=9,
        query_field="type",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="resource_id",
        label="Resource ID",
        path=("resource", "id"),
        export_order=10,
        query_field="resource",
        own_table_column=False,
    ),
    EntryColumn(
        name="resource_name",
        label="Resource name",
        path=("resource", "name"),
        export_order=11,
        query_field="resource",
        own_table_column=False,
    ),
    EntryColumn(
        name="title_id",
        label="Title ID",
        path=("title", "id"),
        export_order=12,
        query_field="title",
        facet=True,
        own_table_column=False,
    ),
    EntryColumn(
        name="title_name",
        label="Title name",
        path=("title", "name"),
        export_order=13,
        query_field="title",
        own_table_column=False,
    ),
)

#: The order the search language lists its text fields in (help, error messages);
#: a field not named here comes after them, in the schema's order.
_QUERY_FIELD_ORDER: Final = (
    "category",
    "action",
    "event",
    "actor",
    "resource",
    "type",
    "title",
    "id",
)


def column(name: str) -> EntryColumn:
    """The entry column called ``name`` (KeyError if none)."""
    for entry_column in ENTRY_COLUMNS:
        if entry_column.name == name:
            return entry_column
    raise KeyError(name)


def entry_column_names() -> tuple[str, ...]:
    """The entry columns' names in the store's order."""
    return tuple(c.name for c in ENTRY_COLUMNS)


def export_columns() -> tuple[EntryColumn, ...]:
    """The entry columns in the plain exports' order."""
    return tuple(sorted(ENTRY_COLUMNS, key=lambda c: c.export_order))


def query_fields() -> dict[str, tuple[str, ...]]:
    """The search language's text fields → the columns each matches (either of them)."""
    fields: dict[str, list[str]] = {}
    for entry_column in ENTRY_COLUMNS:
        if entry_column.query_field is not None:
            fields.setdefault(entry_column.query_field, []).append(entry_column.name)
    order = {name: i for i, name in enumerate(_QUERY_FIELD_ORDER)}
    names = sorted(fields, key=lambda f: order.get(f, len(order)))
    return {name: tuple(fields[name]) for name in names}


def table_columns() -> tuple[EntryColumn, ...]:
    """The entry columns the viewer's table shows in a column of their own."""
    return tuple(c for c in ENTRY_COLUMNS if c.own_table_column)
