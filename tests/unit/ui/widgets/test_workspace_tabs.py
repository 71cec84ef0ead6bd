"""Several workspaces in tabs (issue 13, feature 4): each tab its own session, filters
and selection; the title and status bar follow the current tab; closing a tab closes
its session without waiting for its jobs."""

from __future__ import annotations

import time
from typing import Any

from auditviewer.core.errors import Cancelled
from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.ui.widgets.workspace_tabs import WorkspaceTabs
from auditviewer.ui.workers import JobContext
from tests.unit.ui.test_main_window import fake_loader, open_fake


def tabs_host(qtbot: Any, loader: Any = fake_loader) -> WorkspaceTabs:
    host = WorkspaceTabs(lambda: MainWindow(loader, settings=make_settings()))
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    return host


def open_in_new_tab(qtbot: Any, host: WorkspaceTabs, path: str) -> MainWindow:
    with qtbot.waitSignal(host.tabs.currentChanged):
        window = host.add_tab(host.factory())
    with qtbot.waitSignal(window.loadFinished, timeout=10_000):
        window.open_paths([path])
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    return window


def test_one_tab_looks_like_the_single_window(qtbot: Any) -> None:
    host = tabs_host(qtbot)
    assert host.tabs.count() == 1
    assert not host.tabs.tabBar().isVisible()
    first = host.current()
    assert first is not None and first.menus.new_tab_action.isVisible()
    assert host.windowTitle() == first.windowTitle()


def test_two_tabs_keep_their_own_session_filters_and_selection(qtbot: Any) -> None:
    host = tabs_host(qtbot)
    first = host.current()
    assert first is not None
    open_fake(qtbot, first)
    second = open_in_new_tab(qtbot, host, "/tmp/other-bundle")
    assert host.tabs.count() == 2 and host.tabs.tabBar().isVisible()
    assert host.current() is second
    assert first.session is not None and second.session is not None
    assert first.session is not second.session
    second.search.set_text("hana")
    qtbot.waitUntil(second.is_idle, timeout=10_000)
    second.table.selectRow(1)
    assert second.state.query == "hana" and first.state.query == ""
    assert first.model.rowCount() > second.model.rowCount() > 0
    assert not first.table.selectionModel().hasSelection()
    # The window's title and status bar are the current tab's.
    second.status("second tab's status")
    host.tabs.setCurrentWidget(first)
    assert host.windowTitle() == first.windowTitle()
    assert first.statusBar().isVisible() and not second.statusBar().isVisible()
    host.tabs.setCurrentWidget(second)
    assert host.windowTitle() == second.windowTitle()
    assert second.status_label.text() == "second tab's status"
    assert second.statusBar().isVisible()
    assert host.tabs.tabText(1) in second.windowTitle()


def test_closing_a_tab_while_it_loads_does_not_wait_for_the_load(qtbot: Any) -> None:
    started: list[bool] = []

    def slow_loader(paths: list[str], ctx: JobContext) -> Any:
        if paths == ["/tmp/slow"]:
            started.append(True)
            while True:  # a long load that only stops at its next cancel check, 2 s apart
                time.sleep(2.0)
                if ctx.cancelled:
                    raise Cancelled("cancelled")
        return fake_loader(paths, ctx)

    host = tabs_host(qtbot, slow_loader)
    first = host.current()
    assert first is not None
    open_fake(qtbot, first)
    slow = host.add_tab(host.factory())
    slow.open_paths(["/tmp/slow"])
    qtbot.waitUntil(lambda: bool(started))
    begin = time.monotonic()
    host.close_tab(host.tabs.indexOf(slow))
    # The GUI did not wait for the job (up to 2 s away from its next check); a loose
    # bound, for a loaded machine.
    assert time.monotonic() - begin < 1.0
    assert host.tabs.count() == 1 and host.current() is first
    assert slow.session is None and slow in host.closing
    qtbot.waitUntil(lambda: not host.closing, timeout=10_000)  # deleted once its threads ended
    assert first.session is not None and first.model.rowCount() > 0


def test_a_tab_whose_window_closes_goes_and_the_last_closes_the_window(qtbot: Any) -> None:
    host = tabs_host(qtbot)
    first = host.current()
    assert first is not None
    second = host.add_tab(host.factory())
    second.close()
    qtbot.waitUntil(lambda: host.tabs.count() == 1)
    assert host.current() is first and host.isVisible()
    first.close()
    qtbot.waitUntil(lambda: not host.isVisible())


def test_open_in_new_tab_asks_and_a_cancelled_dialog_takes_the_tab_away(
    qtbot: Any, monkeypatch: Any
) -> None:
    from auditviewer.ui.window.loading import LoadingController

    chosen: list[list[str]] = [[]]
    monkeypatch.setattr(
        LoadingController, "open_dialog", lambda self: self.open_paths(chosen[0]) if chosen[0] else None
    )
    host = tabs_host(qtbot)
    first = host.current()
    assert first is not None
    first.menus.new_tab_action.trigger()  # cancelled
    assert host.tabs.count() == 1
    chosen[0] = ["/tmp/fake-bundle"]
    first.menus.new_tab_action.trigger()
    assert host.tabs.count() == 2
    new = host.current()
    assert new is not None and new is not first
    qtbot.waitUntil(lambda: new.session is not None, timeout=10_000)
    assert first.session is None  # the first tab's workspace was not replaced


def test_a_standalone_window_offers_no_new_tab(qtbot: Any) -> None:
    window = MainWindow(fake_loader, settings=make_settings())
    qtbot.addWidget(window)
    assert not window.menus.new_tab_action.isVisible()


def test_file_open_over_a_workspace_opens_a_new_tab(qtbot: Any, monkeypatch: Any) -> None:
    from auditviewer.ui.window.loading import LoadingController

    monkeypatch.setattr(LoadingController, "open_dialog", lambda self: self.open_paths(["/tmp/fake-bundle"]))
    host = tabs_host(qtbot)
    first = host.current()
    assert first is not None
    first.menus.open_action.trigger()  # the start page: opens there
    qtbot.waitUntil(lambda: first.session is not None, timeout=10_000)
    assert host.tabs.count() == 1
    kept = first.session
    first.menus.open_action.trigger()  # over a workspace: a new tab
    assert host.tabs.count() == 2 and host.current() is not first
    assert first.session is kept
