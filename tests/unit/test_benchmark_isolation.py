"""Benchmarks never write the person's settings, trust store or cache (benchmarks/_isolation.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from benchmarks._isolation import isolate

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
_BUILDS_THE_VIEWER = re.compile(r"^\s*(from|import) (PySide6|auditviewer\.ui)\b", re.MULTILINE)


def test_isolate_points_every_folder_at_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "AUDITVIEWER_TRUST_STORE", "AUDITVIEWER_CACHE_DIR", "AUDITVIEWER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    base = isolate("test-isolation-")
    from auditviewer.core.paths import settings_path

    assert settings_path().is_relative_to(base)
    for name in ("AUDITVIEWER_TRUST_STORE", "AUDITVIEWER_CACHE_DIR", "AUDITVIEWER_DATA_DIR"):
        assert Path(os.environ[name]).is_relative_to(base)


def test_every_benchmark_that_builds_the_viewer_isolates_its_folders() -> None:
    scripts = [p for p in BENCHMARKS.glob("bench_*.py") if _BUILDS_THE_VIEWER.search(p.read_text())]
    assert scripts, "no benchmark builds the viewer: this test checks nothing"
    for script in scripts:
        assert "isolate(" in script.read_text(), f"{script.name} builds the viewer without isolate()"
