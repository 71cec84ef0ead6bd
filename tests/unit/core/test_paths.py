"""User folders by the platform's rules (platformdirs), one name, overrides kept."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import platformdirs.macos
import pytest

from auditviewer.core import paths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AUDITVIEWER_CACHE_DIR", "AUDITVIEWER_DATA_DIR", "AUDITVIEWER_TRUST_STORE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the XDG rules are Linux's and the BSDs'")
def test_linux_folders_follow_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.config_dir() == home / ".config" / "auditviewer"
    assert paths.cache_dir() == home / ".cache" / "auditviewer"
    assert paths.data_dir() == home / ".local" / "share" / "auditviewer"
    assert paths.trust_store_path() == home / ".config" / "auditviewer" / "trusted.keys"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "elsewhere"))
    assert paths.cache_dir() == home / "elsewhere" / "auditviewer"


def test_macos_cache_goes_to_caches_not_application_support(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    assert paths.cache_dir() == home / "Library" / "Caches" / "auditviewer"
    assert paths.data_dir() == home / "Library" / "Application Support" / "auditviewer"
    assert paths.config_dir() == home / "Library" / "Application Support" / "auditviewer"


def test_overrides_win(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_TRUST_STORE", str(home / "keys.txt"))
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(home / "c"))
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(home / "d"))
    assert paths.trust_store_path() == home / "keys.txt"
    assert paths.cache_dir() == home / "c"
    assert paths.data_dir() == home / "d"
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    assert paths.cache_dir() == home / "c" and paths.data_dir() == home / "d"


def test_one_name_and_no_author_folder(home: Path) -> None:
    for folder in (paths.config_dir(), paths.cache_dir(), paths.data_dir()):
        assert folder.name == paths.APP == "auditviewer"
        assert folder.parent.name != "auditviewer"  # no <author>/<app> nesting (Windows)
    assert paths.settings_path().parent == paths.config_dir()


def test_the_cache_and_memory_use_these_folders(home: Path) -> None:
    from auditviewer.integrity.memory import CheckpointMemory
    from auditviewer.integrity.trust import TrustStore

    assert Path(TrustStore().path) == paths.trust_store_path()
    assert Path(CheckpointMemory().folder).is_relative_to(paths.data_dir())
