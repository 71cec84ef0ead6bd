"""One pass over a workspace: every leaf batch is verified, and optionally handed on (to the store).

This is what ``auditviewer verify`` and the viewer's loading worker both call,
so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditviewer.formats.batches import LeafBatch
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.report import Report
from auditviewer.integrity.trust import TrustStore, keys_from_argument
from auditviewer.integrity.verify import LeafCollector, verify
from auditviewer.workspace import Progress, Workspace


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
    cancelled: Callable[[], bool] | None = None,
) -> Report:
    collector = LeafCollector()
    for batch in workspace.iter_batches(progress=progress, cancelled=cancelled):
        collector.add_batch(batch)
        if on_batch is not None:
            on_batch(batch)
    for label, pairs in workspace.proofs:
        collector.add_proof(pairs, source=label)
    return verify(
        collector,
        workspace.checkpoint_lines,
        keys,
        origin=workspace.origin,
        extra_findings=workspace.findings,
        has_integrity_data=workspace.has_integrity_data,
    )
