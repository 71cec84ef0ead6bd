"""Where a workspace's database lives: memory for small inputs, a reusable file for large ones.

A large workspace's database is kept in the cache folder under a name derived
from the *content* of its inputs (SHA-256 of every file), the format version
of the database and the application version, so opening the same exports
again reuses it. Anything wrong with a cached file — corrupt, truncated, from
an older version, locked by another process, or a full disk — never stops a
load: the file is set aside or a private one is used, or the workspace falls
back to memory, and the caller is told why in one line.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from auditviewer import __version__
from auditviewer.core.errors import StoreError
from auditviewer.core.paths import cache_dir
from auditviewer.input.containers import CHUNK
from auditviewer.store.store import DATABASE_FORMAT, Store
from auditviewer.workspace.inputs import Workspace

#: Inputs at least this large (bytes of entry files) get a database file.
ON_DISK_BYTES = 256 * 1024 * 1024
#: Keep at least this much free space beyond the expected size of a new file.
FREE_SPACE_MARGIN = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DatabaseChoice:
    """Where to put the store, and what a person should be told about it."""

    database: str | Path  # ":memory:" or a file
    reusable: bool  # an existing, complete file for the same content may be reopened
    notice: str | None = None
    key: str | None = None


@dataclass(slots=True)
class OpenedStore:
    """A store ready for loading, or reopened already full (``reused``)."""

    store: Store
    reused: bool
    key: str | None
    notices: list[str]

    @property
    def on_disk(self) -> bool:
        return self.key is not None


def content_key(workspace: Workspace) -> str:
    """SHA-256 over every input file's name and content, plus the formats' versions."""
    digest = hashlib.sha256(f"auditviewer {__version__} db{DATABASE_FORMAT}\n".encode())
    for container in workspace.containers:
        for name in container.names():
            file_digest = hashlib.sha256()
            with container.open_raw(name) as raw:
                while chunk := raw.read(CHUNK):
                    file_digest.update(chunk)
            digest.update(f"{name}\0{file_digest.hexdigest()}\n".encode())
    return digest.hexdigest()


def choose_database(workspace: Workspace, *, folder: Path | None = None) -> DatabaseChoice:
    """Memory for small workspaces; for large ones the cached file for their content."""
    size = workspace.total_bytes
    if size < ON_DISK_BYTES:
        return DatabaseChoice(":memory:", reusable=False)
    folder = folder if folder is not None else cache_dir() / "workspaces"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = _free_bytes(folder)
    except OSError as exc:
        return DatabaseChoice(":memory:", False, f"the cache folder {folder} is unusable ({exc}); kept in memory")
    # The database holds each entry's text and its derived columns: about twice the input.
    if free is not None and free < 2 * size + FREE_SPACE_MARGIN:
        return DatabaseChoice(
            ":memory:", False, f"not enough free disk space in {folder} for the workspace database; kept in memory"
        )
    key = content_key(workspace)
    return DatabaseChoice(folder / f"workspace-{key[:32]}.duckdb", reusable=True, key=key)


def open_store(choice: DatabaseChoice) -> OpenedStore:
    """Reopen the cached database for this content, or start one; never fails for cache reasons.

    A damaged, incomplete or old-format file is set aside and rebuilt; a file
    locked by another process is left to it and a private file is used; a file
    that cannot be created at all falls back to memory.
    """
    notices = [choice.notice] if choice.notice else []
    if not choice.reusable or choice.key is None:
        return OpenedStore(Store(database=choice.database), False, None, notices)
    path = Path(choice.database)
    if path.exists():
        try:
            store = Store(database=path, existing=True)
        except StoreError as exc:
            if _is_lock_error(exc):
                notices.append("another window or process is using this workspace's database; building a private one")
                return _fresh(private_database(path.parent), choice.key, notices)
            aside = set_aside(path)
            notices.append(
                f"the cached workspace database was unusable ({exc}); "
                + (f"set aside as {aside.name} and rebuilt" if aside else "rebuilt")
            )
        else:
            if store.stored_key() == choice.key:
                return OpenedStore(store, True, choice.key, notices)
            store.close()
            set_aside(path)
            notices.append("the cached workspace database belonged to other content; rebuilt")
    return _fresh(path, choice.key, notices)


def _fresh(path: Path, key: str, notices: list[str]) -> OpenedStore:
    try:
        path.unlink(missing_ok=True)
        return OpenedStore(Store(database=path), False, key, notices)
    except (StoreError, OSError) as exc:
        notices.append(f"cannot create the workspace database in {path.parent} ({exc}); kept in memory")
        return OpenedStore(Store(), False, None, notices)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text or "in use" in text or "resource temporarily unavailable" in text


def private_database(folder: Path | None = None) -> Path:
    """A fresh, unshared file: when the shared one is locked by another process."""
    folder = folder if folder is not None else cache_dir() / "workspaces"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"private-{os.getpid()}-{uuid.uuid4().hex[:12]}.duckdb"


def set_aside(path: Path) -> Path | None:
    """Move a damaged database file out of the way (kept for inspection); None if impossible."""
    target = path.with_name(path.name + f".damaged-{uuid.uuid4().hex[:8]}")
    try:
        os.replace(path, target)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, target.with_name(target.name + ".wal"))
    except OSError:
        return None
    return target


def _free_bytes(folder: Path) -> int | None:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return stats.f_bavail * stats.f_frsize
