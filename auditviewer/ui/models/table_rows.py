"""Display rows of the log table, made from the Arrow pages a store view hands out.

Qt-free on purpose: :class:`Row` is what :class:`~auditviewer.ui.models.table_model.EntryTableModel`
keeps per row of a cached page (a page of 128 rows at a time, never all rows), and
:func:`rows_from_table` turns one Arrow page into them, tolerant of the store's optional
columns (metadata columns ``meta_0``…, entry-schema columns with a column of their own).
Every text from the entry goes through :mod:`auditviewer.core.display` here, once per
page, so the model's ``data()`` only picks fields. A malformed line's row (``state``
``malformed``, no seq: ``store/malformed.py``) is a :class:`Row` with ``seq`` None and its
:class:`MalformedCells`; its bytes reach a cell only escaped
(:func:`~auditviewer.core.display.bytes_text`). Split out of ``table_model.py``
(which stays the Qt adapter: columns, pages, sorting, roles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from auditviewer.core.display import bytes_text, cell_text, json_text
from auditviewer.core.domain import MALFORMED
from auditviewer.core.entry_schema import table_columns
from auditviewer.core.summary import summarize
from auditviewer.core.times import format_time

#: Entry columns shown in a column of their own (the entry schema's ``own_table_column``).
ENTRY_TABLE_COLUMNS = table_columns()


@dataclass(frozen=True, slots=True)
class MalformedCells:
    """What a malformed line's row holds (not an entry: ``store/malformed.py``)."""

    file: str
    line: int
    reason: str
    #: The bytes as read (cut at ``Limits.max_raw_line_bytes``; ``cut`` says so).
    raw: bytes
    cut: bool

    @property
    def place(self) -> str:
        """``line N of file``, the file label made safe to show (the line first: a cut label
        never hides it)."""
        return f"line {self.line:,} of {cell_text(self.file)}"

    @property
    def short_place(self) -> str:
        """``line N of name``: the file's own name (the cell; ``place`` in its tooltip)."""
        return f"line {self.line:,} of {cell_text(self.file.replace(chr(92), '/').rsplit('/', 1)[-1])}"

    @property
    def text(self) -> str:
        """The bytes escaped, whole (:func:`bytes_text`): what the pane shows and a copy holds."""
        return bytes_text(self.raw) + ("…" if self.cut else "")


@dataclass(slots=True)
class Row:
    """One displayed row: an entry, or a malformed line (``seq`` None, ``malformed`` set)."""

    seq: int | None
    time_ms: int | None
    time_text: str
    event_type: str
    actor: str
    resource: str
    title: str
    summary: str
    state: str | None
    beyond_retention: bool
    #: The stored texts of event type, actor, resource and title (what a copy holds).
    raw: tuple[str, str, str, str] = ("", "", "", "")
    #: The stored texts of the entry columns with a column of their own (ENTRY_TABLE_COLUMNS).
    entry_texts: tuple[str, ...] = ()
    #: The metadata columns' values (text, or JSON of an object or array; None: absent).
    extra: tuple[str | None, ...] = ()
    #: A malformed line's row: its file, line, reason and bytes (None for an entry).
    malformed: MalformedCells | None = None


def _get(columns: dict[str, list[Any]], name: str, i: int) -> Any:
    col = columns.get(name)
    return None if col is None else col[i]


def _ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    ts = getattr(value, "timestamp", None)
    if ts is not None:
        try:
            return int(value.timestamp() * 1000)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _str(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def copy_cell(text: str) -> str:
    """A cell as copied: exact and safe, JSON string escapes without the quotes
    (tabs, newlines, control, bidi and invisible characters as ``\\t``, ``\\n``,
    ``\\uXXXX``; never cut)."""
    return json_text(text)[1:-1]


def rows_from_table(
    table: pa.Table, *, utc: bool, retention_ms: int | None
) -> list[Row]:
    """Arrow rows to display rows; tolerant of the store's optional columns."""
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    meta_names: list[str] = []
    while f"meta_{len(meta_names)}" in columns:
        meta_names.append(f"meta_{len(meta_names)}")
    out = []
    for i in range(table.num_rows):
        if _get(columns, "state", i) == MALFORMED:
            out.append(_malformed_row(columns, i))
            continue
        time_ms = _ms(_get(columns, "time_ms", i))
        if time_ms is None:
            time_ms = _ms(_get(columns, "time", i))
        raw_time = _get(columns, "time_text", i)
        event = _get(columns, "event_type", i)
        if event is None:
            event = " ".join(
                str(p) for p in (_get(columns, "category", i), _get(columns, "action", i)) if p
            )
        actor = _get(columns, "actor", i)
        if actor is None:
            actor = _get(columns, "actor_email", i) or _get(columns, "actor_name", i) or ""
        resource = _get(columns, "resource", i)
        if resource is None:
            resource = _get(columns, "resource_name", i) or _get(columns, "resource_id", i) or ""
        title = _get(columns, "title", i)
        if title is None:
            title = _get(columns, "title_name", i) or ""
        summary = _get(columns, "summary", i)
        if summary is None:
            summary = summarize(_get(columns, "metadata", i))
        time_text = format_time(time_ms, utc) if time_ms is not None else str(raw_time or "")
        out.append(
            Row(
                seq=int(_get(columns, "seq", i) or 0),  # an entry's seq is never NULL
                time_ms=time_ms,
                time_text=time_text,
                event_type=cell_text(event),
                actor=cell_text(actor),
                resource=cell_text(resource),
                title=cell_text(title),
                summary=cell_text(summary),
                state=_get(columns, "state", i),
                beyond_retention=(
                    retention_ms is not None and time_ms is not None and time_ms < retention_ms
                ),
                raw=(_str(event), _str(actor), _str(resource), _str(title)),
                entry_texts=tuple(_str(_get(columns, c.name, i)) for c in ENTRY_TABLE_COLUMNS),
                extra=tuple(columns[name][i] for name in meta_names),
            )
        )
    return out


#: A malformed line's Event type cell, and the reason's characters its Summary shows.
MALFORMED_EVENT = "Malformed line (not an entry)"
_SUMMARY_RAW = 200


def _malformed_row(columns: dict[str, list[Any]], i: int) -> Row:
    """A malformed line's row: no seq, no time, its place and reason, its bytes escaped."""
    cells = MalformedCells(
        file=_str(_get(columns, "malformed_file", i)),
        line=int(_get(columns, "malformed_line", i) or 0),
        reason=_str(_get(columns, "malformed_reason", i)),
        raw=bytes(_get(columns, "malformed_raw", i) or b""),
        cut=bool(_get(columns, "malformed_cut", i)),
    )
    gist = f"{cells.reason}: {bytes_text(cells.raw[:_SUMMARY_RAW])}"
    return Row(
        seq=None,
        time_ms=None,
        time_text="",
        event_type=MALFORMED_EVENT,
        actor="",
        resource=cells.short_place,
        title="",
        summary=cell_text(gist),
        state=MALFORMED,
        beyond_retention=False,
        raw=(MALFORMED_EVENT, "", f"{cells.file} line {cells.line}", ""),
        entry_texts=tuple("" for _ in ENTRY_TABLE_COLUMNS),
        malformed=cells,
    )
