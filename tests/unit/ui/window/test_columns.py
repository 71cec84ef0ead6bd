"""Columns of the person's choosing (issue 13, feature 3): the header's menu shows and
hides columns and removes metadata columns; "Add as column" in the JSON tree adds a
``meta.<path>`` column whose values come with the window; remembered per log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMenu

from auditviewer.query.sql import field_term, meta_field
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.json_model import JSON_PATH_ROLE
from auditviewer.ui.models.table_model import COL_ACTOR, COLUMN_COUNT
from auditviewer.ui.window.columns import parse_path
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    return w


def tree_index(w: MainWindow, json_path: str) -> QModelIndex:
    """The JSON tree's node with this JSONPath (expanding as it goes)."""
    model = w.pane.tree_model

    def walk(parent: QModelIndex) -> QModelIndex | None:
        for row in range(model.rowCount(parent)):
            idx = model.index(row, 0, parent)
            path = idx.data(JSON_PATH_ROLE)
            if path == json_path:
                return idx
            if isinstance(path, str) and json_path.startswith(path + "."):
                found = walk(idx)
                if found is not None:
                    return found
        return None

    found = walk(QModelIndex())
    assert found is not None, json_path
    return found


def row_metadata(w: MainWindow, row: int) -> dict[str, Any]:
    seq = w.model.seq_at(row)
    got = w.session.entry(seq)  # type: ignore[union-attr, arg-type]
    assert got is not None
    return dict(got[0]["metadata"])


def menu_of(owner: Any, show: Any) -> dict[str, Any]:
    """The actions of the menu ``show()`` pops up through ``owner.popup``."""
    menus: list[QMenu] = []
    owner.popup = lambda menu, at: menus.append(menu)
    show()
    return {a.text(): a for a in menus[-1].actions()}


def test_add_as_column_from_the_json_tree(qtbot: Any, window: MainWindow) -> None:
    window.show_entry_pane()
    window.table.selectRow(0)
    metadata = row_metadata(window, 0)
    key = sorted(metadata)[0]
    idx = tree_index(window, f"$.metadata.{key}")
    assert window.pane.metadata_path(idx) == (key,)
    assert window.pane.metadata_path(tree_index(window, "$.metadata")) is None
    assert window.pane.metadata_path(tree_index(window, "$.seq")) is None
    actions = menu_of(window.pane, lambda: window.pane._tree_menu(
        window.pane.tree.visualRect(idx).center()))
    actions["Add as column"].trigger()
    assert window.model.meta_columns() == ((key,),)
    assert window.model.headerData(COLUMN_COUNT, window.table.horizontalHeader().orientation()) == f"meta.{key}"
    for row in range(5):
        expected = row_metadata(window, row).get(key)
        shown = window.model.index(row, COLUMN_COUNT).data()
        if isinstance(expected, str):
            assert shown == expected
        elif expected is not None:
            assert json.loads(shown) == expected
    assert window.table.horizontalHeader().count() == COLUMN_COUNT + 1


def test_the_header_menu_shows_hides_and_removes_columns(qtbot: Any, window: MainWindow) -> None:
    window.columns.add_meta_column(("branch",))
    actions = menu_of(window.columns, lambda: window.entries.header_menu(
        window.table.horizontalHeader().rect().center()))
    assert {"Actor", "Seq", "meta.branch", "Add metadata column…"} <= set(actions)
    actions["Actor"].trigger()
    assert window.table.horizontalHeader().isSectionHidden(COL_ACTOR)
    actions["Actor"].trigger()
    assert not window.table.horizontalHeader().isSectionHidden(COL_ACTOR)
    assert actions["meta.branch"].isChecked()
    actions["meta.branch"].trigger()  # unchecked: removed
    assert window.model.meta_columns() == ()
    assert window.model.columnCount() == COLUMN_COUNT


