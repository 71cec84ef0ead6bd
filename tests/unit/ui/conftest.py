"""pytest-qt fixtures: isolated settings (shared helpers: ``tests/helpers``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own QSettings file and trust store."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    monkeypatch.setenv("AUDITVIEWER_TRUST_STORE", str(tmp_path / "trusted.keys"))
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(tmp_path / "data"))
    yield


@pytest.fixture(autouse=True)
def _collection_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """As the app does (ui/gui_collection.py): cycles are collected on the GUI thread only,
    and what a test left is collected there before the next test's workers run."""
    from auditviewer.ui.gui_collection import GuiThreadCollector

    collector = GuiThreadCollector()
    collector.start()
    yield
    collector.stop()
    collector.deleteLater()


# The offscreen platform plugin (CI, tests) warns about a capability it lacks;
# that is the platform's limitation, not a fault of ours.
_PLATFORM_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",  # a popup menu shown
    r"This plugin does not support grabbing the keyboard",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/ui/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*_PLATFORM_NOISE))
