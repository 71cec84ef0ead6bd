"""Verification with the remembered checkpoints: ``verify_workspace`` with memory's anchors fed in.

The memory itself — its files, which remembered checkpoints to feed and what to
say about them afterwards, fork evidence — is ``auditviewer.integrity.memory``;
this module runs the pass over a workspace (so it lives here, above ``integrity/``).
When memory alone turned "not proven" into ``entry_missing`` (a remembered size
above entries the bundle does not hold), the workspace is verified again without
those sizes, and the two passes must have read the same leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from auditviewer.core.errors import InputError
from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.checkpoints import CheckpointLine
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory.anchors import (
    annotate,
    drop_bad_remembered,
    memory_made_gap,
    named_by_trusted_key,
    own_anchor_sizes,
    select_remembered,
)
from auditviewer.integrity.memory.store import CheckpointMemory, RememberedCheckpoint
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import Workspace
from auditviewer.workspace.verification import verify_workspace


def verify_with_memory(
    workspace: Workspace,
    keys: Iterable[VerifierKey],
    memory: CheckpointMemory,
    *,
    on_batch: Callable[[LeafBatch], None] | None = None,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> Report:
    """verify_workspace() with the log's remembered checkpoints as extra anchors.

    The workspace is left as it was found (its own checkpoint lines only), so a
    later re-export never carries remembered notes. Messages of findings that
    involve a remembered checkpoint say so and when it was first seen.
    """
    keys = list(keys)
    origin = workspace.origin
    own = list(workspace.checkpoint_lines)
    remembered, fed = remembered_to_feed(workspace, keys, memory)
    if not fed:
        return verify_workspace(
            workspace, keys, on_batch=on_batch, progress=progress, cancelled=cancelled
        )
    records = {r.note: r for r in remembered}
    findings_before = list(workspace.findings)
    file_errors_before = list(workspace.file_errors)
    digest = hashlib.sha256()

    def first_pass(batch: LeafBatch) -> None:
        _digest_batch(digest, batch)
        if on_batch is not None:
            on_batch(batch)

    try:
        workspace.checkpoint_lines[:] = own + fed
        report = verify_workspace(
            workspace, keys, on_batch=first_pass, progress=progress, cancelled=cancelled
        )
        cut = memory_made_gap(report, fed)
        if cut is not None:
            # A remembered size above entries that the bundle does not hold contiguously
            # (a slice's tail, an export with no anchor of its own) turned "not proven"
            # into entry_missing. The exporter could not know of that checkpoint, so its
            # absence of leaves proves nothing: verify again without the remembered sizes
            # above the gap, checking that the files still hold the same leaves.
            own_sizes = own_anchor_sizes(report)
            kept = [
                line
                for line in fed
                if line.checkpoint is not None
                and (line.checkpoint.size <= cut or line.checkpoint.size in own_sizes)
            ]
            workspace.checkpoint_lines[:] = own + kept
            workspace.findings[:] = findings_before
            workspace.file_errors[:] = file_errors_before
            again = hashlib.sha256()
            report = verify_workspace(
                workspace, keys, on_batch=lambda b: _digest_batch(again, b), cancelled=cancelled
            )
            if again.digest() != digest.digest():
                raise InputError(
                    "the files changed while they were being verified; open them again"
                )
    finally:
        workspace.checkpoint_lines[:] = own
    bad = drop_bad_remembered(report, memory, str(origin))
    fed = [line for line in fed if line.checkpoint is not None and line.checkpoint.note not in bad]
    annotate(report, records, fed, own_lines=own, has_integrity_data=workspace.has_integrity_data)
    return report


def remembered_to_feed(
    workspace: Workspace, keys: Iterable[VerifierKey], memory: CheckpointMemory
) -> tuple[list[RememberedCheckpoint], list[CheckpointLine]]:
    """The log's remembered checkpoints, and those of them a verification of
    ``workspace`` with ``keys`` is fed (no signature checked here): what the report
    depends on in memory (a sealed workspace's seal names them, ``workspace/seal.py``)."""
    origin = workspace.origin
    remembered = memory.records(origin) if origin else []
    fed: list[CheckpointLine] = []
    if origin and remembered:
        # Signatures are checked once, by verify(); here only whether a trusted key
        # names each note (a note that then fails its check is dropped in _annotate).
        trusted = {(k.name, k.key_id): k for k in keys}
        candidates = select_remembered(memory.lines(origin, remembered), list(workspace.checkpoint_lines), origin)
        fed = list(named_by_trusted_key(candidates, trusted))
    return remembered, fed


def _digest_batch(digest: Any, batch: LeafBatch) -> None:
    table = batch.table
    digest.update(batch.source.encode("utf-8", "surrogatepass") + b"\0")
    for name in ("seq", "leaf_hash"):
        digest.update(_fixed(table.column(name)))


def _fixed(column: Any) -> bytes:
    width = column.type.byte_width
    start = column.offset * width
    return bytes(column.buffers()[1].to_pybytes()[start : start + len(column) * width])


__all__ = ["remembered_to_feed", "verify_with_memory"]
