"""The cache folder's layout: where it is and how its files are named.

See the package's docstring (:mod:`auditviewer.workspace.cache_folder`) for what
each kind of file is; the other modules of the package read these names.
"""

from __future__ import annotations

import re
from pathlib import Path

from auditviewer.core.errors import AuditViewerError
from auditviewer.core.paths import cache_dir

SHARED_PREFIX = "workspace-"
TEMPORARY_PREFIX = "temp-"
PRIVATE_PREFIX = "private-"
DAMAGED_MARK = ".damaged-"
RECORD_SUFFIX = ".json"
#: The seal beside a database (``workspace/seal.py``): removed, evicted and listed with it.
SEAL_SUFFIX = ".seal"
#: Files DuckDB creates beside a database, by name.
COMPANION_SUFFIXES = (".wal", ".tmp")
#: A record (or the settings file) larger than this is not one this package wrote.
MAX_RECORD_BYTES = 1 << 20

#: A database of one process: ``temp-<pid>-…`` or ``private-<pid>-…``.
OWNED_NAME = re.compile(rf"^(?:{TEMPORARY_PREFIX}|{PRIVATE_PREFIX})(\d+)-[0-9a-f]+\.duckdb$")


class CacheError(AuditViewerError):
    """A cache setting that cannot be used (a size that does not parse); the message says which."""


def folder() -> Path:
    """The folder of workspace databases (``AUDITVIEWER_CACHE_DIR`` moves its parent)."""
    return cache_dir() / "workspaces"

