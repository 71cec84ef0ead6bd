"""The log's rows and the entry pane: the selected entry (fetched off the GUI thread
when the session is threaded), copying rows, and the context menus of the log, its
header and the scope tree.

Names from an entry reach menu texts through :func:`menu_text`.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox

from auditviewer.core.about import APP_NAME
from auditviewer.core.domain import MALFORMED
from auditviewer.query.sql import field_term, meta_field
from auditviewer.store.views import META_CELL_CHARS
from auditviewer.ui.models.table_model import (
    COL_ACTOR,
    COL_EVENT,
    COL_RESOURCE,
    COL_SEQ,
    COL_STATE,
    COL_TITLE,
    COLUMN_COUNT,
)
from auditviewer.ui.window.base import Controller, menu_text
from auditviewer.workspace.malformed_view import RowKey
from auditviewer.workspace.scopes import Scope


class EntriesController(Controller):
    #: Bumped when an entry on its way is no longer wanted.
    generation = 0
    #: The selection is being put back after a refresh (not a row the person chose).
    restoring = False

    def selected_seq(self) -> int | None:
        w = self.w
        idx = w.table.currentIndex()
        if not idx.isValid():
            return None
        return w.model.seq_at(idx.row())

    def selected_key(self) -> RowKey | None:
        """The current row to keep selected across views: an entry's seq, or a malformed
        line's (file, line)."""
        idx = self.w.table.currentIndex()
        r = self.w.model.row(idx.row()) if idx.isValid() else None
        if r is None:
            return None
        return (r.malformed.file, r.malformed.line) if r.malformed is not None else r.seq

    def current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        w = self.w
        session = w.session
        if not current.isValid() or session is None:
            w.pane.clear()
            return
        if not self.restoring and w.right.currentWidget() is w.integrity:
            w.right.setCurrentWidget(w.pane)  # a row chosen: show it, not the report
        r = w.model.row(current.row())
        if r is None or r.seq is None:
            if r is not None and r.malformed is not None:  # a malformed line: its bytes, at once
                self.generation += 1  # an entry on its way is no longer wanted
                w.pane.set_malformed(r.malformed.place, r.malformed.reason, r.malformed.text)
            return  # else its page is on the way; page_loaded comes back here
        seq = r.seq
        self.generation += 1
        if session.threaded:
            w.fetcher.entry(session, seq, self.generation)
        else:
            self.entry_ready(seq, session.entry(seq), self.generation)

    def page_loaded(self, first: int, last: int) -> None:
        w = self.w
        current = w.table.currentIndex()
        if current.isValid() and first <= current.row() <= last:
            on_pane = w.pane.entry()
            seq = w.model.seq_at(current.row())
            if seq is None or on_pane is None or on_pane.get("seq") != seq:
                self.current_row_changed(current, QModelIndex())

    @Slot(int, object, int)
    def entry_ready(self, seq: int, got: object, generation: int) -> None:
        w = self.w
        if generation != self.generation or w.session is None:
            return
        current = w.table.currentIndex()
        if not current.isValid() or w.model.seq_at(current.row()) != seq:
            return
        if got is None:
            w.pane.clear()
            return
        entry, leaf, state = cast("tuple[dict[str, Any], str | None, str | None]", got)
        row = w.model.row(current.row())
        notice = None
        if row is not None and row.beyond_retention:
            notice = "⌛ beyond the dashboard's 90-day retention"
        w.pane.set_entry(entry, leaf=leaf, state=state, notice=notice)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.w.table.selectionModel().selectedRows()})

    def copy_selected_rows(self) -> None:
        w = self.w
        rows = self.selected_rows()
        if not rows:
            return
        hh = w.table.horizontalHeader()
        columns = [
            hh.logicalIndex(v) for v in range(hh.count()) if not hh.isSectionHidden(hh.logicalIndex(v))
        ]
        if len(rows) > 100_000:
            QMessageBox.information(w, APP_NAME, "Select at most 100,000 rows to copy.")
            return
        QGuiApplication.clipboard().setText(w.model.rows_as_tsv(rows, columns))
        w.status(f"Copied {len(rows):,} row{'s' if len(rows) != 1 else ''}.")

    def copy_current_cell(self) -> None:
        """Ctrl+C: the current cell's whole stored value, JSON-escaped (never the cut display)."""
        w = self.w
        idx = w.table.currentIndex()
        text = w.model.cell_as_copied(idx.row(), idx.column()) if idx.isValid() else None
        if text is None:
            return
        QGuiApplication.clipboard().setText(text)
        w.status("Copied the value.")

    def pivot_term(self, row: int, column: int, *, exclude: bool = False) -> str | None:
        """The search term keeping (or excluding) entries with this cell's stored value, or
        None for a cell the language cannot match exactly (Summary, time, no value, ``*``)."""
        r = self.w.model.row(row, wait=True)
        if r is None:
            return None
        if r.malformed is not None:  # a malformed line has no fields: only its status
            return field_term("status", MALFORMED, exclude=exclude) if column == COL_STATE else None
        fields = {COL_EVENT: ("event", r.raw[0]), COL_ACTOR: ("actor", r.raw[1]),
                  COL_RESOURCE: ("resource", r.raw[2]), COL_TITLE: ("title", r.raw[3]),
                  COL_SEQ: ("seq", str(r.seq)), COL_STATE: ("status", r.state or "")}
        name, value = fields.get(column, ("", ""))
        meta = self.w.model.meta_columns()
        if 0 <= column - COLUMN_COUNT < len(meta) and column - COLUMN_COUNT < len(r.extra):
            name, value = meta_field(meta[column - COLUMN_COUNT]), r.extra[column - COLUMN_COUNT] or ""
            if len(value) >= META_CELL_CHARS:
                return None  # cut by the window: not the whole value
        if not name or not value or "*" in value:
            return None
        return field_term(name, value, exclude=exclude)

    def pivot(self, index: QModelIndex, *, exclude: bool = False) -> None:
        """Filter to (or exclude) a cell's value: its term is added to the search bar and
        applied, so that the query stays the one description of what is shown."""
        if not index.isValid():
            return
        term = self.pivot_term(index.row(), index.column(), exclude=exclude)
        if term is None:
            return
        search = self.w.search
        search.set_text(f"{search.text().strip()} {term}".strip())

    def table_menu(self, pos: Any) -> None:
        w = self.w
        idx = w.table.indexAt(pos)
        if not idx.isValid() or w.session is None:
            return
        if idx.row() not in self.selected_rows():
            w.table.selectRow(idx.row())
        seq = w.model.seq_at(idx.row())
        on_pane = w.pane.entry()
        got: Any = None
        if on_pane is not None and seq is not None and on_pane.get("seq") == seq:
            got = (on_pane, None, None)
        elif seq is not None:
            got = w.session.entry(seq)
        menu = QMenu(w)
        if got is not None:
            entry = got[0]
            res = entry.get("resource") if isinstance(entry.get("resource"), dict) else None
            title = entry.get("title") if isinstance(entry.get("title"), dict) else None
            if res and res.get("id") is not None:
                name = str(res.get("name") or res.get("id"))
                res_scope = Scope("resource", resource_type=res.get("type"),
                                  resource_id=str(res.get("id")),
                                  label=f"{res.get('type') or 'resource'} {name}")
                act = menu.addAction(
                    f"Show this resource's history ({menu_text(name, 40)})"
                )
                act.triggered.connect(lambda: w.filtering.scope_to(res_scope))
                exp = menu.addAction("Export this resource's history…")
                exp.setEnabled(w.export.can_export())
                exp.triggered.connect(lambda: w.export.open_export(res_scope))
            if title and title.get("id") is not None:
                tname = str(title.get("name") or title.get("id"))
                act = menu.addAction(f"Show this title ({menu_text(tname, 40)})")
                act.triggered.connect(
                    lambda: w.filtering.scope_to(
                        Scope("title", title_id=str(title.get("id")), label=f"Title {tname}")
                    )
                )
            menu.addSeparator()
        for label, exclude in (("Filter to this value", False), ("Exclude this value", True)):
            act = menu.addAction(label, partial(self.pivot, idx, exclude=exclude))
            act.setEnabled(self.pivot_term(idx.row(), idx.column()) is not None)
        menu.addSeparator()
        w.casework.add_to_menu(menu)  # star, tags, note (issue 14)
        # The cell the menu is about becomes the current one; the selection is kept.
        w.table.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
        menu.addAction("Copy value\tCtrl+C", self.copy_current_cell)
        menu.addAction("Copy rows (TSV, JSON-escaped)\tCtrl+Shift+C", self.copy_selected_rows)
        menu.addAction("Copy entry (stored JSON)", w.pane.copy_entry)
        menu.addAction("Show details", w.layouts.show_entry_pane)
        self.popup(menu, w.table.viewport().mapToGlobal(pos))

    def header_menu(self, pos: Any) -> None:
        self.w.columns.header_menu(pos)  # columns of choice: ui/window/columns.py

    def scope_menu(self, pos: Any) -> None:
        w = self.w
        idx = w.scope_tree.indexAt(pos)
        if not idx.isValid() or w.session is None:
            return
        node = w.scope_tree.scope_model.node(idx)
        scope = node.scope
        if scope is None:
            return
        menu = QMenu(w)
        menu.addAction("Show", lambda: w.filtering.scope_to(scope))
        if scope.kind == "resource":
            label = "Export this resource's history…"
        elif scope.kind == "title":
            label = "Export this title's entries…"
        else:
            label = "Export all entries…"
        act = menu.addAction(label)
        act.setEnabled(w.export.can_export())
        act.triggered.connect(lambda: w.export.open_export(scope))
        self.popup(menu, w.scope_tree.viewport().mapToGlobal(pos))

    def popup(self, menu: QMenu, at: Any) -> None:
        """Show a context menu (tests replace this to read its actions)."""
        menu.exec(at)
