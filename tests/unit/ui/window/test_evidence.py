"""File ▸ Evidence Report… (issue 14): the report of what the window shows, built off the GUI
thread with progress, as HTML or PDF, with the case notes in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.window import shown_window
from tests.unit.ui.window.test_casework import load, select_seqs, settle


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def _bundle(tmp_path: Path) -> tuple[str, str]:
    key = signer()
    folder = write_bundle(tmp_path / "a", [make_entry(i) for i in range(10)], checkpoint_sizes=[10], key=key)
    return str(folder), key.verifier_string


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_evidence_report_of_the_view(qtbot: Any, window: MainWindow, tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    folder, key = _bundle(tmp_path)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as sig:
        window.open_paths([folder], trust=[key])
    settle(qtbot, window)
    assert sig.args == ["verified"]
    select_seqs(qtbot, window, [4])
    note = window.casework.edit_note(exec_dialog=False)
    assert note is not None
    note.edit.setPlainText("rollout by the wrong\u202e account")
    note.accept()
    settle(qtbot, window)
    window.search.set_text("annotated:yes")
    settle(qtbot, window)
    out = tmp_path / f"report{suffix}"
    evidence = window.casework.evidence
    assert evidence.evidence_action.isEnabled()
    worker = evidence.evidence_report(str(out))
    assert worker is not None and evidence.report_running()
    assert evidence._progress is not None and evidence._progress.isVisible()  # progress while it runs
    qtbot.waitUntil(lambda: not evidence.report_running(), timeout=60_000)
    assert "Saved the evidence report" in window.status_label.full_text(), window.status_label.full_text()
    assert "1 entries, verdict VERIFIED" in window.status_label.full_text()
    data = out.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF")
    else:
        html = data.decode()
        assert "annotated:yes" in html and "hana" in html and "⟨U+202E⟩" in html and "\u202e" not in html


def test_a_failure_is_said_and_nothing_is_left(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    folder, _key = _bundle(tmp_path)
    load(qtbot, window, folder)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    window.search.set_text("seq:0..")  # every entry: allowed
    settle(qtbot, window)
    out = tmp_path / "no such folder" / "r.html"
    window.casework.evidence.evidence_report(str(out))
    qtbot.waitUntil(lambda: not window.casework.evidence.report_running(), timeout=60_000)
    assert said and "Could not write the evidence report" in said[0]
    assert not out.exists()
