"""Dropping onto the window (issue 13, feature 7): a folder, a zip or a file opens,
through the real loader; a drop without local files is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTORS
from tests.helpers.window import shown_window


def _mime(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def _drop(window: MainWindow, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        (VECTORS / "valid-jsonl", 3000),  # a bundle folder
        (VECTORS / "valid-parquet.zip", 3000),  # a zip
        (VECTORS / "dashboard-export.json", None),  # one file
    ],
)
def test_a_dropped_folder_zip_or_file_opens(qtbot: Any, path: Path, rows: int | None) -> None:
    window = shown_window(qtbot, load_session)
    mime = _mime(QUrl.fromLocalFile(str(path)))
    enter = QDragEnterEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as finished:
        assert _drop(window, mime).isAccepted()
    assert finished.args != ["error"]
    assert window.paths == [str(path)]
    assert window.stack.currentWidget() is window.workspace_page
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.model.rowCount() == (rows if rows is not None else window.session.total())  # type: ignore[union-attr]
    assert window.model.rowCount() > 0


def test_a_drop_without_local_files_opens_nothing(qtbot: Any) -> None:
    window = shown_window(qtbot, load_session)
    _drop(window, _mime(QUrl("https://example.invalid/export.zip")))
    assert not window.is_loading()
    assert window.stack.currentWidget() is window.start_page
