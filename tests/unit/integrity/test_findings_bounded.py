"""Issue 11.7: findings without bound.

Millions of bad lines must not become millions of findings: a run of the same
problem on consecutive lines is one finding (with its line range and count),
and past ``KEEP_PER_KIND`` findings of one kind the rest are one summary finding
per kind with their count and seq/line ranges, in the text report, the JSON
report and (through the same Report) the viewer.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.cli.report_text import format_report
from auditviewer.input.formats import jsonl
from auditviewer.integrity.report import KEEP_PER_KIND, Finding, FindingBudget
from tests.helpers.bundle_builder import make_entry, refresh_manifest, signer, write_bundle

KEY = signer(b"bounded")


def _verify_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    main(["verify", *args, "--json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


@pytest.mark.parametrize("line", [b"", b"x"])
@pytest.mark.parametrize("native", [True, False])
def test_a_gzip_of_millions_of_bad_lines_is_one_finding(
    tmp_path: Path, line: bytes, native: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not native:
        monkeypatch.setattr(jsonl, "NATIVE", None)
    n = 1_500_000 if not line else 600_000  # 1.5 MB of newlines, 1.2 MB of "x\n"
    leaves = [make_entry(i) for i in range(3)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY)
    entries = folder / "entries" / "part-00000.jsonl"
    body = leaves[0] + b"\n" + (line + b"\n") * n + b"\n".join(leaves[1:]) + b"\n"
    entries.unlink()
    (folder / "entries" / "part-00000.jsonl.gz").write_bytes(gzip.compress(body, 6))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0]["path"] = "entries/part-00000.jsonl.gz"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(folder)
    report = _verify_json([str(folder), "--trust", KEY.verifier_string], capsys)
    malformed = [f for f in report["findings"] if f["kind"] == "malformed_entry"]  # type: ignore[union-attr]
    assert len(malformed) == 1, malformed
    (only,) = malformed
    assert (only["line"], only["line_end"], only["count"]) == (2, n + 1, n)
    assert f"({n:,} lines)" in only["message"]
    assert report["status"] == "failed"


def test_a_plain_gzip_of_bad_lines_is_one_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(b"x\n" * 300_000, 6))
    report = _verify_json([str(path)], capsys)
    malformed = [f for f in report["findings"] if f["kind"] == "malformed_entry"]  # type: ignore[union-attr]
    assert [(f["line"], f["line_end"], f["count"]) for f in malformed] == [(1, 300_000, 300_000)]


def test_many_different_findings_are_summarised_past_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 3,000 entries whose seq field is not their position (seq_mismatch is per entry) and
    # alternating bad lines (no run to merge): far more than KEEP_PER_KIND of each kind.
    lines: list[bytes] = []
    for i in range(3_000):
        lines.append(make_entry(i))
        lines.append(b"x" if i % 2 else b"[1]")
    folder = write_bundle(tmp_path / "b", [make_entry(i) for i in range(3_000)], checkpoint_sizes=[3_000], key=KEY,
                          entry_lines=lines)
    report = _verify_json([str(folder), "--trust", KEY.verifier_string], capsys)
    findings = report["findings"]
    assert isinstance(findings, list)
    malformed = [f for f in findings if f["kind"] == "malformed_entry"]
    assert len(malformed) == KEEP_PER_KIND + 1
    listed, summary = malformed[:-1], malformed[-1]
    assert all("summary" not in f and f["line"] == 2 * k + 2 for k, f in enumerate(listed))
    assert summary["summary"] is True
    assert summary["count"] == 3_000 - KEEP_PER_KIND
    assert summary["severity"] == "failure"
    assert (summary["line"], summary["line_end"]) == (2 * KEEP_PER_KIND + 2, 6_000)
    assert f"and {3_000 - KEEP_PER_KIND:,} more malformed_entry findings" in summary["message"]
    assert report["status"] == "failed"


def test_the_budget_keeps_kinds_apart_and_summarises_seq_ranges() -> None:
    budget = FindingBudget(keep=2)
    for seq in range(10):
        budget.append(Finding(kind="seq_mismatch", message=f"m{seq}", seq=seq, file="f", line=seq + 1))
    budget.append(Finding(kind="chain_mismatch", message="c", seq=0, seq_end=9))
    budget.extend(FindingBudget([Finding(kind="seq_mismatch", message="x", seq=50, file="g", line=3)] * 3, keep=1))
    out = list(budget)
    assert [f.message for f in out[:3]] == ["m0", "m1", "c"]
    (summary,) = [f for f in out if f.summary]
    # 8 from the first budget, 1 summary of 2 from the second, 1 kept by the second.
    assert summary.count == 8 + 2 + 1 and (summary.seq, summary.seq_end) == (2, 50)
    assert (summary.line, summary.line_end) == (3, 10)
    assert "and 1 other files" in summary.message
    assert len(out) == len(budget) == 4
    text = summary.to_json()
    assert {"kind", "severity", "seq", "seq_end", "message", "count", "summary", "line", "line_end"} <= set(text)


def test_the_text_report_lists_the_same_bounded_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from auditviewer.workspace.inputs import open_workspace
    from auditviewer.workspace.verification import verify_workspace

    lines = [b"{" if i % 2 else b"[1]" for i in range(1_000)]  # two problems in turn: no run
    folder = write_bundle(tmp_path / "b", [make_entry(0)], checkpoint_sizes=[1], key=KEY,
                          entry_lines=[make_entry(0), *lines])
    workspace = open_workspace([folder])
    try:
        report = verify_workspace(workspace, [KEY.verifier])
    finally:
        workspace.close()
    text = format_report(report)
    assert text.count("] malformed_entry:") == KEEP_PER_KIND + 1
    assert f"and {1_000 - KEEP_PER_KIND:,} more malformed_entry findings" in text


def test_time_regressions_past_the_budget_become_the_kind_s_one_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every other entry goes back in time: 500 regressions, 100 listed, one summary with the count.
    leaves = [
        make_entry(i).replace(b"2026-09-01T", b"2026-09-02T" if i % 2 else b"2026-09-03T") for i in range(1_000)
    ]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[1_000], key=KEY)
    report = _verify_json([str(folder), "--trust", KEY.verifier_string], capsys)
    findings = report["findings"]
    assert isinstance(findings, list)
    regressions = [f for f in findings if f["kind"] == "time_regression"]
    assert len(regressions) == KEEP_PER_KIND + 1
    summary = regressions[-1]
    assert summary["summary"] is True and summary["count"] == 500 - KEEP_PER_KIND
    assert summary["message"].startswith(f"and {500 - KEEP_PER_KIND:,} more time_regression findings")
    assert report["status"] == "verified"
