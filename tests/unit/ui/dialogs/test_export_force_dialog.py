"""Issue 11.14 in the viewer: confirming "replace" never deletes a folder that is not an earlier export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from auditviewer.ui.dialogs.export import ExportDialog
from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()


def test_replace_refuses_an_unrelated_folder(qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    bundle = write_bundle(tmp_path / "log", [make_entry(i) for i in range(8)], checkpoint_sizes=[8], key=KEY)
    window = MainWindow(load_session, settings=make_settings())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.loadFinished, timeout=60_000):
        window.open_paths([str(bundle)], trust=[KEY.verifier_string])
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(ExportDialog, "confirm_replace", lambda self, path: True)
    dialog = window.open_export()
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
    dialog.set_format("bundle", folder=True)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "holiday.jpg").write_bytes(b"\xff\xd8 mine")
    dialog.path_edit.setText(str(photos))
    with qtbot.waitSignal(dialog.exportFinished, timeout=60_000) as sig:
        dialog.export_button.click()
    assert sig.args == ["failed"]
    assert "not an earlier export" in dialog.result_label.text()
    assert (photos / "holiday.jpg").read_bytes() == b"\xff\xd8 mine"
    assert sorted(p.name for p in photos.iterdir()) == ["holiday.jpg"]
