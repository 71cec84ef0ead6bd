"""The organization log as a Qt table model: a thin adapter over a window source.

The model never holds the log. It asks its :class:`WindowSource` for the row
count and for pages of ``PAGE_SIZE`` rows (Arrow tables) as the view scrolls,
keeping the most recently used ``MAX_PAGES`` pages. A million-row view costs
a few pages of Python objects, whatever the scroll position.

Columns of the person's choosing (issue 13, feature 3): after the fixed columns
come metadata columns, one per key path (``meta.image.after``), set with
:meth:`EntryTableModel.set_meta_columns`. Their values are not read here from each
row's metadata: the source's windows carry them as ``meta_0``, ``meta_1``… (the
store extracts them in the same query as the page, :meth:`Store.window`'s
``meta``), so a metadata column costs a page what a fixed column costs.

The retention marker is an icon shipped in ``resources/`` (``retention.svg``), not
the character ⌛, which no commonly installed font draws (issue 13.12).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

import pyarrow as pa
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from auditviewer.core.display import cell_text, plain_tooltip
from auditviewer.core.domain import FAILED, MALFORMED, UNVERIFIED, VERIFIED
from auditviewer.core.resources_path import resource
from auditviewer.core.times import format_time
from auditviewer.ui.models.table_rows import ENTRY_TABLE_COLUMNS, Row, copy_cell, rows_from_table

PAGE_SIZE = 128
MAX_PAGES = 128

# Columns, in their default order.
COL_STATE = 0
COL_TIME = 1
COL_EVENT = 2
COL_ACTOR = 3
COL_RESOURCE = 4
COL_TITLE = 5
COL_SUMMARY = 6
COL_SEQ = 7
# -- issue 14: the investigator's Tags column (star and tags; the note in its tooltip). Not the
# log's: never from the store's rows, set by the case-work controller (ui/window/casework.py).
COL_TAGS = 8
# Entry columns shown in a column of their own (table_rows.ENTRY_TABLE_COLUMNS, from the
# entry schema's ``own_table_column``) come after Tags; none today: every entry column is
# in a composed cell or the JSON pane.
_FIRST_ENTRY_COL = COL_TAGS + 1
COLUMN_COUNT = _FIRST_ENTRY_COL + len(ENTRY_TABLE_COLUMNS)

COLUMN_TITLES = {
    COL_STATE: "",
    COL_TIME: "Time",
    COL_EVENT: "Event type",
    COL_ACTOR: "Actor",
    COL_RESOURCE: "Resource",
    COL_TITLE: "Title",
    COL_SUMMARY: "Summary",
    COL_SEQ: "Seq",
    COL_TAGS: "Tags",
    **{_FIRST_ENTRY_COL + i: c.label for i, c in enumerate(ENTRY_TABLE_COLUMNS)},
}
#: Names for the column chooser and settings (the badge column has no title).
COLUMN_NAMES = {**COLUMN_TITLES, COL_STATE: "Integrity"}
#: The store's sort key for each column (what "sort by this column" orders by).
SORT_KEYS = {
    COL_STATE: "state",
    COL_TIME: "time",
    COL_EVENT: "event_type",
    COL_ACTOR: "actor",
    COL_RESOURCE: "resource",
    COL_TITLE: "title",
    COL_SUMMARY: "summary",
    COL_SEQ: "seq",
    COL_TAGS: "tags",
    **{_FIRST_ENTRY_COL + i: c.name for i, c in enumerate(ENTRY_TABLE_COLUMNS)},
}
#: Summary is computed for display, Tags are the person's, not the log's: the store cannot order by them.
SORTABLE_KEYS = frozenset(SORT_KEYS.values()) - {"summary", "tags"}
#: Tags is shown by the case-work controller once the open log has annotations.
HIDDEN_BY_DEFAULT: frozenset[int] = frozenset({COL_TAGS})
DEFAULT_WIDTHS = {
    # Fits State through Title with room for Summary in a 1600 px window (the
    # table gets 7/10 of what the scope tree leaves; see main_window).
    COL_STATE: 30,
    COL_TIME: 140,
    COL_EVENT: 172,
    COL_ACTOR: 150,
    COL_RESOURCE: 124,
    COL_TITLE: 100,
    COL_SUMMARY: 160,  # the last column: stretched to what is left
    COL_SEQ: 54,
    COL_TAGS: 80,
    **{_FIRST_ENTRY_COL + i: 120 for i in range(len(ENTRY_TABLE_COLUMNS))},
}
#: The Tags column's tooltip head: whose these are.
TAGS_TEXT = "Your case work (tags ★ and notes): the investigator's, not part of the log, not verified"

SEQ_ROLE = int(Qt.ItemDataRole.UserRole) + 40
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 41  # the row's dict (for copying)

STATE_BADGE = {VERIFIED: "✔", FAILED: "✖", UNVERIFIED: "◐", MALFORMED: "⊘"}
STATE_TEXT = {
    VERIFIED: "Verified: proven by a trusted checkpoint",
    FAILED: "Failed: does not match the signed checkpoints",
    UNVERIFIED: "Unverified: no trusted checkpoint covers this entry",
    # A row that is not an entry (store/malformed.py): never verified, never green.
    MALFORMED: "Malformed: this line is not an entry (spec §2), so nothing in it is verified",
}
STATE_COLOUR = {VERIFIED: "#2e7d32", FAILED: "#c62828", UNVERIFIED: "#b26a00", MALFORMED: "#6a1b9a"}
RETENTION_TEXT = "Older than the dashboard's 90-day retention at export time"
RETENTION_ICON = "retention.svg"
_icons: dict[str, QIcon] = {}


def retention_icon() -> QIcon:
    """The hourglass marking entries beyond retention (loaded once)."""
    icon = _icons.get(RETENTION_ICON)
    if icon is None:
        icon = _icons[RETENTION_ICON] = QIcon(str(resource(RETENTION_ICON)))
    return icon


class WindowSource(Protocol):
    """What the model needs: a count and pages of rows of one filtered, sorted view."""

    def count(self) -> int: ...

    def window(self, start: int, count: int) -> pa.Table: ...


class EntryTableModel(QAbstractTableModel):
    """Rows of a :class:`WindowSource`, fetched a page at a time, LRU-cached."""

    #: A column header asked for another order: the store's sort key, descending.
    sortRequested = Signal(str, bool)
    #: Rows ``first``..``last`` of a page fetched on the page thread are shown now.
    pageLoaded = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._source: WindowSource | None = None
        self._count = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._utc = True
        self._retention_ms: int | None = None
        self._meta: tuple[tuple[str, ...], ...] = ()
        self._sort_column = COL_SEQ
        self._sort_order = Qt.SortOrder.DescendingOrder
        self.fetches = 0  # pages fetched, for tests and benchmarks
        self._fetcher: Any = None  # a PageFetcher: pages of threaded sources come from it
        self._pending: set[int] = set()
        self._generation = 0
        #: seq → (tags, notes) of the investigator's annotations (issue 14), plain text.
        self._annotations: dict[int, tuple[str, str]] = {}

    def set_fetcher(self, fetcher: Any) -> None:
        """Fetch pages of sources marked ``threaded`` on ``fetcher``'s thread."""
        self._fetcher = fetcher
        fetcher.pageReady.connect(self._page_ready)

    def _async(self) -> bool:
        return self._fetcher is not None and bool(getattr(self._source, "threaded", False))

    def _convert(self, table: pa.Table) -> list[Row]:
        return rows_from_table(table, utc=self._utc, retention_ms=self._retention_ms)

    def _forget_pages(self) -> None:
        self._pages.clear()
        self._pending.clear()
        self._generation += 1

    def _page_ready(self, source: object, page_no: int, rows: list[Row], generation: int) -> None:
        if source is not self._source or generation != self._generation:
            return
        self._pending.discard(page_no)
        if not rows:
            return
        self._pages[page_no] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(self._count, first + len(rows)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
            self.pageLoaded.emit(first, last)

    def seed_pages(self, pages: dict[int, pa.Table]) -> None:
        """Pages fetched together with the view: shown at once, no placeholder (not a page
        read before the metadata columns changed: it lacks theirs)."""
        for page_no, table in pages.items():
            if self._meta and f"meta_{len(self._meta) - 1}" not in table.column_names:
                continue
            if page_no not in self._pages:
                self._pages[page_no] = self._convert(table)

    def is_loaded(self, row: int) -> bool:
        return row // PAGE_SIZE in self._pages

    # -- source ----------------------------------------------------------
    def set_source(self, source: WindowSource | None) -> None:
        """Show another view (new filter, scope or sort): a reset, nothing kept."""
        self.beginResetModel()
        self._source = source
        self._forget_pages()
        self._count = source.count() if source is not None else 0
        self.endResetModel()

    def source(self) -> WindowSource | None:
        return self._source

    def replace_source(self, source: WindowSource) -> None:
        """The same filter over more rows or new states: keep rows, no reset."""
        self._source = source
        before = self._count
        self.refresh_count()
        if self._count == before:
            self.invalidate()

    def refresh_count(self) -> None:
        """The source grew (entries still loading): append the new rows."""
        if self._source is None:
            return
        new = self._source.count()
        old = self._count
        self._forget_pages()
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
            self._count = new
            self.endInsertRows()
        elif new < old:
            self.beginResetModel()
            self._count = new
            self.endResetModel()
        if old and min(old, new):
            self.dataChanged.emit(
                self.index(0, 0), self.index(min(old, new) - 1, self.columnCount() - 1)
            )

    # -- metadata columns -------------------------------------------------
    def meta_columns(self) -> tuple[tuple[str, ...], ...]:
        return self._meta

    def set_meta_columns(self, paths: tuple[tuple[str, ...], ...]) -> None:
        """Show these metadata columns after the fixed ones (columns added at the end or
        removed; the rows are read again with their values)."""
        paths = tuple(tuple(p) for p in paths)
        if paths == self._meta:
            return
        old = self._meta
        if paths[: len(old)] == old:  # added at the end
            self.beginInsertColumns(QModelIndex(), COLUMN_COUNT + len(old), COLUMN_COUNT + len(paths) - 1)
            self._set_meta(paths)
            self.endInsertColumns()
        elif old[: len(paths)] == paths:  # removed at the end
            self.beginRemoveColumns(QModelIndex(), COLUMN_COUNT + len(paths), COLUMN_COUNT + len(old) - 1)
            self._set_meta(paths)
            self.endRemoveColumns()
        elif len(paths) == len(old) - 1 and any(old[:i] + old[i + 1:] == paths for i in range(len(old))):
            gone = next(i for i in range(len(old)) if old[:i] + old[i + 1:] == paths)
            self.beginRemoveColumns(QModelIndex(), COLUMN_COUNT + gone, COLUMN_COUNT + gone)
            self._set_meta(paths)
            self.endRemoveColumns()
        else:
            self.beginResetModel()
            self._set_meta(paths)
            self.endResetModel()
        self.invalidate()

    def _set_meta(self, paths: tuple[tuple[str, ...], ...]) -> None:
        self._meta = paths
        if self._source is not None and hasattr(self._source, "meta"):
            self._source.meta = paths  # the next window reads them
        self._forget_pages()

    def column_name(self, column: int) -> str:
        """A column's name for the chooser, copies and settings (``meta.<path>`` for metadata)."""
        if column < COLUMN_COUNT:
            return COLUMN_NAMES.get(column, "")
        path = self._meta[column - COLUMN_COUNT]
        return cell_text("meta." + ".".join(path), 120)

    def set_utc(self, utc: bool) -> None:
        if utc == self._utc:
            return
        self._utc = utc
        self._forget_pages()
        if self._count:
            self.dataChanged.emit(
                self.index(0, COL_TIME), self.index(self._count - 1, COL_TIME)
            )

    def set_annotations(self, cells: dict[int, tuple[str, str]]) -> None:
        """The investigator's tags and notes by seq (the Tags column); repaints that column."""
        self._annotations = dict(cells)
        if self._count:
            self.dataChanged.emit(self.index(0, COL_TAGS), self.index(self._count - 1, COL_TAGS))

    def annotation_of(self, seq: int | None) -> tuple[str, str]:
        return ("", "") if seq is None else self._annotations.get(seq, ("", ""))

    def set_retention_cutoff(self, ms: int | None) -> None:
        """Entries before ``ms`` are beyond the dashboard's retention."""
        self._retention_ms = ms
        self._forget_pages()

    def invalidate(self) -> None:
        """Drop cached pages (states changed after verification) and repaint."""
        self._forget_pages()
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, self.columnCount() - 1))

    # -- rows ------------------------------------------------------------
    def row(self, row: int, *, wait: bool = False) -> Row | None:
        """The row, or None while its page is being fetched (``wait``: fetch it now)."""
        if not 0 <= row < self._count or self._source is None:
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None and self._async() and not wait:
            if page_no not in self._pending:
                self._pending.add(page_no)
                start = page_no * PAGE_SIZE
                self._fetcher.page(
                    self._source, page_no, start, min(PAGE_SIZE, self._count - start),
                    self._convert, self._generation,
                )
            return None
        if page is None:
            start = page_no * PAGE_SIZE
            try:
                table = self._source.window(start, min(PAGE_SIZE, self._count - start))
            except Exception:  # a view dropped under us: show nothing, never crash a paint
                return None
            self.fetches += 1
            page = rows_from_table(table, utc=self._utc, retention_ms=self._retention_ms)
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        offset = row - page_no * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def seq_at(self, row: int) -> int | None:
        r = self.row(row)
        return None if r is None else r.seq

    def cached_pages(self) -> int:
        return len(self._pages)

    def row_texts(self, row: int) -> tuple[str, ...] | None:
        """The texts a row's cells show, its page fetched now if need be (what find reads)."""
        r = self.row(row, wait=True)
        return None if r is None else tuple(self._display(r, c) for c in range(self.columnCount()))

    # -- Qt --------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT + len(self._meta)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        if section >= COLUMN_COUNT:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return self.column_name(section)
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(
                    f"Metadata column {self.column_name(section)} (remove it from the header's menu)"
                )
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMN_TITLES[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_STATE:
            return "Integrity: ✔ verified, ✖ failed, ◐ unverified, ⊘ malformed line; hourglass: beyond retention"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return COLUMN_NAMES[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        r = self.row(index.row())
        if r is None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == COL_TIME:
                return "…"  # the page is on its way
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_STATE:
                bits = [STATE_TEXT.get(r.state or "", "Integrity not known yet")]
                if r.beyond_retention:
                    bits.append(RETENTION_TEXT)
                return "\n".join(bits)
            if col == COL_TIME and r.beyond_retention:
                return RETENTION_TEXT
            if col == COL_RESOURCE and r.malformed is not None:  # its file's whole label
                return plain_tooltip(r.malformed.place)
            if col in (COL_SUMMARY, COL_RESOURCE, COL_ACTOR, COL_TITLE, COL_EVENT) or col >= COLUMN_COUNT:
                text = self._display(r, col)
                return plain_tooltip(text) if text and len(text) > 40 else None
            if col == COL_TAGS:
                tags, notes = self.annotation_of(r.seq)
                return plain_tooltip("\n".join(p for p in (TAGS_TEXT, tags, notes) if p)) if tags or notes else None
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == COL_STATE and r.state in STATE_COLOUR:
                return QBrush(QColor(STATE_COLOUR[r.state]))
            if r.beyond_retention and col == COL_TIME:
                return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
            return None
        if role == Qt.ItemDataRole.FontRole and ((col == COL_TIME and r.beyond_retention) or col == COL_TAGS):
            font = QFont()
            font.setItalic(True)  # the person's words, never styled like the log's (Tags)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == COL_STATE:
                return int(Qt.AlignmentFlag.AlignCenter)
            if col == COL_SEQ:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == COL_STATE and r.beyond_retention:
            return retention_icon()
        if role == Qt.ItemDataRole.AccessibleTextRole and col == COL_STATE:
            text = STATE_TEXT.get(r.state or "", "Integrity not known")
            return f"{text}; {RETENTION_TEXT}" if r.beyond_retention else text
        if role == SEQ_ROLE:
            return r.seq
        return None

    def _display(self, r: Row, col: int) -> str:
        if col >= COLUMN_COUNT:
            at = col - COLUMN_COUNT
            return cell_text(r.extra[at]) if at < len(r.extra) else ""
        if col == COL_STATE:
            return STATE_BADGE.get(r.state or "", "")
        if col == COL_TIME:
            return r.time_text
        if col == COL_EVENT:
            return r.event_type
        if col == COL_ACTOR:
            return r.actor
        if col == COL_RESOURCE:
            return r.resource
        if col == COL_TITLE:
            return r.title
        if col == COL_SUMMARY:
            return r.summary
        if col == COL_SEQ:
            return "—" if r.seq is None else str(r.seq)  # a malformed line has no seq
        if col == COL_TAGS:
            tags, notes = self.annotation_of(r.seq)
            return cell_text(f"{tags} ✎" if notes and tags else "✎" if notes else tags)
        if _FIRST_ENTRY_COL <= col < COLUMN_COUNT and r.entry_texts:
            return cell_text(r.entry_texts[col - _FIRST_ENTRY_COL])
        return ""

    # -- sorting: delegated to the store (a new view), never done here ----
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < self.columnCount():
            return
        key = SORT_KEYS.get(column) or ("meta." + ".".join(self._meta[column - COLUMN_COUNT]))
        if key in SORTABLE_KEYS or column >= COLUMN_COUNT:  # a metadata column sorts too
            self._sort_column = column
            self._sort_order = order
        self.sortRequested.emit(key, order == Qt.SortOrder.DescendingOrder)

    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        return self._sort_column, self._sort_order

    # -- copying -----------------------------------------------------------
    def rows_as_tsv(self, rows: list[int], columns: list[int]) -> str:
        """Selected rows as tab-separated text with a header row: the stored values,
        whole, each written with JSON string escapes (:func:`copy_cell`)."""
        lines = ["\t".join(self.column_name(c) for c in columns)]
        for row in sorted(rows):
            r = self.row(row, wait=True)
            if r is None:
                continue
            lines.append("\t".join(self._copied(r, c) for c in columns))
        return "\n".join(lines) + "\n"

    def cell_as_copied(self, row: int, column: int) -> str | None:
        """One cell's whole stored value as copied (:func:`copy_cell`); None without a row."""
        r = self.row(row, wait=True)
        if r is None or not 0 <= column < self.columnCount():
            return None
        return self._copied(r, column)

    def _copied(self, r: Row, c: int) -> str:
        """A cell as copied: :func:`copy_cell` of its stored text; a malformed line's
        Summary is its bytes, escaped as bytes are (``MalformedCells.text``), once."""
        if r.malformed is not None and c == COL_SUMMARY:
            return r.malformed.text
        return copy_cell(self._stored(r, c))

    def _stored(self, r: Row, c: int) -> str:
        """What a copy of cell ``c`` holds: the stored text, not the cell's display."""
        raw_index = {COL_EVENT: 0, COL_ACTOR: 1, COL_RESOURCE: 2, COL_TITLE: 3}
        if c >= COLUMN_COUNT:  # as the window read it (the store keeps 4,096 characters)
            at = c - COLUMN_COUNT
            return (r.extra[at] or "") if at < len(r.extra) else ""
        if c == COL_STATE:
            return r.state or ""
        if r.malformed is not None and c in (COL_SEQ, COL_TIME):
            return ""  # a malformed line has neither
        if c == COL_TIME:
            return format_time(r.time_ms, self._utc, millis=True) or r.time_text
        if c in raw_index:
            return r.raw[raw_index[c]]
        if c == COL_TAGS:
            return "\n".join(p for p in self.annotation_of(r.seq) if p)
        if _FIRST_ENTRY_COL <= c < COLUMN_COUNT and r.entry_texts:
            return r.entry_texts[c - _FIRST_ENTRY_COL]
        return self._display(r, c)

