"""Search, facets, time range, scope and sort → the window's :class:`FilterState`;
the view of that state asked of the refresher's query thread and shown when it
comes back (table, counts, facets, timeline, scope tree, breadcrumb, title).

The count reads "Showing N of M": N the rows of the current filter, M the whole
workspace — its known total (the manifest's or the Parquet footers' count) while
it loads, with "loading…"; the stored total once loaded.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import Qt, Slot

from auditviewer.core.about import APP_NAME
from auditviewer.integrity.report_html import CLAIMED_ORGANIZATION
from auditviewer.ui.models.table_model import COL_TIME, SORT_KEYS, SORTABLE_KEYS
from auditviewer.ui.refresher import ALL_PARTS, ViewResult
from auditviewer.ui.window.base import Controller, claimed_organization, shown
from auditviewer.workspace.malformed_view import RowKey
from auditviewer.workspace.scopes import ALL, Scope
from auditviewer.workspace.session import FilterState


class FilteringController(Controller):
    #: How long the last table view took to compute (benchmarks read it).
    last_apply_ms = 0.0
    #: Rows of the workspace as the last view counted them.
    total = 0
    _shown_state: FilterState | None = None
    #: The state whose first rows are shown while its view is made (ViewResult.preview).
    _previewed: FilterState | None = None
    _keep_seq: RowKey | None = None
    _select_first = False

    def set_state(self, state: FilterState) -> None:
        if state == self.w.state:
            return
        self.w.state = state
        self.apply()

    def query_applied(self, text: str) -> None:
        self.set_state(self.w.state.with_(query=text))

    def range_changed(self, rng: tuple[int | None, int | None]) -> None:
        start, end = rng
        self.w.timeline.set_selection(start, end)
        self.set_state(self.w.state.with_(start_ms=start, end_ms=end))

    def utc_changed(self, utc: bool) -> None:
        w = self.w
        utc_action = w.menus.utc_action
        utc_action.blockSignals(True)
        utc_action.setChecked(utc)
        utc_action.blockSignals(False)
        w.model.set_utc(utc)
        w.timeline.set_utc(utc)
        w.pane.set_utc(utc)
        w.state = w.state.with_(utc=utc)
        w.settings.setValue("view/utc", utc)
        if w.search.text().strip():
            w.search.apply()  # typed times are read in the new zone
            if w.session is not None:
                self.apply()

    def scope_selected(self, scope: Scope) -> None:
        self.set_state(self.w.state.with_(scope=scope))

    def scope_to(self, scope: Scope) -> None:
        self.w.scope_tree.select_scope(scope, emit=False)
        self.set_state(self.w.state.with_(scope=scope))

    def sort_requested(self, key: str, descending: bool) -> None:
        w = self.w
        if key not in SORTABLE_KEYS and not key.startswith("meta."):  # meta.<path>: its value
            # Summary is made for display, not stored: keep the current order.
            col = next((c for c, k in SORT_KEYS.items() if k == w.state.sort_key), COL_TIME)
            order = Qt.SortOrder.DescendingOrder if w.state.descending else Qt.SortOrder.AscendingOrder
            hh = w.table.horizontalHeader()
            hh.blockSignals(True)
            hh.setSortIndicator(col, order)
            hh.blockSignals(False)
            w.status("The Summary and Tags columns cannot be sorted; sort by another column.")
            return
        self.set_state(w.state.with_(sort_key=key, descending=descending))

    def clear_filters(self) -> None:
        w = self.w
        w.search.edit.clear()
        w.search.apply()
        w.category_facet.model.set_checked((), notify=False)
        w.action_facet.model.set_checked((), notify=False)
        w.time_range.blockSignals(True)
        w.time_range.clear()
        w.time_range.blockSignals(False)
        w.timeline.set_selection(None, None)
        w.scope_tree.select_scope(ALL, emit=False)
        self.set_state(w.state.cleared())

    def show_finding(self, first: int, last: int) -> None:
        """Show the entries a finding names (the rest of the filter cleared)."""
        w = self.w
        self.clear_filters()
        self.set_state(w.state.with_(seq_range=(int(first), int(last)), sort_key="seq",
                                     descending=False))
        w.table.horizontalHeader().setSortIndicator(
            next(c for c, k in SORT_KEYS.items() if k == "seq"), Qt.SortOrder.AscendingOrder
        )
        w.right.setCurrentWidget(w.pane)
        self._select_first = True
        if self.is_idle() and w.model.rowCount():
            self._select_first = False
            w.table.selectRow(0)
        w.table.setFocus()

    def clear_finding(self) -> None:
        self.set_state(self.w.state.with_(seq_range=None))

    def escape(self) -> None:
        w = self.w
        if w.search.text():
            w.search.clear()
        elif w.state.seq_range is not None:
            self.clear_finding()

    def apply(self) -> None:
        """Ask for the view of the current state (answered in ``show_result``)."""
        self.request()

    def request(self, parts: frozenset[str] = ALL_PARTS) -> None:
        w = self.w
        if w.session is None:
            return
        self._keep_seq = w.entries.selected_key()  # a seq, or a malformed line's (file, line)
        w.refresher.request(w.session, w.state, parts, keep_seq=self._keep_seq)

    def forget_shown(self) -> None:
        """The next view replaces the table (a new session, or none)."""
        self._shown_state = None
        self._previewed = None

    @Slot(object)
    def show_result(self, result: ViewResult) -> None:
        """Show a computed view: table, counts, facets, then timeline and scope counts."""
        w = self.w
        if w.session is None:
            return
        if result.error:
            w.status(f"Could not update the view: {shown(result.error)}")
            return
        if result.preview and result.view is not None:
            self._show_first_rows(result)
            return
        if result.view is not None:
            self.last_apply_ms = result.table_ms
            self.total = result.total
            same = self._shown_state == result.state
            # The search's first rows are shown (a prefix of this view): no reset either.
            previewed, self._previewed = self._previewed == result.state, None
            old = w.model.source()
            scroll = w.table.verticalScrollBar().value()
            if (same or previewed) and old is not None:
                # The same filter over more rows (loading) or new states: no reset.
                w.model.replace_source(result.view)
                w.model.seed_pages(result.pages)
                w.table.verticalScrollBar().setValue(scroll)
            else:
                w.model.set_source(result.view)
                w.model.seed_pages(result.pages)
            if old is not result.view:
                w.refresher.release(old)
            self._shown_state = result.state
            self.update_counts()
            w.category_facet.model.set_counts(result.facets.get("category", []))
            w.action_facet.model.set_counts(result.facets.get("action", []))
            self._restore_selection(result.keep_row, quiet=same)
            if self._select_first and w.model.rowCount():
                self._select_first = False
                w.table.selectRow(0)
        if result.bounds is not None:
            w.time_range.set_bounds(*result.bounds)
        if result.histogram is not None:
            bins, bin_ms = result.histogram
            lo, hi = result.bounds or (None, None)
            span = (lo, hi + 1) if lo is not None and hi is not None else None
            w.timeline.set_bins(bins, bin_ms, span)
            w.timeline.set_selection(w.state.start_ms, w.state.end_ms)
        if result.scope_rows is not None:
            w.scope_tree.set_rows(result.scope_rows, self._scope_root_label())
        self.update_breadcrumb()
        w.viewUpdated.emit()

    def _show_first_rows(self, result: ViewResult) -> None:
        """A search's first rows while its view is made: shown, counted as such."""
        w = self.w
        old = w.model.source()
        w.model.set_source(result.view)
        w.model.seed_pages(result.pages)
        if old is not result.view:
            w.refresher.release(old)
        self._previewed = result.state
        self.update_counts()

    def _restore_selection(self, row: int | None, *, quiet: bool) -> None:
        w = self.w
        if self._keep_seq is None or row is None:
            if not quiet:
                w.entries.generation += 1  # an entry on its way is no longer wanted
                w.pane.clear()
            return
        if quiet and w.table.selectionModel().isRowSelected(row):
            return  # the same filter again (states, case notes changed): the selection stands
        if quiet:
            w.table.selectionModel().blockSignals(True)
        w.entries.restoring = True
        try:
            w.table.selectRow(row)
        finally:
            w.entries.restoring = False
        if quiet:
            w.table.selectionModel().blockSignals(False)
            w.table.viewport().update()
        else:
            w.table.scrollTo(w.model.index(row, 0))

    @staticmethod
    def release_view(view: Any) -> None:
        close = getattr(view, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()

    def is_idle(self) -> bool:
        """No filter change is being computed (tests and benchmarks wait for this)."""
        return not self.w.refresher.pending()

    def update_counts(self) -> None:
        w = self.w
        rows = w.model.rowCount()
        if w.loading.is_loading():
            whole = w.loading.expected
            if self._shown_state is None:  # no view yet: nothing is shown
                w.count_label.setText(f"Loading {whole:,} entries…" if whole is not None else "Loading…")
            else:
                of = f" of {whole:,}" if whole is not None else ""
                w.count_label.setText(f"Showing {rows:,}{of} · loading…")
        elif self._previewed is not None:
            w.count_label.setText(f"Showing the first {rows:,} matches · counting…")
        else:
            w.count_label.setText(f"Showing {rows:,} of {self.total:,}")
        w.clear_all.setEnabled(w.state.is_filtered)
        if w.state.seq_range is not None:
            a, b = w.state.seq_range
            w.finding_chip.setText(f"Finding: entries {a:,}–{b:,}  ✕")
            w.finding_chip.setToolTip("Show all entries again")
            w.finding_chip.show()
        else:
            w.finding_chip.hide()

    def _claimed_org(self) -> str | None:
        session = self.w.session
        return claimed_organization(session.info.organization) if session else None

    def _scope_root_label(self) -> str:
        """The scope tree's root: the manifest's organisation name, marked as its claim."""
        org = self._claimed_org()
        return f"“{org}” (from manifest, unsigned)" if org else "Organization"

    def update_breadcrumb(self) -> None:
        w = self.w
        if not w.state.scope.is_all:
            crumb = w.scope_tree.breadcrumb()
        else:
            org = self._claimed_org()
            crumb = f"{CLAIMED_ORGANIZATION}: “{org}”" if org else "All entries"
        w.breadcrumb.setText(crumb)
        self.update_title()

    def update_title(self) -> None:
        """The opened files' names (never the manifest's claims), then the scope, quoted."""
        w = self.w
        if w.session is None:
            w.setWindowTitle(APP_NAME)
            return
        title = w.loading.inputs_text()
        if not w.state.scope.is_all:
            title += f" ▸ “{shown(w.state.scope.label, 80)}”"
        w.setWindowTitle(f"{title} — {APP_NAME}")
