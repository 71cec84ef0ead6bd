"""Counting the leaf hashes verification folds into the chain: work measured, not timed.

Both untrusted-key linearity tests (the command line's verify and the viewer's load)
count through this one patch, so that a new fold path is counted in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from auditviewer.integrity import verify as verify_module


def count_folded_leaves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch verification's two fold paths to count leaf hashes; the returned one-item
    list holds the count so far. Untrusted checkpoints are folded by ``_fold`` (C or
    Python), trusted intervals by ``extend`` when the C extension is not built."""
    folded = [0]
    real_extend = verify_module.extend

    def counting_extend(head: bytes, hashes: Iterable[bytes | memoryview]) -> bytes:
        hashes = list(hashes)
        folded[0] += len(hashes)
        return real_extend(head, hashes)

    def counting_fold(head: bytes, hashes: Sequence[bytes]) -> bytes:
        folded[0] += len(hashes)
        return real_extend(head, hashes)  # the same head as the C fold; counted once

    monkeypatch.setattr(verify_module, "extend", counting_extend)
    monkeypatch.setattr(verify_module, "_fold", counting_fold)
    return folded
