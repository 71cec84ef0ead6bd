"""Issues 11.12 and 17.13: one CSV writer and one neutralisation rule for query and export.

A cell is neutralised (a leading ``'``) when it starts with tab or CR, or when its
first character that is neither blank nor invisible is ``=``, ``+``, ``-`` or ``@``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.export.plain import CsvCells, neutralize_cell
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\n=1+1",
    "\u00a0=1+1",
    "\u200b=1+1",
    "\ufeff@SUM(A1)",
    "\u00ad-1",
    "\u034f+1",
    "\ufe0f=1",
    " \u2060 \t=1",
    "\uff1d1",
]
HARMLESS = ["plain", "a=b", "x-1", "", "1.5", "name@example.com"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_hostile_cells_are_neutralised(cell: str) -> None:
    assert neutralize_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", HARMLESS)
def test_harmless_cells_are_unchanged(cell: str) -> None:
    assert neutralize_cell(cell) == cell


def test_cells_for_a_terminal_carry_no_raw_control_or_bidi() -> None:
    out = io.StringIO()
    CsvCells(out, terminal=True).row(["\x1b[2J\u202eevil\u009b", 5, None])
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and "\u009b" not in text
    assert "⟨U+001B⟩" in text and text.endswith(",5,\n")


@pytest.fixture
def hostile_bundle(tmp_path: Path) -> Path:
    leaves = [
        make_entry(i, actor={"email": f"user{i}@example.com", "type": "user", "name": value})
        for i, value in enumerate(HOSTILE)
    ]
    return write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[len(leaves)], key=KEY)


def _names(text: str, column: str) -> dict[int, str]:
    return {int(row["seq"]): row[column] for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_query_and_export_csv_share_one_rule(
    hostile_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = ["--trust", KEY.verifier_string]
    assert main(["query", str(hostile_bundle), "--format", "csv", *trust]) == 0
    queried = _names(capsys.readouterr().out, "actor_name")
    out = tmp_path / "export.csv"
    assert main(["export", str(hostile_bundle), "--out", str(out), "--format", "csv", *trust]) == 0
    exported = _names(out.read_bytes().decode("utf-8"), "actor_name")
    expected = {seq: "'" + value for seq, value in enumerate(HOSTILE)}
    assert queried == expected
    assert exported == expected
