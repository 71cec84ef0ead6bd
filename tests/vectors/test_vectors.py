"""The spec's conformance vectors, run through the installed command line exactly as check-vectors does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.vectors import VECTORS

CASES = json.loads((VECTORS / "expected.json").read_text())


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "auditviewer", *args],
        capture_output=True,
        timeout=120,
        env=env or dict(os.environ, AUDITVIEWER_TRUST_STORE=os.devnull),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_verdict(name: str) -> None:
    case = CASES[name]
    args = ["verify", "--json", *(str(VECTORS / p) for p in case["paths"])]
    for key in case["trust"]:
        args += ["--trust", key]
    result = run_cli(*args)
    assert b"Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert result.returncode == case["exit"], report
    assert report["status"] == case["status"]
    kinds = {f["kind"] for f in report["findings"]}
    assert set(case.get("kinds", [])) <= kinds
    if "verified_entries" in case:
        assert report["verified_entries"] == case["verified_entries"]
    if "finding" in case:
        wanted = case["finding"]
        assert any(
            f["kind"] == wanted["kind"] and f.get("checkpoint") == wanted["checkpoint"]
            for f in report["findings"]
        )


def test_json_report_shape_follows_spec_section_8() -> None:
    result = run_cli("verify", "--json", str(VECTORS / "modified-entry"), "--trust", str(VECTORS / "trusted.keys"))
    report = json.loads(result.stdout)
    assert set(report) >= {"status", "origin", "entries", "verified_entries", "range", "checkpoints", "findings"}
    assert report["range"] == {"first_seq": 0, "last_seq": 2999}
    checkpoint = report["checkpoints"][1]
    assert checkpoint["size"] == 2048 and checkpoint["status"] == "mismatch"
    assert checkpoint["signers"] == [
        {"key": "audit.heroiclabs.example/org/acme-games+712495bc", "trusted": True, "valid": True}
    ]
    mismatch = next(f for f in report["findings"] if f["kind"] == "chain_mismatch")
    assert mismatch["severity"] == "failure"
    assert (mismatch["seq"], mismatch["seq_end"], mismatch["checkpoint"]) == (1024, 2047, 2048)
    assert mismatch["expected"] != mismatch["computed"]


def test_trust_store_file_is_honoured(tmp_path: Path) -> None:
    store = tmp_path / "trusted.keys"
    store.write_text((VECTORS / "trusted.keys").read_text())
    env = dict(os.environ, AUDITVIEWER_TRUST_STORE=str(store))
    result = run_cli("verify", "--json", str(VECTORS / "valid-jsonl"), env=env)
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "verified"


def test_without_trust_nothing_verifies() -> None:
    result = run_cli("verify", "--json", str(VECTORS / "valid-jsonl"))
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["verified_entries"] == 0
    assert "untrusted_key" in {f["kind"] for f in report["findings"]}


def test_unreadable_input_is_error_exit_2_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes((VECTORS / "valid-parquet.zip").read_bytes()[:500])
    result = run_cli("verify", "--json", str(broken))
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert str(broken).encode() in result.stderr
    assert json.loads(result.stdout)["status"] == "error"


def test_bad_usage_exits_2() -> None:
    result = run_cli("verify")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


def test_several_paths_are_one_workspace(tmp_path: Path) -> None:
    # The same bundle twice: identical duplicates are one entry.
    result = run_cli(
        "verify", "--json", str(VECTORS / "valid-jsonl"), str(VECTORS / "valid-jsonl"),
        "--trust", str(VECTORS / "trusted.keys"),
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["entries"] == 3000 and report["verified_entries"] == 3000
