"""Open inputs as a workspace, verify them and load the same batches into a store, in one pass.

The command line (``query``, ``export``) and the viewer's loading worker all
come through here, so what is shown is exactly what was verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from auditviewer.formats.batches import LeafBatch
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory, verify_with_memory
from auditviewer.integrity.report import Report
from auditviewer.store import Store
from auditviewer.verification import verify_workspace
from auditviewer.workspace import Progress, Workspace, open_workspace


@dataclass(slots=True)
class LoadedWorkspace:
    workspace: Workspace
    store: Store
    report: Report

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
            "source": pa.array([batch.source] * table.num_rows, pa.string()),
        }
    )


def load(
    paths: list[Path],
    keys: list[VerifierKey],
    *,
    database: str | Path = ":memory:",
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_rows: Callable[[int], None] | None = None,
    memory: CheckpointMemory | None = None,
) -> LoadedWorkspace:
    """Open, verify and store ``paths``; the store comes back locked down.

    With ``memory``, the log's remembered checkpoints are extra anchors (rollback,
    forks across time); remembering this report is the caller's choice, afterwards.
    """
    workspace = open_workspace(paths)
    store: Store | None = None
    try:
        store = Store(database=database)
        loaded = 0

        def keep(batch: LeafBatch) -> None:
            nonlocal loaded
            assert store is not None
            store.append(store_rows(batch))
            loaded += batch.num_rows
            if on_rows is not None:
                on_rows(loaded)

        if memory is None:
            report = verify_workspace(workspace, keys, on_batch=keep, progress=progress, cancelled=cancelled)
        else:
            report = verify_with_memory(
                workspace, keys, memory, on_batch=keep, progress=progress, cancelled=cancelled
            )
        store.finish()
        store.set_states(report.state_ranges)
        store.lock_down()
    except BaseException:
        if store is not None:
            store.close()
        workspace.close()
        raise
    return LoadedWorkspace(workspace=workspace, store=store, report=report)
