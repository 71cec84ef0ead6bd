"""Where AuditViewer keeps its files: config (trust store), cache (databases), data.

Follows the XDG base directories on Linux and the usual folders elsewhere.
Environment variables override each for tests and CI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "auditviewer"


def _base(env: str, default_posix: str, win_env: str = "LOCALAPPDATA") -> Path:
    value = os.environ.get(env)
    if value:
        return Path(value)
    if sys.platform == "win32":
        return Path(os.environ.get(win_env) or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path.home() / default_posix


def config_dir() -> Path:
    """The folder of user settings, the trust store among them."""
    return _base("XDG_CONFIG_HOME", ".config", "APPDATA") / APP


def cache_dir() -> Path:
    """The folder of disposable files: workspace databases."""
    override = os.environ.get("AUDITVIEWER_CACHE_DIR")
    if override:
        return Path(override)
    return _base("XDG_CACHE_HOME", ".cache") / APP


def data_dir() -> Path:
    """The folder of state worth keeping: remembered checkpoints."""
    override = os.environ.get("AUDITVIEWER_DATA_DIR")
    if override:
        return Path(override)
    return _base("XDG_DATA_HOME", ".local/share") / APP


def trust_store_path() -> Path:
    """The trust store file; ``AUDITVIEWER_TRUST_STORE`` names another."""
    override = os.environ.get("AUDITVIEWER_TRUST_STORE")
    if override:
        return Path(override)
    return config_dir() / "trusted.keys"
