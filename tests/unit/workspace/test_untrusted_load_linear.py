"""The viewer's load path (verification with the checkpoint memory's anchors, entries
stored as they are read) does the same work per entry for a key not yet trusted as
for a trusted one: leaf hashes folded into the chain are counted, not timed.

The command line's verify is covered by tests/unit/integrity/test_untrusted_linear.py;
the viewer runs ``workspace/memory.py:verify_with_memory`` with a store behind it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.store.store import Store
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import store_rows
from auditviewer.workspace.memory import verify_with_memory
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.chain_counting import count_folded_leaves

ENTRIES = 10_000


def _load_counting(
    folder: Path, keys: list[VerifierKey], memory: CheckpointMemory, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, str]:
    """(leaf hashes folded, rows stored, report status) of one load as the viewer runs it."""
    folded = count_folded_leaves(monkeypatch)
    workspace = open_workspace([folder])
    try:
        with Store() as store:

            def keep(batch: LeafBatch) -> None:
                store.append(store_rows(batch))

            report = verify_with_memory(workspace, keys, memory, on_batch=keep)
            store.finish()
            stored = store.total_count()
    finally:
        workspace.close()
        monkeypatch.undo()
    return folded[0], stored, report.status


def test_untrusted_load_folds_each_leaf_once_like_a_trusted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = signer(b"not yet trusted")
    leaves = [make_entry(i) for i in range(ENTRIES)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=list(range(100, ENTRIES + 1, 100)), key=key)

    untrusted, stored_untrusted, status = _load_counting(
        folder, [], CheckpointMemory(folder=tmp_path / "memory-a"), monkeypatch
    )
    trusted, stored_trusted, trusted_status = _load_counting(
        folder, [key.verifier], CheckpointMemory(folder=tmp_path / "memory-b"), monkeypatch
    )
    assert (status, trusted_status) == ("incomplete", "verified")
    assert stored_untrusted == stored_trusted == ENTRIES
    # Quadratic folding (from size 0 for each of the 100 checkpoints) would be 505,000.
    assert untrusted <= max(trusted, ENTRIES)
