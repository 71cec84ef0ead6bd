"""Where AuditViewer keeps its files: config (trust store, viewer settings), cache (databases), data.

The folders follow each platform's rules, as ``platformdirs`` knows them (a
well-kept library made for exactly this), under one application name,
``auditviewer`` (:data:`APP`), which the viewer also gives Qt
(``auditviewer.ui.app.configure``) and whose settings file lives in
:func:`config_dir` (:func:`settings_path`):

============  =====================================  ====================================  ===============================================
folder        Linux (XDG variables honoured)         macOS                                 Windows
============  =====================================  ====================================  ===============================================
config        ``~/.config/auditviewer``              ``~/Library/Application Support/auditviewer``  ``%LOCALAPPDATA%\\auditviewer``
cache         ``~/.cache/auditviewer``               ``~/Library/Caches/auditviewer``      ``%LOCALAPPDATA%\\auditviewer\\Cache``
data          ``~/.local/share/auditviewer``         ``~/Library/Application Support/auditviewer``  ``%LOCALAPPDATA%\\auditviewer``
============  =====================================  ====================================  ===============================================

Overrides, for tests, CI and people who want the files elsewhere:
``AUDITVIEWER_TRUST_STORE`` (the trust store file), ``AUDITVIEWER_SEAL_KEY`` (the
secret that seals workspace databases, beside the trust store by default:
``workspace/seal.py``), ``AUDITVIEWER_CACHE_DIR`` and ``AUDITVIEWER_DATA_DIR`` (the
folders).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: The one application name: folders, Qt's application and organisation names.
APP = "auditviewer"


def config_dir() -> Path:
    """The folder of user settings: the trust store and the viewer's settings."""
    return platformdirs.user_config_path(APP, appauthor=False)


def cache_dir() -> Path:
    """The folder of disposable files: workspace databases; ``AUDITVIEWER_CACHE_DIR`` names another."""
    override = os.environ.get("AUDITVIEWER_CACHE_DIR")
    if override:
        return Path(override)
    return platformdirs.user_cache_path(APP, appauthor=False)


def data_dir() -> Path:
    """The folder of state worth keeping: remembered checkpoints; ``AUDITVIEWER_DATA_DIR`` names another."""
    override = os.environ.get("AUDITVIEWER_DATA_DIR")
    if override:
        return Path(override)
    return platformdirs.user_data_path(APP, appauthor=False)


def trust_store_path() -> Path:
    """The trust store file; ``AUDITVIEWER_TRUST_STORE`` names another."""
    override = os.environ.get("AUDITVIEWER_TRUST_STORE")
    if override:
        return Path(override)
    return config_dir() / "trusted.keys"


def seal_secret_path() -> Path:
    """The secret that seals workspace databases (``workspace/seal.py``): in the config
    folder beside the trust store, never in the cache folder; ``AUDITVIEWER_SEAL_KEY``
    names another file."""
    override = os.environ.get("AUDITVIEWER_SEAL_KEY")
    if override:
        return Path(override)
    return config_dir() / "workspace-seal.key"


def settings_path() -> Path:
    """The viewer's settings (window, recent files, choices): an INI file Qt reads and writes."""
    return config_dir() / "viewer.ini"
