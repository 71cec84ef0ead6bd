"""Preferences' workspace cache: folder, total, an editable limit, Clear; the start page's fast marker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog

from auditviewer.store.store import Store
from auditviewer.ui.dialogs.preferences import PreferencesDialog
from auditviewer.ui.window.pages import FAST_MARK, StartPage
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import cache_folder
from auditviewer.workspace.cache_folder import DatabaseRecord, ExportRecord
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()


@pytest.fixture
def folder() -> Path:
    where = cache_folder.folder()
    where.mkdir(parents=True)
    return where


def _fake(where: Path, name: str, size: int) -> Path:
    path = where / f"workspace-{name}.duckdb"
    path.write_bytes(b"\0" * size)
    cache_folder.write_record(path, DatabaseRecord(name, [ExportRecord("/exports/x.zip", 1, 1)], 1, 1))
    return path


def _dialog(qtbot: Any, tmp_path: Path) -> PreferencesDialog:
    dialog = PreferencesDialog(QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    return dialog


def test_shows_the_folder_the_total_and_the_limit(qtbot: Any, tmp_path: Path, folder: Path) -> None:
    _fake(folder, "a", 4000)
    _fake(folder, "b", 6000)
    cache_folder.set_configured_limit(3 * 1000**3)
    dialog = _dialog(qtbot, tmp_path)
    cache = dialog.cache
    assert cache.folder_label.text() == str(folder)
    total = cache_folder.format_size(cache_folder.total_size(folder))
    assert cache.total_label.text() == f"2 databases, {total} of 3.0 GB"
    assert cache.limit_edit.text() == "3.0 GB" and cache.limit_edit.isEnabled()


def test_the_limit_typed_is_kept_and_a_bad_one_refused(qtbot: Any, tmp_path: Path, folder: Path) -> None:
    dialog = _dialog(qtbot, tmp_path)
    dialog.cache.limit_edit.setText("a lot")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted  # stays open, saying why
    assert "'a lot' is not a size" in dialog.cache.limit_note.text()
    assert cache_folder.configured_limit() is None
    dialog.cache.limit_edit.setText("500MB")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert cache_folder.configured_limit() == 500 * 1000**2
    assert cache_folder.cache_limit().source == "Preferences"
    again = _dialog(qtbot, tmp_path)
    again.cache.limit_edit.clear()
    again.accept()
    assert cache_folder.configured_limit() is None  # empty: back to the default


def test_the_environment_decides_while_it_is_set(
    qtbot: Any, tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "2G")
    dialog = _dialog(qtbot, tmp_path)
    cache = dialog.cache
    assert not cache.limit_edit.isEnabled()
    assert "AUDITVIEWER_CACHE_LIMIT sets the limit to 2.0 GB" in cache.limit_note.text()
    assert cache.total_label.text().endswith(" of 2.0 GB")


def test_clear_removes_what_is_not_in_use_and_says_so(qtbot: Any, tmp_path: Path, folder: Path) -> None:
    _fake(folder, "a", 4000)
    held = folder / "workspace-held.duckdb"
    store = Store(database=held)
    try:
        dialog = _dialog(qtbot, tmp_path)
        cache = dialog.cache
        qtbot.mouseClick(cache.clear_button, Qt.MouseButton.LeftButton)
        text = cache.result_label.text()
        assert text.startswith("Removed 1 database, 4.") and text.endswith("1 in use by a window or process kept.")
        assert held.exists()
        assert cache.total_label.text().startswith("1 database, ")
    finally:
        store.close()


def test_recent_files_say_which_open_fast(
    qtbot: Any, tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    cached = write_bundle(tmp_path / "cached", [make_entry(i) for i in range(20)], checkpoint_sizes=[20], key=KEY)
    other = write_bundle(tmp_path / "other", [make_entry(i) for i in range(10)], checkpoint_sizes=[10], key=KEY)
    with load([cached], []):
        pass
    page = StartPage()
    qtbot.addWidget(page)
    page.set_recent([str(cached), str(other)])
    texts = [page.recent.item(i).text() for i in range(page.recent.count())]
    assert texts == [str(cached) + FAST_MARK, str(other)]
    assert "in the workspace cache" in page.recent.item(0).toolTip()
    assert page.recent.item(0).data(Qt.ItemDataRole.UserRole) == str(cached)
    cache_folder.clear(where=folder)
    page.set_recent([str(cached)])
    assert page.recent.item(0).text() == str(cached)
