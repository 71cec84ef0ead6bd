"""Plain exports of selected entries: JSONL, Parquet and CSV, with no proof.

Each keeps every entry's stored text unchanged (JSONL lines, the ``entry``
column of Parquet and CSV), so that reading a plain export back gives the same
bytes; the other columns are conveniences for spreadsheets and data tools.

Plain exports cannot be verified: they carry no checkpoints and no proof.
Parquet says so in its key-value metadata (``auditviewer.export.plan``); JSONL and
CSV have no place for such a note that every reader would skip, so they stay
pure data and the note is given by the command line, the viewer's dialog and
docs/export.md.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from auditviewer.core.atomic import SafeFile
from auditviewer.core.display import visible
from auditviewer.core.entry_schema import ENTRY_COLUMNS, export_columns
from auditviewer.core.errors import ExportError
from auditviewer.core.times import parse_rfc3339
from auditviewer.input.formats.entry import dumps_opaque, loads_opaque

#: Columns of the Parquet and CSV exports, in order: the entry schema's columns
#: (:mod:`auditviewer.core.entry_schema`, in their export order) after ``seq``.
#: ``entry`` is the stored text.
PLAIN_COLUMNS = (
    "seq",
    *(c.name for c in export_columns()),
    "metadata",
    "integrity_at_export",
    "entry",
)

#: The investigator's annotations, after ``entry`` when an export asks for them (issue 14):
#: every tag once, by spaces, the star first; every note as ``author: note``, one a line.
ANNOTATION_COLUMNS = ("tags", "note")
#: seq → (tags, note) cells (``casework/annotations.py``'s :func:`annotation_cells`).
AnnotationCells = Callable[[int], tuple[str, str]]

NO_PROOF_NOTE = (
    "plain export: no checkpoints and no proof travel with these entries, so they cannot be "
    "verified; export a bundle (.zip or folder) for a verifiable slice"
)

# A spreadsheet runs a cell as a formula (or DDE command) when it starts with one of
# these. Tab and carriage return are on the list because some spreadsheets strip them
# and then see the next character. The fullwidth forms are cheap caution: some locales'
# input methods treat them as their ASCII twins.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

_ROWS_PER_BATCH = 8192

# Default-ignorable code points that are neither format (Cf) nor control (Cc)
# characters: a spreadsheet may drop them as it drops blanks (U+034F combining
# grapheme joiner, Hangul fillers, Mongolian and other variation selectors).
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)


def _skipped(ch: str) -> bool:
    """Blank or invisible: spaces, tabs, line breaks, NBSP, ZWSP, BOM, soft hyphen, joiners..."""
    if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def neutralize_cell(value: str) -> str:
    """A CSV cell that no spreadsheet will evaluate (OWASP's rule, widened): a ``'``
    before a cell that starts with tab or CR, or whose first character that is not
    blank or invisible is one of :data:`FORMULA_STARTS` (so ``" =1+1"``,
    ``"\\n=1+1"`` and ``"\\u00a0=1"`` are caught too). The one rule of every CSV we write."""
    if not value:
        return value
    if value[0] in "\t\r":
        return "'" + value
    for ch in value:
        if not _skipped(ch):
            return "'" + value if ch in FORMULA_STARTS else value
    return value


class _Writes(Protocol):
    def write(self, text: str, /) -> Any: ...


class CsvCells:
    """The one CSV writer (``export --format csv``, ``query --format csv``, the viewer's
    export): integers as they are, every text cell through :func:`neutralize_cell`;
    for a terminal (``terminal=True``), every cell also through
    :func:`auditviewer.core.display.visible`, so no raw control or bidi character reaches it."""

    def __init__(self, out: _Writes, *, terminal: bool = False, lineterminator: str = "\r\n") -> None:
        # A terminal ends lines itself: a CR there is one more control character.
        self._writer = csv.writer(out, lineterminator="\n" if terminal else lineterminator)
        self._terminal = terminal

    def header(self, names: Sequence[str]) -> None:
        self._writer.writerow(names)

    def row(self, values: Iterable[object]) -> None:
        self._writer.writerow([self._cell(value) for value in values])

    def _cell(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        text = neutralize_cell(value if isinstance(value, str) else str(value))
        return visible(text) if self._terminal else text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    # A malformed entry may hold a number or object where text belongs: show it as JSON.
    return dumps_opaque(value)


def _at(value: dict[str, Any], path: tuple[str, ...]) -> str | None:
    """The text at ``path`` in an entry (None where an object is missing)."""
    inner: Any = value
    for key in path[:-1]:
        inner = inner.get(key)
        if not isinstance(inner, dict):
            return None
    return _text(inner.get(path[-1]))


# The entry schema's columns read from the entry: at its top level, in an object of
# it (actor.email), deeper; then those joined from others (the event type).
_TOP = [(c.name, c.path[0]) for c in ENTRY_COLUMNS if len(c.path) == 1]
_NESTED = [(c.name, c.path[0], c.path[1]) for c in ENTRY_COLUMNS if len(c.path) == 2]
_DEEPER = [(c.name, c.path) for c in ENTRY_COLUMNS if len(c.path) > 2]
_JOINED = [(c.name, c.joins) for c in ENTRY_COLUMNS if c.joins]


def entry_row(seq: int, leaf: bytes, state: str) -> dict[str, Any]:
    """The plain-export columns of one entry (``entry`` is its stored text, unchanged)."""
    text = leaf.decode("utf-8")
    try:
        value = loads_opaque(text)  # numbers of any length stay as written (spec §2)
    except (ValueError, RecursionError):
        value = {}
    if not isinstance(value, dict):
        value = {}
    row: dict[str, Any] = {"seq": seq}
    for name, key in _TOP:
        row[name] = _text(value.get(key))
    for name, outer, key in _NESTED:
        inner = value.get(outer)
        row[name] = _text(inner.get(key)) if isinstance(inner, dict) else None
    for name, path in _DEEPER:
        row[name] = _at(value, path)
    for name, parts in _JOINED:  # the event type: category and action
        row[name] = " ".join(p for p in (row[part] for part in parts) if p) or None
    metadata = value.get("metadata")
    row["metadata"] = None if metadata is None else dumps_opaque(metadata)
    row["integrity_at_export"] = state
    row["entry"] = text
    return row


def write_jsonl(
    file: SafeFile, entries: Iterable[tuple[int, bytes]], *, on_rows: Callable[[int], None]
) -> None:
    """One stored entry per line, nothing else: a line of anything else would read back as an entry."""
    chunk: list[bytes] = []
    for seq, leaf in entries:
        if b"\n" in leaf:
            raise ExportError(
                f"seq {seq}: its stored bytes contain a line break, so JSONL cannot hold them "
                "unchanged; export Parquet or a bundle instead"
            )
        chunk.append(leaf)
        if len(chunk) >= _ROWS_PER_BATCH:
            file.write(b"\n".join(chunk) + b"\n")
            on_rows(len(chunk))
            chunk = []
    if chunk:
        file.write(b"\n".join(chunk) + b"\n")
        on_rows(len(chunk))


# A time column is a UTC timestamp, with its stored text beside it (``time_text``).
_TIME_COLUMNS = frozenset(c.name for c in ENTRY_COLUMNS if c.kind == "time")


def _parquet_fields() -> Iterator[tuple[str, pa.DataType]]:
    for name in PLAIN_COLUMNS:
        if name == "seq":
            yield name, pa.int64()
        elif name in _TIME_COLUMNS:
            yield name, pa.timestamp("us", tz="UTC")
            yield f"{name}_text", pa.string()
        else:
            yield name, pa.string()


PARQUET_SCHEMA = pa.schema(list(_parquet_fields()))
#: Parquet's ``<time>_text`` columns → the column whose stored text they hold.
_TIME_TEXTS = {f"{name}_text": name for name in _TIME_COLUMNS}


def _rows_in_batches(
    entries: Iterable[tuple[int, bytes]], state_of: Callable[[int], str]
) -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for seq, leaf in entries:
        rows.append(entry_row(seq, leaf, state_of(seq)))
        if len(rows) >= _ROWS_PER_BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def write_parquet(
    file: SafeFile,
    entries: Iterable[tuple[int, bytes]],
    *,
    state_of: Callable[[int], str],
    metadata: dict[str, Any],
    on_rows: Callable[[int], None],
    cells: AnnotationCells | None = None,
) -> None:
    """Typed columns plus ``entry``; the key-value metadata says there is no proof.

    ``time`` is a UTC timestamp (null where the stored text is not RFC 3339);
    ``time_text`` keeps the text as stored. With ``cells``, the investigator's
    ``tags`` and ``note`` columns follow.
    """
    base = PARQUET_SCHEMA
    if cells is not None:
        base = pa.schema([*base, *[(name, pa.string()) for name in ANNOTATION_COLUMNS]])
    schema = base.with_metadata(
        {"auditviewer.export": json.dumps(metadata, ensure_ascii=False, sort_keys=True)}
    )
    # Snappy: the codec every Parquet reader (spreadsheets' connectors included) knows.
    writer = pq.ParquetWriter(file, schema, compression="snappy")
    try:
        for rows in _rows_in_batches(entries, state_of):
            columns: dict[str, list[Any]] = {name: [] for name in schema.names}
            for row in rows:
                for name in schema.names:
                    if name in _TIME_COLUMNS:
                        columns[name].append(parse_rfc3339(row[name]))
                    elif name in _TIME_TEXTS:
                        columns[name].append(row[_TIME_TEXTS[name]])
                    elif name in ANNOTATION_COLUMNS:
                        assert cells is not None
                        columns[name].append(cells(row["seq"])[ANNOTATION_COLUMNS.index(name)])
                    else:
                        columns[name].append(row[name])
            writer.write_table(pa.table(columns, schema=schema))
            on_rows(len(rows))
    finally:
        writer.close()


def write_csv(
    file: SafeFile,
    entries: Iterable[tuple[int, bytes]],
    *,
    state_of: Callable[[int], str],
    on_rows: Callable[[int], None],
    cells: AnnotationCells | None = None,
) -> None:
    """One row per entry; every text cell neutralised against formula injection.

    ``entry`` always starts with ``{`` (an entry is a JSON object), so
    neutralising never touches it and it reads back byte for byte. With
    ``cells``, the investigator's ``tags`` and ``note`` columns follow.
    """
    buffer = io.StringIO()
    writer = CsvCells(buffer)
    writer.header((*PLAIN_COLUMNS, *ANNOTATION_COLUMNS) if cells is not None else PLAIN_COLUMNS)
    for rows in _rows_in_batches(entries, state_of):
        for row in rows:
            values = [row[name] for name in PLAIN_COLUMNS]
            if cells is not None:
                values.extend(cells(row["seq"]))
            writer.row(values)
        file.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        on_rows(len(rows))
    if buffer.tell():
        file.write(buffer.getvalue().encode("utf-8"))


__all__ = [
    "ANNOTATION_COLUMNS",
    "FORMULA_STARTS",
    "NO_PROOF_NOTE",
    "PLAIN_COLUMNS",
    "AnnotationCells",
    "CsvCells",
    "entry_row",
    "neutralize_cell",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
