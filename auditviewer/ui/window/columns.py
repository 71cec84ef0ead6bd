"""Columns of the person's choosing (issue 13, feature 3).

The log's header has a context menu: every fixed column shown or hidden (the
same actions as View ▸ Columns), then the metadata columns, each removable,
and "Add metadata column…" (a key path typed as in the search language,
``image.after``). The entry pane's JSON tree offers "Add as column" on any node
under ``metadata``.

A metadata column is a key path: the session's views read it with every window
(``Session.meta_columns`` → the store's ``window(meta=…)``, in the same query as
the page), so its cost is a page's, never the log's; the table model shows it
after the fixed columns (:meth:`EntryTableModel.set_meta_columns`). It filters
like any cell ("Filter to this value" writes ``meta.<path>:value``) and sorts
from its header like any column: the sort key ``meta.<path>`` becomes the store's
``Sort(column="meta", path=…)`` (``workspace/store_session.py``), ordered by the
value's text, entries without it last, ties in log order (``store/filters.py``).

The columns are remembered per log (its origin; a plain export without one
shares the key ``""``) in the settings as JSON, at most :data:`MAX_META_COLUMNS`
a log and :data:`MAX_REMEMBERED_LOGS` logs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QInputDialog, QMenu

from auditviewer.ui.models.table_model import COLUMN_COUNT
from auditviewer.ui.window.base import Controller, menu_text

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

MAX_META_COLUMNS = 12
MAX_REMEMBERED_LOGS = 200
SETTINGS_KEY = "table/metaColumns"
META_WIDTH = 160

Path = tuple[str, ...]


def parse_path(text: str) -> Path | None:
    """``image.after`` or ``meta.image.after`` → ``("image", "after")``; None if empty."""
    text = text.strip()
    if text.startswith("meta."):
        text = text[len("meta."):]
    keys = tuple(text.split("."))
    return keys if text and all(keys) else None


class ColumnsController(Controller):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        window.sessionReady.connect(self.restore_for_log)
        window.pane.addColumnRequested.connect(self.add_meta_column)

    # -- what is shown -----------------------------------------------------
    def meta_columns(self) -> tuple[Path, ...]:
        return self.w.model.meta_columns()

    def add_meta_column(self, path: Path) -> None:
        path = tuple(path)
        current = self.meta_columns()
        shown = "meta." + ".".join(path)
        if path in current:
            self.w.status(f"The column {menu_text(shown)} is already shown.")
            return
        if len(current) >= MAX_META_COLUMNS:
            self.w.status(f"At most {MAX_META_COLUMNS} metadata columns; remove one first.")
            return
        self.apply((*current, path))
        self._make_room(COLUMN_COUNT + len(current))
        self.w.status(f"Added the column {menu_text(shown)}.")

    def _make_room(self, col: int) -> None:
        """Columns refitted so that the new one shows beside the others (the person's own
        widths kept: then it is scrolled to)."""
        w = self.w
        w.table.horizontalHeader().resizeSection(col, META_WIDTH)
        if w.settings.value("table/widthsChosen", False) in (True, "true", "1", 1):
            w.table.scrollTo(w.model.index(max(0, w.table.rowAt(0)), col))
        else:
            w.layouts.fit_columns()

    def remove_meta_column(self, path: Path) -> None:
        self.apply(tuple(p for p in self.meta_columns() if p != tuple(path)))

    def apply(self, paths: tuple[Path, ...], *, remember: bool = True) -> None:
        w = self.w
        if w.session is not None:
            w.session.meta_columns = paths  # every view made from now on reads them
        w.model.set_meta_columns(paths)
        if remember:
            self._remember(paths)

    # -- remembered per log ------------------------------------------------
    def _log_key(self) -> str:
        return self.w.trust.origin() or ""

    def _saved(self) -> dict[str, list[list[str]]]:
        raw = self.w.settings.value(SETTINGS_KEY, "")
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _remember(self, paths: tuple[Path, ...]) -> None:
        data = self._saved()
        key = self._log_key()
        data.pop(key, None)
        if paths:
            data[key] = [list(p) for p in paths]  # the newest last: the oldest go first
        while len(data) > MAX_REMEMBERED_LOGS:
            data.pop(next(iter(data)))
        self.w.settings.setValue(SETTINGS_KEY, json.dumps(data, ensure_ascii=False))

    def restore_for_log(self) -> None:
        """The columns this log had last time (none for a log not seen)."""
        saved = self._saved().get(self._log_key(), [])
        paths: list[Path] = []
        for item in saved if isinstance(saved, list) else []:
            if isinstance(item, list) and item and all(isinstance(k, str) and k for k in item):
                paths.append(tuple(item))
        self.apply(tuple(dict.fromkeys(paths))[:MAX_META_COLUMNS], remember=False)

    # -- the header's menu -------------------------------------------------
    def header_menu(self, pos: Any) -> None:
        w = self.w
        menu = QMenu(w)
        for act in w.menus.column_actions.values():
            menu.addAction(act)
        menu.addSeparator()
        for path in self.meta_columns():
            act = menu.addAction(menu_text("meta." + ".".join(path)))
            act.setCheckable(True)
            act.setChecked(True)
            act.setToolTip("Uncheck to remove this metadata column")
            act.toggled.connect(lambda _on, p=path: self.remove_meta_column(p))
        add = menu.addAction("Add metadata column…", self.ask_meta_column)
        add.setEnabled(w.session is not None and len(self.meta_columns()) < MAX_META_COLUMNS)
        self.popup(menu, w.table.horizontalHeader().mapToGlobal(pos))

    def ask_meta_column(self) -> None:
        text, ok = QInputDialog.getText(
            self.w, "Add metadata column",
            "Metadata key path, as in a search (image.after or meta.image.after):",
        )
        path = parse_path(text) if ok else None
        if path is not None:
            self.add_meta_column(path)

    def popup(self, menu: QMenu, at: Any) -> None:
        """Show the menu (tests replace this to read its actions)."""
        menu.exec(at)