def test_metadata_columns_are_remembered_per_log(qtbot: Any, window: MainWindow) -> None:
    window.columns.add_meta_column(("config", "session.token_expiry_sec"))
    window.columns.add_meta_column(("branch",))
    window.save_settings()
    again = shown_window(qtbot, fake_loader)
    assert again.table.horizontalHeader().count() == again.model.columnCount() == COLUMN_COUNT
    open_fake(qtbot, again)
    assert again.model.meta_columns() == (("config", "session.token_expiry_sec"), ("branch",))
    assert again.table.horizontalHeader().count() == COLUMN_COUNT + 2
    # Another log (another origin) has its own: none yet.
    again.session.info.origin = "another.example/log"  # type: ignore[union-attr]
    again.report = None
    again.columns.restore_for_log()
    assert again.model.meta_columns() == ()


def test_filter_to_a_metadata_cells_value(qtbot: Any, window: MainWindow) -> None:
    window.columns.add_meta_column(("branch",))
    row = next(r for r in range(window.model.rowCount()) if row_metadata(window, r).get("branch"))
    value = row_metadata(window, row)["branch"]
    term = window.entries.pivot_term(row, COLUMN_COUNT)
    assert term == field_term(meta_field(("branch",)), value)


def test_a_typed_path_reads_as_in_the_search_language() -> None:
    assert parse_path("meta.image.after") == ("image", "after")
    assert parse_path(" plan ") == ("plan",)
    assert parse_path("a..b") is None and parse_path("") is None


def test_the_real_store_fills_a_metadata_column_in_the_windows_own_query(qtbot: Any) -> None:
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY], remember=False)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    w.columns.add_meta_column(("branch",))
    source = w.model.source()
    assert source is not None
    assert getattr(source, "meta", None) == (("branch",),)
    assert "meta_0" in source.window(0, 5).column_names
    qtbot.waitUntil(lambda: w.model.is_loaded(0), timeout=10_000)
    branches = [w.model.index(r, COLUMN_COUNT).data() for r in range(50)]
    entries = [w.session.entry(w.model.seq_at(r)) for r in range(50)]  # type: ignore[union-attr, arg-type]
    expected = [(e[0]["metadata"] or {}).get("branch") or "" for e in entries if e is not None]
    assert branches == expected and any(branches)
    # A new filter's view reads the column too (the session's choice).
    w.search.set_text("action:Update")
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    assert getattr(w.model.source(), "meta", None) == (("branch",),)


def test_a_metadata_column_sorts_the_log_by_its_value(qtbot: Any) -> None:
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY], remember=False)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    w.columns.add_meta_column(("branch",))
    header = w.table.horizontalHeader()
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        header.setSortIndicator(COLUMN_COUNT, order)  # as a click on the header does
        qtbot.waitUntil(w.is_idle, timeout=30_000)
        assert w.state.sort_key == "meta.branch"
        assert w.state.descending == (order == Qt.SortOrder.DescendingOrder)
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (COLUMN_COUNT, order)
        source = w.model.source()
        assert source is not None
        table = source.window(0, w.model.rowCount())
        values = table.column("meta_0").to_pylist()
        present = [v for v in values if v is not None]
        assert present and values[: len(present)] == present  # entries without one last
        assert len(set(present)) > 1
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)
        qtbot.waitUntil(lambda: w.model.is_loaded(0), timeout=10_000)
        assert w.model.index(0, COLUMN_COUNT).data() == present[0]


def test_widths_saved_beside_metadata_columns_come_back(qtbot: Any, window: MainWindow) -> None:
    window.columns.add_meta_column(("branch",))
    window.columns.add_meta_column(("commit",))
    hh = window.table.horizontalHeader()
    hh.resizeSection(COL_ACTOR, 277)
    hh.resizedByPerson.emit(COL_ACTOR)
    window.save_settings()
    again = shown_window(qtbot, fake_loader)
    again_hh = again.table.horizontalHeader()
    assert again_hh.count() == COLUMN_COUNT
    assert again_hh.sectionSize(COL_ACTOR) == 277  # the header restored, not reset
