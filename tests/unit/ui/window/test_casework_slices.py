"""Annotations travel with slices in the viewer (issue 14, spec §5): the export dialog carries
them; re-opening the slice shows them apart from the verified entries, as its sender's."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from auditviewer.casework.annotations import AnnotationStore
from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle
from tests.helpers.window import shown_window
from tests.unit.ui.window.test_casework import select_seqs, settle

KEY = signer()


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def open_and_wait(qtbot: Any, w: MainWindow, path: str) -> str:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000) as sig:
        w.open_paths([path], trust=[KEY.verifier_string])
    settle(qtbot, w)
    return str(sig.args[0])


def test_export_with_notes_then_a_colleague_opens_the_slice(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    folder = write_bundle(tmp_path / "log", [make_entry(i) for i in range(20)], checkpoint_sizes=[10, 20], key=KEY)
    assert open_and_wait(qtbot, window, str(folder)) == "verified"
    select_seqs(qtbot, window, [12])
    note = window.casework.edit_note(exec_dialog=False)
    assert note is not None
    note.edit.setPlainText("exfil staged here")
    note.accept()
    settle(qtbot, window)
    window.search.set_text("seq:10..14")
    settle(qtbot, window)

    window.menus.export_action.trigger()
    dialog = window.export.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
    assert dialog.with_notes.isChecked() and not dialog.with_notes.isHidden()
    out = tmp_path / "slice.zip"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exportFinished, timeout=60_000) as sig:
        dialog.export_button.click()
    assert sig.args == ["done"], dialog.error
    with zipfile.ZipFile(out) as z:
        assert any(n.endswith("/annotations.jsonl") for n in z.namelist())
    window.export.close_dialog()

    # A colleague: another data folder, no notes of their own.
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(tmp_path / "colleague"))
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "chen")
    assert open_and_wait(qtbot, window, str(out)) == "verified"  # the notes change nothing of the verdict
    assert AnnotationStore(ORIGIN).all() == []
    assert len(window.casework.bundled) == 1
    assert "annotation(s) by hana" in window.status_label.full_text()
    assert window.casework.import_bundled_action.isEnabled()
    select_seqs(qtbot, window, [12])
    rows = window.casework.panel.shown_texts()
    assert rows[0][0].startswith("From the bundle's annotations file") and "(its sender's)" in rows[0][0]
    assert rows[1][0] == "hana" and rows[1][3] == "exfil staged here"
    assert window.casework.panel.warning.isHidden()  # made on these very bytes
    # Not mixed into the entries: the JSON pane shows the entry alone.
    qtbot.waitUntil(lambda: window.pane.entry() is not None, timeout=30_000)
    entry = window.pane.entry()
    assert entry is not None and entry.get("seq") == 12 and "exfil staged here" not in str(entry)
    window.search.set_text("annotated:yes")  # the colleague's own notes: none yet
    settle(qtbot, window)
    assert window.model.rowCount() == 0

    window.casework.import_bundled()
    settle(qtbot, window)
    assert [(a.seq, a.author) for a in AnnotationStore(ORIGIN).all()] == [(12, "hana")]
    assert window.model.rowCount() == 1
    window.casework.undo()
    assert AnnotationStore(ORIGIN).all() == []
