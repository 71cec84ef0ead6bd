"""One pass over a workspace: every leaf batch is verified, and optionally handed on (to the store).

This is what ``auditviewer verify`` and the viewer's loading worker both call,
so the two can never disagree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.checkpoints import judge_checkpoints
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.leaves import LeafCollector
from auditviewer.integrity.report import CheckpointResult, Report
from auditviewer.integrity.trust import TrustStore, keys_from_argument
from auditviewer.integrity.verify import verify
from auditviewer.workspace.inputs import Workspace


def trusted_keys(extra: Iterable[str] = (), *, store: TrustStore | None = None) -> list[VerifierKey]:
    """The trust store's keys plus those given for this run (``--trust``)."""
    keys = list((store or TrustStore()).keys())
    for value in extra:
        keys.extend(keys_from_argument(value))
    return keys


def verify_workspace(
    workspace: Workspace,
    keys: Iterable[VerifierKey],
    *,
    on_batch: Callable[[LeafBatch], None] | None = None,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
) -> Report:
    keys = list(keys)
    collector = LeafCollector()
    # Checkpoint signatures need no entry: checked on a thread while the entries are
    # read (the signature checks release the GIL, and so does the reading's C work).
    judging = _Judging(workspace, keys) if len(workspace.checkpoint_lines) > _JUDGE_ON_THREAD_MIN else None
    try:
        for batch in workspace.iter_batches(progress=progress, cancelled=cancelled):
            collector.add_batch(batch)
            if on_batch is not None:
                on_batch(batch)
    finally:
        judged = judging.result() if judging is not None else None
    for label, pairs in workspace.proofs:
        collector.add_proof(pairs, source=label)
    return verify(
        collector,
        workspace.checkpoint_lines,
        keys,
        origin=workspace.origin,
        extra_findings=workspace.findings,
        has_integrity_data=workspace.has_integrity_data,
        judged=judged,
    )


#: Fewer checkpoints are judged after reading (a thread is not worth starting).
_JUDGE_ON_THREAD_MIN = 64


class _Judging:
    """judge_checkpoints on a thread; result() waits for it (and gives None if it failed)."""

    def __init__(self, workspace: Workspace, keys: list[VerifierKey]) -> None:
        import threading

        self._result: dict[int, CheckpointResult] | None = None
        lines, origin = list(workspace.checkpoint_lines), workspace.origin

        def run() -> None:
            # A failure here is left for verify() to meet again, in the caller's thread.
            with contextlib.suppress(Exception):
                self._result = judge_checkpoints(lines, keys, origin=origin)

        self._thread = threading.Thread(target=run, name="auditviewer-checkpoints", daemon=True)
        self._thread.start()

    def result(self) -> dict[int, CheckpointResult] | None:
        self._thread.join()
        return self._result
