"""verify's text report: checkpoints summarised (count, ok, first, last, every one not ok); --verbose lists all."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.cli.report_text import format_report
from auditviewer.integrity.report import CheckpointResult, Report, Signer


def _report(statuses: list[str]) -> Report:
    checkpoints = [
        CheckpointResult(
            size=1000 * (i + 1),
            head=bytes(32),
            origin="example.com/log",
            time="2026-01-01T00:00:00Z",
            signers=[Signer(key="example.com/log+0a1b2c3d", trusted=True, valid=True)],
            status=status,
        )
        for i, status in enumerate(statuses)
    ]
    return Report(
        status="verified",
        origin="example.com/log",
        entries=1000 * len(statuses),
        verified_entries=1000 * len(statuses),
        first_seq=0,
        last_seq=1000 * len(statuses) - 1,
        checkpoints=checkpoints,
    )


def _checkpoint_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  size ")]


def test_many_ok_checkpoints_are_summarised_by_first_and_last() -> None:
    text = format_report(_report(["ok"] * 201))
    lines = _checkpoint_lines(text)
    assert len(lines) == 2
    assert "size      1,000" in lines[0] and "size    201,000" in lines[1]
    assert "checkpoints: 201 (201 ok;" in text
    assert "  ... 199 more ok" in text


def test_every_checkpoint_not_ok_is_listed_in_order() -> None:
    statuses = ["ok"] * 100
    statuses[10] = "mismatch"
    statuses[11] = "bad_signature"
    statuses[60] = "untrusted"
    text = format_report(_report(statuses))
    lines = _checkpoint_lines(text)
    assert [line.split()[2] for line in lines] == ["ok", "mismatch", "bad_signature", "untrusted", "ok"]
    assert "checkpoints: 100 (97 ok;" in text
    # the gaps name how many ok ones were left out: 1..9, 12..59, 61..98
    assert [line.strip() for line in text.splitlines() if line.startswith("  ...")] == [
        "... 9 more ok",
        "... 48 more ok",
        "... 38 more ok",
    ]


def test_verbose_lists_every_checkpoint() -> None:
    text = format_report(_report(["ok"] * 201), verbose=True)
    assert len(_checkpoint_lines(text)) == 201
    assert "more ok" not in text and "checkpoints: 201\n" in text


def test_few_checkpoints_are_all_listed_without_a_summary() -> None:
    text = format_report(_report(["ok", "mismatch"]))
    assert len(_checkpoint_lines(text)) == 2 and "more ok" not in text


def test_checkpoint_text_from_input_is_made_visible() -> None:
    report = _report(["ok"] * 3)
    report.checkpoints[1].status = "mismatch"
    report.checkpoints[1].time = "2026\x1b[2J"
    text = format_report(report)
    assert "\x1b" not in text


def test_verify_command_summarises_and_verbose_lists_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", str(tmp_path / "s"), "--entries", "3000"]) == 0
    key = capsys.readouterr().out.splitlines()[1].split(": ", 1)[1]
    assert main(["verify", str(tmp_path / "s"), "--trust", key]) == 0
    short = capsys.readouterr().out
    assert main(["verify", str(tmp_path / "s"), "--trust", key, "--verbose"]) == 0
    full = capsys.readouterr().out
    total = int(full.split("checkpoints: ")[1].split()[0].replace(",", ""))
    assert total > 2 and len(_checkpoint_lines(full)) == total
    assert len(_checkpoint_lines(short)) == 2 and f"checkpoints: {total} ({total} ok;" in short
