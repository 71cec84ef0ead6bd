"""verification.verify_workspace: the one pass the CLI and the viewer share."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditviewer.integrity.checkpoints import judge_checkpoints
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.integrity.leaves import LeafCollector
from auditviewer.integrity.verify import verify
from auditviewer.workspace import verification
from auditviewer.workspace.inputs import open_workspace
from tests.helpers.bundle_builder import make_entry, signer, write_bundle


def test_checkpoints_judged_on_a_thread_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Over _JUDGE_ON_THREAD_MIN checkpoints, signatures are checked while the entries are
    # read; the report must be the one verify() gives judging them itself.

    key = signer(b"threaded")
    other = signer(b"someone else")
    leaves = [make_entry(i) for i in range(300)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=list(range(3, 301, 3)), key=key)
    keys = [parse_verifier_key(key.verifier_string), parse_verifier_key(other.verifier_string)]
    assert len(range(3, 301, 3)) > verification._JUDGE_ON_THREAD_MIN
    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return judge_checkpoints(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verification, "judge_checkpoints", counted)
    workspace = open_workspace([folder])
    try:
        threaded = verification.verify_workspace(workspace, keys)
    finally:
        workspace.close()
    workspace = open_workspace([folder])
    try:
        collector = LeafCollector()
        for batch in workspace.iter_batches():
            collector.add_batch(batch)
        inline = verify(collector, workspace.checkpoint_lines, keys, origin=workspace.origin,
                        extra_findings=workspace.findings, has_integrity_data=workspace.has_integrity_data)
    finally:
        workspace.close()
    assert calls == [1]
    assert threaded == inline
    assert threaded.status == "verified" and len(threaded.checkpoints) == 100
