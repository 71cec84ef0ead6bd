"""Main window over an in-memory session: start page, filters, scope, pane,
copying, settings. (Real loading and verification: tests/unit/ui/test_flows.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.ui.models.table_model import COL_EVENT, COL_SEQ
from auditviewer.ui.workers import JobContext
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.store_session import no_collection_while_loading
from tests.helpers.fake_session import FakeSession
from tests.helpers.vectors import VECTORS, verify_vector
from tests.helpers.window import shown_window

ENTRIES = VECTORS / "valid-jsonl" / "entries" / "part-00000.jsonl"


def fake_loader(paths: list[str], ctx: JobContext) -> FakeSession:
    # As the real loader (load_session): no cyclic collection on the worker thread while it
    # loads. A collection there can free a previous test's Qt objects off the GUI thread,
    # which crashed the process once (a segfault in a CI pass, in json.dumps below).
    with no_collection_while_loading():
        report, _ = verify_vector("valid-jsonl")
        return FakeSession(ENTRIES, report)


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, fake_loader)


def open_fake(qtbot: Any, w: MainWindow) -> None:
    with qtbot.waitSignal(w.loadFinished, timeout=10_000) as sig:
        w.open_paths(["/tmp/fake-bundle"])
    assert sig.args == ["verified"]


def test_start_page(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.start_page
    assert window.start_page.open_button.text() == "Open an export…"
    assert window.start_page.demo_button.text() == "Open the demo"
    assert window.windowTitle() == "AuditViewer"


def test_open_shows_log_and_banner(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    assert window.stack.currentWidget() is window.workspace_page
    assert window.model.rowCount() == 3000
    assert window.count_label.text() == "Showing 3,000 of 3,000"
    assert window.banner.status.text() == "Verified"
    assert window.loading.recent_paths() == ["/tmp/fake-bundle"]
    assert window.windowTitle() == "fake-bundle — AuditViewer"  # the file, not the claimed name
    cats = window.category_facet.model
    assert sum(cats.count_of(v) for v in cats.values()) == 3000


def test_filter_facets_and_clear(qtbot: Any, qtmodeltester: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    # the tester stays attached: every reset and change below is checked too
    qtmodeltester.check(window.model)
    qtmodeltester.check(window.category_facet.model)
    qtmodeltester.check(window.scope_tree.scope_model)
    window.search.set_text("dragon-staging-10")
    n = window.model.rowCount()
    assert 0 < n < 3000
    assert window.count_label.text() == f"Showing {n:,} of 3,000"
    window.category_facet.model.set_checked({"Nakama Deployment"})
    m = window.model.rowCount()
    assert 0 < m <= n
    events = {window.model.index(r, COL_EVENT).data().rsplit(" ", 1)[0] for r in range(m)}
    assert events == {"Nakama Deployment"}
    # a malformed query keeps the last good filter and marks the column
    window.search.set_text("dragon (")
    assert window.model.rowCount() == m
    assert window.search.error_label.text().startswith("Column 8")
    window.clear_all.click()
    assert window.model.rowCount() == 3000
    assert window.search.text() == ""
    assert window.category_facet.model.checked() == frozenset()


def test_scope_tree_scopes_and_breadcrumb(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    scope = Scope("resource", resource_type="nakama_deployment", resource_id="dep_0010",
                  label="Deployment dragon-staging-10")
    idx = window.scope_tree.scope_model.find(scope)
    assert idx.isValid()
    expected = int(idx.siblingAtColumn(1).data().replace(",", ""))
    window.scope_tree.setCurrentIndex(idx)
    assert window.model.rowCount() == expected
    assert window.breadcrumb.text().endswith("▸ dragon-staging-10")
    assert "Deployment dragon-staging-10" in window.windowTitle()


def test_select_entry_fills_pane_and_copy_tsv(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    window.show_entry_pane()  # closed at a narrow first start (ui/window/layout.py)
    window.table.selectRow(0)
    assert window.pane.entry() is not None
    assert window.pane.title.text() == window.model.index(0, COL_EVENT).data()
    flags = window.table.selectionModel().SelectionFlag
    # Not selectRow: it follows the keyboard modifiers an earlier key click left behind.
    window.table.selectionModel().select(window.model.index(1, 0), flags.ClearAndSelect | flags.Rows)
    window.table.selectionModel().select(window.model.index(2, 0), flags.Select | flags.Rows)
    window.table.setFocus()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:4] == ["Integrity", "Seq", "Time", "Event type"]
    assert len(lines) == 3


def test_finding_jumps_to_entries(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    window.filtering.show_finding(100, 109)
    assert window.model.rowCount() == 10
    assert window.finding_chip.isVisible()
    assert window.model.seq_at(0) == 100
    window.finding_chip.click()
    assert window.model.rowCount() == 3000


def test_sort_by_column(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    window.set_column_visible(COL_SEQ, True)
    window.table.sortByColumn(COL_SEQ, Qt.SortOrder.AscendingOrder)
    assert window.model.seq_at(0) == 0
    window.table.sortByColumn(COL_SEQ, Qt.SortOrder.DescendingOrder)
    assert window.model.seq_at(0) == 2999


def test_settings_persist_columns_and_utc(qtbot: Any, window: MainWindow) -> None:
    window.set_column_visible(COL_SEQ, False)
    window.table.horizontalHeader().resizeSection(COL_EVENT, 333)
    window.time_range.set_utc(False)
    window.close()
    again = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(again)
    hh = again.table.horizontalHeader()
    assert hh.isSectionHidden(COL_SEQ)
    assert not again.menus.column_actions[COL_SEQ].isChecked()
    assert hh.sectionSize(COL_EVENT) == 333
    assert again.state.utc is False
    assert again.menus.utc_action.isChecked() is False


def test_escape_clears_search(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    window.search.set_text("hana")
    assert window.model.rowCount() < 3000
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    assert window.model.rowCount() == 3000


def test_close_workspace_returns_to_start(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    session = window.session
    window.close_workspace()
    assert window.stack.currentWidget() is window.start_page
    assert session is not None and session.closed  # type: ignore[attr-defined]


def test_drop_opens_exports(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ENTRIES.parent.parent / "manifest.json"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.loadFinished, timeout=10_000):
        window.dropEvent(event)
    assert window.paths == [str(ENTRIES.parent.parent)]  # a manifest stands for its bundle


def test_keyboard_find_and_enter(qtbot: Any, window: MainWindow) -> None:
    open_fake(qtbot, window)
    window.activateWindow()
    window.menus.find_action.trigger()
    assert window.search.edit.hasFocus() or window.focusWidget() is window.search.edit
    window.table.setFocus()
    window.table.selectRow(3)
    window.right.setCurrentWidget(window.integrity)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert window.right.currentWidget() is window.pane
    assert window.pane.entry() is not None


def test_cancel_loading(qtbot: Any) -> None:
    import time as _time

    from auditviewer.core.errors import Cancelled

    def slow_loader(paths: list[str], ctx: JobContext) -> FakeSession:
        while True:
            ctx.progress("Reading and verifying", 1, 10, force=True)
            if ctx.cancelled:
                raise Cancelled("cancelled")
            _time.sleep(0.01)

    w = MainWindow(slow_loader, settings=make_settings())
    qtbot.addWidget(w)
    w.show()
    w.open_paths(["/tmp/slow"])
    assert w.is_loading() and w.cancel_button.isVisible()
    assert w.banner.status.text() == "Verifying…"
    with qtbot.waitSignal(w.loadFinished, timeout=10_000) as sig:
        w.cancel_button.click()
    assert sig.args == ["cancelled"]
    assert not w.is_loading() and not w.cancel_button.isVisible()
    assert w.stack.currentWidget() is w.start_page


def test_first_start_takes_most_of_the_screen_then_keeps_its_geometry(qtbot: Any) -> None:
    first = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(first)
    area = (first.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert first.width() == max(900, int(area.width() * 0.8))
    assert first.height() == max(600, int(area.height() * 0.8))
    first.show()
    qtbot.waitExposed(first)
    open_fake(qtbot, first)
    first.resize(1280, 800)  # what a 1600 x 1000 screen gives (the test screen is smaller)
    first.reset_layout()
    qtbot.waitUntil(lambda: first.main_split.width() >= 1270)
    left, table, pane = first.main_split.sizes()
    assert left < 250 and table >= 2 * pane  # the log gets most of the width
    first.resize(700, 500)  # within the (small) test screen: restoring clamps to it
    first.save_settings()
    again = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 500)


def test_the_log_shows_its_main_columns_in_a_1600_px_window(qtbot: Any, window: MainWindow) -> None:
    from auditviewer.ui.models.table_model import (
        COL_ACTOR,
        COL_RESOURCE,
        COL_SUMMARY,
        COL_TIME,
        COL_TITLE,
    )

    window.resize(1600, 1000)
    window.reset_layout()
    open_fake(qtbot, window)
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    hh = window.table.horizontalHeader()
    viewport = window.table.viewport().width()
    for col in (COL_TIME, COL_EVENT, COL_ACTOR, COL_RESOURCE, COL_TITLE):
        assert hh.sectionViewportPosition(col) + hh.sectionSize(col) <= viewport, col
    assert viewport - hh.sectionViewportPosition(COL_SUMMARY) >= 160  # Summary readable too
    assert not window.table.horizontalScrollBar().isVisible()
