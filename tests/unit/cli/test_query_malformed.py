"""``auditviewer query`` with lines that are not entries (issue 13, defect 8): it lists entries
only, says so, and never prints a malformed line's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditviewer.cli import main
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
HOSTILE = b'{"seq":\x1b[2J "\xe2\x80\xaeoops" \xff\x07'


@pytest.fixture
def bundle(tmp_path: Path) -> str:
    leaves = [make_entry(i) for i in range(4)]
    lines = [*leaves[:2], HOSTILE, *leaves[2:]]
    return str(write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[4], key=KEY, entry_lines=lines))


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_status_malformed_lists_no_entry_and_prints_no_raw_byte(
    bundle: str, fmt: str, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["query", bundle, "-q", "status:malformed", "--format", fmt, "--trust", KEY.verifier_string]) == 0
    captured = capfdbinary.readouterr()
    for stream in (captured.out, captured.err):
        assert b"\x1b" not in stream and b"\xff" not in stream and b"oops" not in stream
    assert b"not entries" in captured.err and b"query lists entries only" in captured.err
    assert b"{" not in captured.out  # no entry matched


def test_the_entries_are_listed_as_before(bundle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", bundle, "--count"]) == 0
    assert capsys.readouterr().out.strip() == "4"
