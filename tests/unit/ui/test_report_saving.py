"""Saving the report from the window goes through the one atomic writer (``core/atomic.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY])
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    return w


def test_saving_leaves_a_file_named_like_a_temporary_alone(window: MainWindow, tmp_path: Path) -> None:
    # The old writer staged every save at ".<name>.tmp" and renamed it: someone's file of
    # that name was overwritten and moved, and a folder of that name made saving fail.
    folder = tmp_path / "reports"
    folder.mkdir()
    theirs = folder / ".r.json.tmp"
    theirs.write_text("not yours")
    (folder / ".r.html.tmp").mkdir()
    saved = window.reports.save_report_json(str(folder / "r.json"))
    assert saved and json.loads(Path(saved).read_text("utf-8"))["status"] == "verified"
    html = window.reports.save_report_html(str(folder / "r.html"))
    assert html and Path(html).read_text("utf-8").startswith("<!")
    assert theirs.read_text() == "not yours"
    assert sorted(p.name for p in folder.iterdir()) == [".r.html.tmp", ".r.json.tmp", "r.html", "r.json"]


def test_a_failed_save_is_a_warning_and_keeps_the_old_file(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditviewer.ui.window import reports

    warned: list[str] = []
    monkeypatch.setattr(reports.QMessageBox, "warning", lambda *args: warned.append(args[2]))
    target = tmp_path / "missing-folder" / "r.json"
    assert window.reports.save_report_json(str(target)) == str(target)
    assert warned and "missing-folder" in warned[0] and not target.exists()
