"""``auditviewer sample``: each distinct sample history gets an origin of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.cli import main


def _origin(path: Path) -> str:
    return str(json.loads((path / "manifest.json").read_text())["origin"])


def test_samples_of_different_sizes_never_share_an_origin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", str(tmp_path / "a"), "--entries", "150"]) == 0
    assert main(["sample", str(tmp_path / "b"), "--entries", "160"]) == 0
    assert main(["sample", str(tmp_path / "c"), "--entries", "150", "--seed", "2"]) == 0
    origins = {_origin(tmp_path / n) for n in "abc"}
    assert len(origins) == 3
    key = capsys.readouterr().out.splitlines()[1].split(": ", 1)[1]
    assert key.startswith(_origin(tmp_path / "a") + "+")


def test_sample_verifies_with_the_printed_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", str(tmp_path / "s"), "--entries", "120", "--origin", "example.org/log"]) == 0
    key = capsys.readouterr().out.splitlines()[1].split(": ", 1)[1]
    assert _origin(tmp_path / "s") == "example.org/log"
    assert main(["verify", str(tmp_path / "s"), "--trust", key]) == 0


def test_sample_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s").mkdir()
    assert main(["sample", str(tmp_path / "s"), "--entries", "120"]) == 2
    assert "Traceback" not in capsys.readouterr().err
