"""Search history and saved searches in the viewer (issue 14).

- **History**: every query applied is remembered for the log's origin
  (``casework/searches.py``: the last 100, newest first, each once); the search
  field walks it with Up/Down and lists it under its ▾ button
  (:meth:`auditviewer.ui.widgets.search_bar.SearchBar.set_history`).
- **Case ▸ Save Current Search… / Saved Searches / Delete Saved Search**: the
  window's search (its query, with the Tags facet's ticks as ``tag:`` terms, its
  time range and scope) saved under a name, run again, deleted. The command line's
  ``auditviewer query --saved NAME`` reads the same list.

Names and queries shown in menus pass :func:`menu_text` (visible, ``&`` doubled).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from auditviewer.casework.searches import SavedSearch, SavedSearches, SearchHistory
from auditviewer.core.about import APP_NAME
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.times import parse_rfc3339_ms, rfc3339_utc
from auditviewer.query.sql import field_term
from auditviewer.ui.window.base import Controller, menu_text, said, shown
from auditviewer.workspace.scopes import ALL, Scope

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow


class SearchesController(Controller):
    """See the module docstring. Its actions go in the Case menu (``window.casework``)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        w = window
        self.history: SearchHistory | None = None
        self.save_search_action = QAction("Save Current &Search…", w)
        self.save_search_action.triggered.connect(lambda _checked=False: self.save_search())
        self.saved_menu = QMenu("Saved Searc&hes", w)
        self.saved_menu.setObjectName("savedSearchesMenu")
        self.saved_menu.aboutToShow.connect(self._fill_saved_menu)
        self.delete_menu = QMenu("&Delete Saved Search", w)
        self.delete_menu.aboutToShow.connect(self._fill_delete_menu)
        w.sessionReady.connect(self._session_installed)
        w.search.queryApplied.connect(self._remember_query)

    def add_to_menu(self, menu: QMenu) -> None:
        menu.addAction(self.save_search_action)
        menu.addMenu(self.saved_menu)
        menu.addMenu(self.delete_menu)

    @said
    def _session_installed(self) -> None:
        """A new workspace: its log's history (none for a plain export: no origin)."""
        self.history = None
        self.w.search.set_history([])
        origin = self.w.trust.origin()
        self.history = SearchHistory(origin) if origin else None
        self.w.search.set_history(self.history.queries() if self.history is not None else [])
        if self.history is not None and self.history.problems:
            QMessageBox.warning(self.w, APP_NAME, "\n\n".join(shown(p) for p in self.history.problems))
        self.save_search_action.setEnabled(True)

    @said
    def _remember_query(self, text: str) -> None:
        if self.history is None or not text.strip():
            return
        try:
            self.history.add(text)
            self.w.search.set_history(self.history.queries())
        except (AuditViewerError, OSError) as exc:
            self.w.status(f"Could not remember the search: {shown(exc)}")

    def current_search(self, name: str) -> SavedSearch:
        """The window's filter as a saved search: query (with the Tags facet's ticks), time range, scope."""
        state = self.w.state
        query = state.query.strip()
        if state.tags:
            tags = "(" + " OR ".join(field_term("tag", t) for t in sorted(state.tags)) + ")"
            query = f"({query}) {tags}" if query else tags
        scope: dict[str, str] | None = None
        if state.scope.kind == "resource" and state.scope.resource_id is not None:
            scope = {"type": "resource", "resource_type": state.scope.resource_type or "", "resource_id": state.scope.resource_id}
        elif state.scope.kind == "title" and state.scope.title_id is not None:
            scope = {"type": "title", "id": state.scope.title_id}

        def moment(ms: int | None) -> str | None:
            return None if ms is None else rfc3339_utc(datetime.fromtimestamp(ms / 1000, UTC))

        return SavedSearch(
            name=name, query=query, time_start=moment(state.start_ms), time_end=moment(state.end_ms),
            scope=scope, origin=self.w.trust.origin(),
        )

    def save_search(self, name: str | None = None) -> SavedSearch | None:
        if name is None:
            name, ok = QInputDialog.getText(self.w, "Save search", "Name of the search:")
            if not ok:
                return None
        name = name.strip()
        if not name:
            return None
        try:
            saved = SavedSearches().save(self.current_search(name))
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return None
        self.w.status(f"Saved the search as {shown(name, 80)}: {shown(saved.describe(), 200)}.")
        return saved

    def run_saved(self, name: str) -> None:
        w = self.w
        try:
            saved = SavedSearches().get(name)
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(w, APP_NAME, shown(exc))
            return
        scope = ALL
        if saved.scope and saved.scope.get("type") == "resource":
            scope = Scope("resource", resource_type=saved.scope["resource_type"], resource_id=saved.scope["resource_id"],
                          label=f"{saved.scope['resource_type']} {saved.scope['resource_id']}")
        elif saved.scope and saved.scope.get("type") == "title":
            scope = Scope("title", title_id=saved.scope["id"], label=f"Title {saved.scope['id']}")
        w.casework.tag_facet.model.set_checked((), notify=False)
        w.search.set_text(saved.query, apply=False)
        w.time_range.blockSignals(True)
        w.time_range.set_range(parse_rfc3339_ms(saved.time_start), parse_rfc3339_ms(saved.time_end))
        w.time_range.blockSignals(False)
        w.scope_tree.select_scope(scope, emit=False)
        w.filtering.set_state(
            w.state.with_(
                query=saved.query, tags=frozenset(), scope=scope,
                start_ms=parse_rfc3339_ms(saved.time_start), end_ms=parse_rfc3339_ms(saved.time_end),
            )
        )
        w.search.apply()  # the bar knows the text is applied (history, errors)
        w.status(f"Ran the saved search {shown(name, 80)}: {shown(saved.describe(), 200)}.")

    def delete_saved(self, name: str) -> None:
        try:
            removed = SavedSearches().remove(name)
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return
        self.w.status(f"Deleted the saved search {shown(name, 80)}." if removed else "No such saved search.")

    def _saved_names(self) -> list[str]:
        try:
            return SavedSearches().names()
        except (AuditViewerError, OSError) as exc:
            self.w.status(shown(exc))
            return []

    def _fill_saved_menu(self) -> None:
        self._fill(self.saved_menu, self.run_saved, "Run it")

    def _fill_delete_menu(self) -> None:
        self._fill(self.delete_menu, self.delete_saved, "Delete it")

    def _fill(self, menu: QMenu, slot: Any, tip: str) -> None:
        menu.clear()
        names = self._saved_names()
        if not names:
            menu.addAction("No saved searches").setEnabled(False)
        for name in names:
            action = menu.addAction(menu_text(name))
            action.setToolTip(tip)
            action.setEnabled(self.w.session is not None or slot is self.delete_saved)
            action.triggered.connect(lambda _checked=False, n=name: slot(n))


__all__ = ["SearchesController"]
