"""Search history per log and saved searches in the viewer (issue 14), over a real session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.casework.searches import SavedSearches, SearchHistory
from auditviewer.cli import main
from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle
from tests.helpers.window import shown_window
from tests.unit.ui.window.test_casework import load, settle


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def _bundle(tmp_path: Path) -> str:
    key = signer()
    return str(write_bundle(tmp_path / "a", [make_entry(i) for i in range(12)], checkpoint_sizes=[12], key=key))


def test_queries_are_remembered_per_log_and_offered_again(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a = _bundle(tmp_path)
    load(qtbot, window, a)
    for query in ("actor:user1@*", "action:Update", "actor:user1@*"):
        window.search.set_text(query)
        settle(qtbot, window)
    assert SearchHistory(ORIGIN).queries() == ["actor:user1@*", "action:Update"]
    assert window.search.history() == ["actor:user1@*", "action:Update"]
    window.close_workspace()
    load(qtbot, window, a)  # opened again: its history is back
    assert window.search.history() == ["actor:user1@*", "action:Update"]


def test_save_run_and_delete_a_search_with_its_time_range_and_scope(
    qtbot: Any, window: MainWindow, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _bundle(tmp_path)
    load(qtbot, window, a)
    w = window
    w.filtering.scope_to(Scope("resource", resource_type="nakama_deployment", resource_id="dep_1", label="dep 1"))
    w.search.set_text("action:Update")
    start = 1_788_220_800_000 + 3 * 60_000  # 2026-09-01T00:03Z
    w.time_range.set_range(start, start + 6 * 60_000)
    settle(qtbot, w)
    shown_before = w.model.rowCount()
    assert shown_before == 2  # seqs 4 and 7 (dep_1) inside 00:03..00:09
    saved = w.casework.searches.save_search("dep one")
    assert saved is not None and saved.scope == {"type": "resource", "resource_type": "nakama_deployment", "resource_id": "dep_1"}
    assert saved.time_start == "2026-09-01T00:03:00.000Z" and saved.origin == ORIGIN

    w.clear_filters()
    settle(qtbot, w)
    assert w.model.rowCount() == 12
    w.casework.searches.run_saved("dep one")
    settle(qtbot, w)
    assert w.model.rowCount() == shown_before
    assert w.search.text() == "action:Update" and w.state.scope.resource_id == "dep_1"

    # The command line reads the same list.
    assert main(["query", a, "--saved", "dep one", "--count"]) == 0
    assert capsys.readouterr().out.strip() == str(shown_before)

    w.casework.searches._fill_saved_menu()
    assert [x.text() for x in w.casework.searches.saved_menu.actions()] == ["dep one"]
    w.casework.searches.delete_saved("dep one")
    assert SavedSearches().names() == []
    w.casework.searches._fill_saved_menu()
    assert [x.text() for x in w.casework.searches.saved_menu.actions()] == ["No saved searches"]


def test_tag_ticks_are_saved_as_tag_terms(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a = _bundle(tmp_path)
    load(qtbot, window, a)
    window.filtering.set_state(window.state.with_(tags=frozenset({"exfil one", "b"})))
    saved = window.casework.searches.current_search("x")
    assert saved.query == '(tag:b OR tag:"exfil one")'
