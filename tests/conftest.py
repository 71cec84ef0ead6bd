"""Test-wide isolation: no test reads or writes the person's trust store, cache or data folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.vectors import VECTORS


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("AUDITVIEWER_TRUST_STORE", os.devnull)
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    yield


@pytest.fixture
def vectors() -> Path:
    return VECTORS
