"""``auditviewer query``: count, jsonl (stored text), csv and table output, and query errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditviewer.cli import main
from tests.helpers.vectors import TRUSTED_KEYS, VECTORS

BUNDLE = str(VECTORS / "valid-jsonl")
ENTRY_FILE = VECTORS / "valid-jsonl" / "entries" / "part-00000.jsonl"


def stored_lines() -> list[bytes]:
    return ENTRY_FILE.read_bytes().splitlines()


def test_count_equals_a_plain_python_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", BUNDLE, "-q", "actor:hana@* action:Update", "--count"]) == 0
    expected = sum(
        1
        for line in stored_lines()
        if (e := json.loads(line))["action"] == "Update"
        and (e["actor"].get("email") or "").startswith("hana@")
    )
    assert int(capsys.readouterr().out) == expected > 0


def test_jsonl_prints_stored_text_in_seq_order(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["query", BUNDLE, "-q", "seq:10..14", "--format", "jsonl"]) == 0
    out = capfdbinary.readouterr().out.splitlines()
    assert out == stored_lines()[10:15]


def test_csv_has_header_and_one_row_per_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", BUNDLE, "-q", "seq:0..2", "--format", "csv", "--trust", str(TRUSTED_KEYS)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["seq"] for r in rows] == ["0", "1", "2"]
    assert rows[1]["time"] == "2026-08-10T01:14:41.087Z"
    assert {r["state"] for r in rows} == {"verified"}
    assert json.loads(rows[1]["metadata"])["image"]["after"].endswith("3.26.0")


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", BUNDLE, "-q", "seq:1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["seq", "time", "event", "actor", "resource", "integrity"]
    assert "hana@acme-games.example" in out[1] and "unverified" in out[1]


def test_malformed_query_exits_2_and_says_where(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", BUNDLE, "-q", "action:Update (actor:x", "--count"]) == 2
    err = capsys.readouterr().err
    assert "column" in err and "Traceback" not in err


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(tmp_path / "missing"), "--count"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_table_output_shows_invisible_characters_as_the_viewer_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A right-to-left override and Unicode tag characters (invisible, used to smuggle text)
    # in an actor's email must be shown, not obeyed, in the terminal as in the viewer.
    from auditviewer.core.display import visible
    from tests.helpers.bundle_builder import make_entry

    sneaky = "eve\u202e@x.example\U000e0041\U000e0042"
    path = tmp_path / "plain.jsonl"
    path.write_bytes(make_entry(0, actor={"email": sneaky, "type": "user"}) + b"\n")
    assert main(["query", str(path), "-q", "seq:0"]) == 0
    out = capsys.readouterr().out
    assert "⟨U+202E⟩" in out and "⟨U+E0041⟩" in out
    assert "\u202e" not in out and "\U000e0041" not in out
    assert visible(sneaky) in out


def test_query_keeps_freed_memory_like_verify(tmp_path: Path) -> None:
    # A short command streaming big files: freed buffers are kept for reuse before pyarrow
    # is imported (core/native.py's keep_freed_memory), as verify does (issue 12).
    code = (
        "import os, sys\n"
        "from auditviewer.cli import main\n"
        "code = main(['query', sys.argv[1], '-q', 'action:update', '--count', '--trust', sys.argv[2]])\n"
        "print(code, os.environ.get('MIMALLOC_PURGE_DELAY'))\n"
    )
    env = {**os.environ, "AUDITVIEWER_CACHE_DIR": str(tmp_path)}
    env.pop("MIMALLOC_PURGE_DELAY", None)
    done = subprocess.run(
        [sys.executable, "-c", code, str(VECTORS / "valid-jsonl"), str(TRUSTED_KEYS)],
        capture_output=True, text=True, env=env, check=True,
    )
    assert done.stdout.split()[-2:] == ["0", "-1"]
