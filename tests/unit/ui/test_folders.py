"""One application name everywhere: Qt's folders and the viewer's settings file are ours."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QApplication

from auditviewer.core import paths
from auditviewer.ui import app as app_module
from auditviewer.ui.main_window import make_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AUDITVIEWER_CACHE_DIR", "AUDITVIEWER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    return tmp_path


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="XDG rules: Linux, BSDs")
def test_qt_folders_are_ours(home: Path, qapp: QApplication) -> None:
    app_module.configure(qapp)
    app = qapp
    assert app.applicationName() == paths.APP == "auditviewer"
    where = QStandardPaths.writableLocation
    location = QStandardPaths.StandardLocation
    assert Path(where(location.AppConfigLocation)) == paths.config_dir() == home / "config" / "auditviewer"
    assert Path(where(location.AppDataLocation)) == paths.data_dir() == home / "data" / "auditviewer"
    assert Path(where(location.CacheLocation)) == paths.cache_dir() == home / "cache" / "auditviewer"


def test_settings_live_in_our_config_folder(home: Path) -> None:
    settings = make_settings()
    settings.setValue("probe", 1)
    settings.sync()
    assert Path(settings.fileName()) == paths.settings_path() == paths.config_dir() / "viewer.ini"
    assert paths.settings_path().is_file()


def test_settings_of_earlier_versions_are_carried_over(home: Path) -> None:
    old = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "AuditViewer", "AuditViewer")
    old.setValue("recent", "/tmp/a.zip")
    old.sync()
    assert Path(old.fileName()).is_file() and not paths.settings_path().exists()
    assert make_settings().value("recent") == "/tmp/a.zip"
    # once: the new file is ours from then on
    old.setValue("recent", "/tmp/b.zip")
    old.sync()
    assert make_settings().value("recent") == "/tmp/a.zip"
