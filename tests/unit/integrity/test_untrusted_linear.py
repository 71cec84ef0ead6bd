"""A bundle whose key is not yet trusted costs what a trusted one does (issue: untrusted verify was quadratic).

Untrusted checkpoints verify nothing but are checked against the chain; each used
to be folded from the nearest trusted anchor (size 0 for a new key), so 1M entries
signed every 1,024 folded ~500M leaf hashes. The count of leaf hashes folded must
stay linear in the entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from auditviewer.integrity import verify as verify_module
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.workspace import verification
from auditviewer.workspace.inputs import open_workspace
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.chain_counting import count_folded_leaves

ENTRIES = 10_000


def _folded_leaves(folder: Path, keys: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    folded = count_folded_leaves(monkeypatch)
    workspace = open_workspace([folder])
    try:
        report = verification.verify_workspace(workspace, [parse_verifier_key(k) for k in keys])
    finally:
        workspace.close()
    return folded[0], report.status


def test_untrusted_checkpoints_fold_each_leaf_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = signer(b"not yet trusted")
    leaves = [make_entry(i) for i in range(ENTRIES)]
    sizes = list(range(100, ENTRIES + 1, 100))  # 100 checkpoints
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=sizes, key=key)

    untrusted_folds, status = _folded_leaves(folder, [], monkeypatch)
    assert status == "incomplete"
    # Quadratic folding would be sum(sizes) = 505,000 here; linear is at most one pass.
    assert untrusted_folds <= ENTRIES


def test_untrusted_checkpoints_still_say_whether_they_agree(tmp_path: Path) -> None:
    key = signer(b"not yet trusted")
    leaves = [make_entry(i) for i in range(300)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[100, 200, 300], key=key)
    workspace = open_workspace([folder])
    try:
        report = verification.verify_workspace(workspace, [])
    finally:
        workspace.close()
    untrusted = [c for c in report.checkpoints if c.status == "untrusted"]
    assert [c.size for c in untrusted] == [100, 200, 300]
    assert all("(agrees with the entries)" in c.source for c in untrusted)


def test_untrusted_checkpoints_fold_in_c_when_the_extension_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As trusted intervals do: the Python fold made untrusted verify 1.5x the trusted one."""
    from auditviewer.core.native import NATIVE

    key = signer(b"not yet trusted")
    folder = write_bundle(
        tmp_path / "b", [make_entry(i) for i in range(500)], checkpoint_sizes=[100, 300, 500], key=key
    )
    python_folds = [0]
    real_extend = verify_module.extend

    def counting_extend(head: bytes, hashes: Iterable[bytes | memoryview]) -> bytes:
        python_folds[0] += 1
        return real_extend(head, hashes)

    monkeypatch.setattr(verify_module, "extend", counting_extend)
    workspace = open_workspace([folder])
    try:
        report = verification.verify_workspace(workspace, [])
    finally:
        workspace.close()
    assert all("(agrees with the entries)" in c.source for c in report.checkpoints if c.status == "untrusted")
    assert python_folds[0] == (0 if NATIVE is not None else 3)
