"""Open inputs as a workspace, verify them and load the same batches into a store, in one pass.

The command line (``query``, ``export``) and the viewer's loading worker all
come through here, so what is shown is exactly what was verified. A cached
database with a valid seal is reopened read-only with its sealed report instead
(``workspace/seal.py``: the seal binds the inputs' bytes, the file's bytes, the
keys, the remembered checkpoints and the report); a file built or proven here is
sealed after loading.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from auditviewer.core.errors import StoreError
from auditviewer.core.progress import Progress
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.integrity.report import Report
from auditviewer.store.store import Store
from auditviewer.workspace.cache import (
    DatabaseChoice,
    OpenedStore,
    choose_database,
    open_store,
    prove_reused,
    rebuild,
)
from auditviewer.workspace.cache_folder import record_path
from auditviewer.workspace.inputs import Workspace, open_workspace
from auditviewer.workspace.memory import verify_with_memory
from auditviewer.workspace.seal import SealContext, open_sealed, seal_database, seal_path
from auditviewer.workspace.verification import verify_workspace


@dataclass(slots=True)
class LoadedWorkspace:
    workspace: Workspace
    store: Store
    report: Report
    #: One-line notices about where the database lives (a cache rebuilt, memory fallback).
    notices: list[str] = field(default_factory=list)
    #: Reopened by its seal (workspace/seal.py): the sealed report, nothing verified again.
    sealed: bool = False

    def close(self) -> None:
        self.store.close()
        self.workspace.close()

    def __enter__(self) -> LoadedWorkspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_rows(batch: LeafBatch) -> pa.Table:
    """The columns of a leaf batch that the store keeps, with the file it came from."""
    table = batch.table
    return pa.table(
        {
            "seq": table.column("seq"),
            "leaf": table.column("leaf"),
            "line": table.column("line"),
            # Built in C: a list of a Python reference per row held the GIL for ~5 ms a batch.
            "source": pa.repeat(pa.scalar(batch.source, pa.string()), table.num_rows),
        }
    )


def load(
    paths: list[Path],
    keys: list[VerifierKey],
    *,
    database: str | Path | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_rows: Callable[[int], None] | None = None,
    memory: CheckpointMemory | None = None,
) -> LoadedWorkspace:
    """Open, verify and store ``paths``; the store comes back locked down.

    ``database``: None chooses (memory for small inputs, a reusable cached file
    for large ones, see :mod:`auditviewer.workspace.cache`); a path or
    ``":memory:"`` forces one. With ``memory``, the log's remembered checkpoints
    are extra anchors (rollback, forks across time); remembering this report is
    the caller's choice, afterwards.
    """
    workspace = open_workspace(paths)
    opened: OpenedStore | None = None
    try:
        choice = choose_database(workspace) if database is None else DatabaseChoice(database, reusable=False)
        context = SealContext.of(workspace, keys, memory) if choice.reusable else None
        workspace.seal_digests = context is not None  # the readers hash for a seal too
        if context is not None:
            sealed, _ = open_sealed(choice, workspace, context, cancelled=cancelled, progress=progress)
            if sealed is not None:
                notices = [choice.notice] if choice.notice else []
                return LoadedWorkspace(workspace, sealed.store, sealed.report, notices, sealed=True)
        opened = open_store(choice)
        findings_before = list(workspace.findings)
        try:
            report = _fill(workspace, opened, keys, progress, cancelled, on_rows, memory)
        except (StoreError, duckdb.Error) as exc:
            if not opened.on_disk:
                raise
            # Typically a full disk while writing the cache file: nothing the
            # person did wrong, so load again in memory and say so.
            opened.store.close()
            remove_database(choice.database)
            opened = in_memory_instead(opened, exc)
            workspace.findings[:] = findings_before
            report = _fill(workspace, opened, keys, progress, cancelled, on_rows, memory)
        if opened.reused:
            problem = prove_reused(opened.store, opened.read, opened.stored)
            if problem is not None:
                opened = rebuild(opened, problem)
                workspace.findings[:] = findings_before
                report = _fill(workspace, opened, keys, progress, cancelled, on_rows, memory)
        store = opened.store
        finish_store(opened, report)
        if context is not None and memory is not None and SealContext.of(workspace, keys, memory) != context:
            context = None  # the memory changed during the load: what was fed is not known
        seal_database(opened, report, context, workspace)
    except BaseException:
        if opened is not None:
            opened.store.close()
            if opened.on_disk and not opened.reused and opened.path is not None:
                remove_database(opened.path)  # a file being built: nothing partial stays
        workspace.close()
        raise
    return LoadedWorkspace(workspace=workspace, store=store, report=report, notices=opened.notices)


def finish_store(opened: OpenedStore, report: Report) -> None:
    """After the pass: rows in order, each entry's state from ``report``, a cache file
    marked reusable, and the database locked down. Shared with the viewer's loader."""
    store = opened.store
    if not opened.reused:
        store.finish()
    store.set_states(report.state_ranges)
    if opened.on_disk and not opened.reused and opened.key is not None:
        store.mark_complete(key=opened.key)
    # DuckDB would keep the blocks it wrote in memory, as large as the entry text.
    store.release_memory()
    store.lock_down()


def _fill(
    workspace: Workspace,
    opened: OpenedStore,
    keys: list[VerifierKey],
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    on_rows: Callable[[int], None] | None,
    memory: CheckpointMemory | None,
) -> Report:
    """One pass: verify every batch, and store it unless the store was reopened full."""
    store = opened.store
    loaded = 0

    def keep(batch: LeafBatch) -> None:
        nonlocal loaded
        store.append(store_rows(batch))
        loaded += batch.num_rows
        if on_rows is not None:
            on_rows(loaded)

    # A reused file stores nothing; it records what was read, to be proven against.
    on_batch = reading_into(opened, keep)
    if memory is None:
        return verify_workspace(workspace, keys, on_batch=on_batch, progress=progress, cancelled=cancelled)
    return verify_with_memory(workspace, keys, memory, on_batch=on_batch, progress=progress, cancelled=cancelled)


def reading_into(opened: OpenedStore, store_batch: Callable[[LeafBatch], None]) -> Callable[[LeafBatch], None] | None:
    """What the verification pass hands each batch to (``opened.batch_handler``); for a
    reused file, the store also sees each batch's entry sizes, so that large entries get
    the memory their proof and queries need (``Store.expect_entries``) before lock-down.
    Shared with the viewer's loader."""
    handler = opened.batch_handler(store_batch)
    if not opened.reused or handler is None:
        return handler
    record = handler

    def read(batch: LeafBatch) -> None:
        opened.store.expect_entries(batch.table.column("leaf"))
        record(batch)

    return read


def in_memory_instead(opened: OpenedStore, error: Exception) -> OpenedStore:
    """A memory store to load again into, for a file store that could not be written
    (typically a full disk), with a notice that says so. Shared with the viewer's loader."""
    notice = f"the workspace database could not be written ({error}); kept in memory"
    return OpenedStore(Store(), False, None, [*opened.notices, notice])


def remove_database(database: str | Path) -> None:
    """Delete a workspace database file, its write-ahead log and its cache record (nothing for an in-memory one)."""
    if str(database) == ":memory:":
        return
    path = Path(database)
    for candidate in (path, path.with_name(path.name + ".wal"), record_path(path), seal_path(path)):
        with contextlib.suppress(OSError):
            candidate.unlink(missing_ok=True)
