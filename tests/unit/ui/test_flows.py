"""Whole flows through the real loader, store and verifier: open the demo,
filter, scope to a deployment, read an entry's changes, see tampering flagged."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.app import demo_paths
from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.ui.models.table_model import COL_EVENT, COL_STATE
from auditviewer.workspace import store_session as loader_module
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session, demo_paths=demo_paths)


def settle(qtbot: Any, w: MainWindow) -> None:
    """Wait until the query thread has answered the last filter change."""
    qtbot.waitUntil(w.is_idle, timeout=30_000)


def row_ready(qtbot: Any, w: MainWindow, row: int = 0) -> None:
    """Wait for the page holding ``row`` (pages come from the page thread)."""
    w.model.index(row, 0).data()
    qtbot.waitUntil(lambda: w.model.is_loaded(row), timeout=30_000)


def pane_ready(qtbot: Any, w: MainWindow) -> None:
    row_ready(qtbot, w, max(0, w.table.currentIndex().row()))
    qtbot.waitUntil(lambda: w.pane.entry() is not None, timeout=30_000)


def load(qtbot: Any, w: MainWindow, paths: list[str], trust: list[str] | None = None) -> str:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000) as sig:
        w.open_paths(paths, trust=trust)
    settle(qtbot, w)
    return str(sig.args[0])


def test_demo_filter_scope_and_diff(qtbot: Any, window: MainWindow) -> None:
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as sig:
        window.start_page.demo_button.click()
    assert sig.args == ["verified"]
    settle(qtbot, window)
    from auditviewer.integrity.memory import CheckpointMemory

    assert not CheckpointMemory().origins()  # the demo is regenerated: never remembered
    total = window.session.total()  # type: ignore[union-attr]
    assert total > 1000
    assert window.banner.status.text() == "Verified"
    row_ready(qtbot, window)
    assert window.model.index(0, COL_STATE).data().startswith("✔")
    assert window.count_label.text() == f"Showing {total:,} of {total:,}"

    # filter with the query language
    window.search.set_text('category:"Nakama Deployment" action:Update')
    settle(qtbot, window)
    n = window.model.rowCount()
    assert 0 < n < total
    assert window.model.is_loaded(0)  # the first page came with the view: no placeholder
    assert {window.model.index(r, COL_EVENT).data() for r in range(min(n, 50))} == {
        "Nakama Deployment Update"
    }
    # a malformed query is marked, the last good filter stays
    window.search.set_text("action:Update (")
    settle(qtbot, window)
    assert window.search.error() is not None
    assert window.model.rowCount() == n
    window.search.set_text("")
    settle(qtbot, window)

    # scope to a deployment from the tree
    model = window.scope_tree.scope_model
    org = model.index(0, 0)
    title = model.index(0, 0, org)
    deployments = next(
        model.index(r, 0, title) for r in range(model.rowCount(title))
        if model.index(r, 0, title).data() == "Deployments"
    )
    dep = model.index(0, 0, deployments)
    dep_name = dep.data()
    expected = int(dep.siblingAtColumn(1).data().replace(",", ""))
    window.scope_tree.setCurrentIndex(dep)
    settle(qtbot, window)
    assert window.model.rowCount() == expected
    assert window.breadcrumb.text().endswith("▸ " + dep_name)
    assert dep_name in window.windowTitle()

    # select an Update entry and read its before/after
    window.search.set_text("action:Update")
    settle(qtbot, window)
    assert window.model.rowCount() > 0
    window.table.selectRow(0)
    pane_ready(qtbot, window)
    entry = window.pane.entry()
    assert entry is not None and entry["action"] == "Update"
    assert entry["resource"]["name"] == dep_name
    changes = window.pane.diff.model.changes()
    if changes:
        assert window.pane.tabs.tabText(0).startswith("Changes (")


def test_tampered_bundle_flagged(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    status = load(qtbot, window, [str(VECTORS / "modified-entry")], trust=[VECTOR_KEY])
    assert status == "failed"
    assert window.banner.status.text() == "Failed"
    report = window.report
    assert report is not None
    finding = next(f for f in report.findings if f.kind == "chain_mismatch")
    # the report panel lists it; activating it shows its entries, flagged ✖
    window.show_report()
    assert window.right.currentWidget() is window.integrity
    fm = window.integrity.findings_model
    row = next(r for r in range(fm.rowCount()) if fm.finding(r).kind == "chain_mismatch")
    window.integrity.findings.activated.emit(fm.index(row, 0))
    settle(qtbot, window)
    assert window.model.rowCount() == (finding.seq_end or 0) - (finding.seq or 0) + 1
    row_ready(qtbot, window)
    assert window.model.index(0, COL_STATE).data().startswith("✖")
    pane_ready(qtbot, window)
    assert window.pane.entry()["seq"] == finding.seq  # type: ignore[index]
    # save the report both ways
    saved = window.reports.save_report_json(str(tmp_path / "r.json"))
    assert saved and json.loads(Path(saved).read_text())["status"] == "failed"
    html = window.reports.save_report_html(str(tmp_path / "r.html"))
    assert html and "chain_mismatch" in Path(html).read_text()


def test_untrusted_key_then_trust_it(qtbot: Any, window: MainWindow, monkeypatch: Any) -> None:
    status = load(qtbot, window, [str(VECTORS / "valid-jsonl")])
    assert status == "incomplete"
    assert len(window.integrity.key_boxes) == 1
    box = window.integrity.key_boxes[0]
    assert box.signer.key_id == "712495bc"
    from auditviewer.integrity.keys import parse_verifier_key
    from auditviewer.ui.dialogs import trust_store

    key = box.signer.key or parse_verifier_key(VECTOR_KEY)

    def confirm(dialog: trust_store.TrustKeyDialog) -> int:
        dialog.key = key  # the person compared the fingerprint and said yes
        return 1

    monkeypatch.setattr(trust_store.TrustKeyDialog, "exec", confirm)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as sig:
        box.trust_button.click()
    assert sig.args == ["verified"]


def test_plain_export_has_no_integrity_data(qtbot: Any, window: MainWindow) -> None:
    status = load(qtbot, window, [str(VECTORS / "dashboard-export.json")])
    assert status == "incomplete"
    assert window.model.rowCount() > 0
    assert any(f.kind == "no_integrity_data" for f in window.report.findings)  # type: ignore[union-attr]


def test_unreadable_input_reports_error(qtbot: Any, window: MainWindow, tmp_path: Path,
                                        monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    (tmp_path / "junk.txt").write_text("nothing")
    status = load(qtbot, window, [str(tmp_path / "junk.txt")])
    assert status == "error"
    assert shown and window.stack.currentWidget() is window.start_page


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_loading_gives_way_to_the_gui_thread(qtbot: Any) -> None:
    """The window loads at a lower CPU priority than its own (GUI) thread, so that the
    GUI is scheduled first while loading keeps every core busy."""

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen: dict[str, int] = {}
    real_open_store = loader_module.open_store

    def open_store(*args: Any, **kwargs: Any) -> Any:
        opened = real_open_store(*args, **kwargs)
        # DuckDB starts its threads when the store opens: they keep the GUI's priority.
        seen["store opened"] = niceness()
        return opened

    def loader(paths: list[str], ctx: Any) -> Any:
        real_partial = ctx.partial

        def partial(value: Any) -> None:
            seen.setdefault("first rows", niceness())
            real_partial(value)

        ctx.partial = partial
        return load_session(paths, ctx)

    w = MainWindow(loader, settings=make_settings())
    qtbot.addWidget(w)
    w.show()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader_module, "open_store", open_store)
        assert load(qtbot, w, [str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY]) == "verified"
    assert seen["store opened"] == niceness() < seen["first rows"]
