"""Test-wide isolation: no test reads or writes the person's trust store, cache or data folders.

Also where the ``native`` mark takes effect: a test that calls the C extension
itself is skipped, saying why, when the extension is not built or is turned off
with ``AUDITVIEWER_NATIVE=0`` (the second pass of ``dev.py test``, which tests
the Python path that runs where no C compiler is).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.vectors import VECTORS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from auditviewer.core.native import NATIVE

    if NATIVE is not None:
        return
    if os.environ.get("AUDITVIEWER_NATIVE", "1") == "0":
        reason = "needs the C extension, turned off (AUDITVIEWER_NATIVE=0)"
    else:
        reason = "needs the C extension, which is not built here (see setup.py)"
    for item in items:
        if item.get_closest_marker("native") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


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
