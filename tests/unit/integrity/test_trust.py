"""The trust store file is written through the one atomic writer (``core/atomic.py``)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from auditviewer.core import atomic
from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.trust import TrustStore
from tests.helpers.bundle_builder import signer

FIRST = signer(b"first", name="example.org/one")
SECOND = signer(b"second", name="example.org/two")


def test_adding_a_key_is_fsynced_and_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TrustStore(path=tmp_path / "trusted.keys")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    assert store.add(FIRST.verifier)
    assert store.keys() == [FIRST.verifier] and synced
    assert [p.name for p in tmp_path.iterdir()] == ["trusted.keys"]


def test_a_full_disk_keeps_the_old_store_and_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TrustStore(path=tmp_path / "trusted.keys")
    store.add(FIRST.verifier)

    def full(file: object, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write", full)
    with pytest.raises(TrustStoreError, match=r"the trust store .*trusted\.keys.*disk is full"):
        store.add(SECOND.verifier)
    assert store.keys() == [FIRST.verifier]
    assert [p.name for p in tmp_path.iterdir()] == ["trusted.keys"]
