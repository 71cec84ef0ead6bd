"""A search of the entry text shows its first rows while its view is made (issue 12):
the count says so, and the whole view then replaces them without a reset."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.table_model import PAGE_SIZE
from auditviewer.workspace import store_session
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTORS
from tests.helpers.window import shown_window
from tests.unit.ui.window.test_casework import load, settle


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def test_first_rows_are_shown_while_the_view_is_made(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A workspace larger than what the first page is looked for in (3,000 rows here).
    monkeypatch.setattr(store_session, "FIRST_ROWS_READ", 1_000)
    w = window
    load(qtbot, w, str(VECTORS / "valid-jsonl"))
    session = w.session
    assert session is not None
    making = threading.Event()
    release = threading.Event()
    real_view = session.view

    def slow_view(state: FilterState) -> Any:
        if "dragon" in state.query:
            making.set()
            release.wait(20)
        return real_view(state)

    session.view = slow_view  # type: ignore[method-assign]
    try:
        w.filtering.query_applied("dragon")
        qtbot.waitUntil(lambda: "counting" in w.count_label.text(), timeout=20_000)
        assert making.is_set()
        shown = w.model.rowCount()
        assert 0 < shown <= PAGE_SIZE
        assert w.count_label.text() == f"Showing the first {shown:,} matches · counting…"
        first = w.model.row(0, wait=True)
        assert first is not None
        first_seq = first.seq
    finally:
        release.set()
    settle(qtbot, w)
    whole = real_view(FilterState(query="dragon"))
    assert w.count_label.text() == f"Showing {whole.count():,} of 3,000"
    assert w.model.rowCount() == whole.count() > shown
    top = w.model.row(0, wait=True)
    assert top is not None and top.seq == first_seq == whole.window(0, 1).column("seq")[0].as_py()
