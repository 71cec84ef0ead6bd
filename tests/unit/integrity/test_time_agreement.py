"""Issue 11.15: time_regression findings agree with and without the C extension.

Only an entry's top-level ``time`` counts: ``seq`` and ``time`` keys inside
``metadata`` (or any nested object) must not fool either path, and entries that
are not canonical (spaces, other key order, escapes) are compared the same way
by both. The differential runs each file through the reader and TimeWatch with
the extension and without it and requires identical findings, then the whole
``verify --json`` output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditviewer.input.formats import jsonl
from auditviewer.integrity.time_watch import TimeWatch
from tests.helpers.bundle_builder import signer, write_bundle

KEY = signer(b"times")


def _entry(seq: int, time: str, *, style: int = 0, metadata: dict[str, object] | None = None) -> bytes:
    value = {
        "seq": seq,
        "id": f"e{seq}",
        "time": time,
        "category": "Nakama Deployment",
        "action": "Update",
        "actor": {"type": "user"},
        "metadata": metadata if metadata is not None else {},
    }
    if style == 0:  # canonical
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    if style == 1:  # spaced, insertion order (time before metadata)
        return json.dumps(value).encode()
    if style == 2:  # the time written with an escape: never compared, by either path
        return json.dumps(value, sort_keys=True, separators=(",", ":")).replace(
            f'"time":"{time}"', '"time":"' + "".join(f"\\u{ord(c):04x}" for c in time) + '"'
        ).encode()
    if style == 3:  # another key order: metadata last
        tail = {k: value[k] for k in value if k != "metadata"}
        return (json.dumps(tail)[:-1] + ', "metadata": ' + json.dumps(value["metadata"]) + "}").encode()
    raise AssertionError(style)


def _lines() -> list[bytes]:
    out: list[bytes] = []
    base = "2026-01-01T00:00:{:02d}Z"
    for i in range(240):
        t = base.format(59 - (i % 60)) if i % 7 == 3 else base.format(i % 60)
        meta: dict[str, object] = {}
        if i % 5 == 0:
            # A nested "seq" equal to the entry's own, and a "time" far in the past: must be ignored.
            meta = {"seq": i, "time": "1999-01-01T00:00:00Z"}
        if i % 11 == 0:
            meta = {"a": {"seq": i, "time": "2100-01-01T00:00:00Z"}}
        if i % 13 == 0:
            t = "2026-01-01T01:00:00+02:00"  # same length as nothing nearby: compared as datetimes
        if i % 17 == 0:
            t = "2026-01-01T00:00:00.000000000000000000000000000000000001Z"  # longer than 40 characters
        out.append(_entry(i, t, style=i % 4, metadata=meta))
    out.insert(100, b"not an entry")  # a declined line: its batch is read by the Python path even with C
    return out


def _findings(path: Path) -> list[tuple[object, ...]]:
    watch = TimeWatch()
    with path.open("rb") as f:
        for batch in jsonl.read_jsonl(f.read, source="t.jsonl", segment_bytes=3_000, batch_lines=9):
            watch.add(batch.table.column(0), batch.table.column(1), batch.times)
    return [(f.kind, f.message, f.seq) for f in watch.findings()]


def test_time_regressions_agree_with_and_without_the_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(_lines()) + b"\n")
    with_extension = _findings(path)
    monkeypatch.setattr(jsonl, "NATIVE", None)
    without = _findings(path)
    assert with_extension == without
    messages = " ".join(str(f[1]) for f in without)
    assert "1999-01-01" not in messages and "2100-01-01" not in messages  # nested times never count
    assert any(f[2] == 4 for f in without)  # seq 3 jumps ahead (00:00:56), seq 4 (style 0) goes back


def test_nested_seq_and_time_never_fool_the_python_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Canonical text sorts "metadata" before the top-level "seq": a pattern search finds the nested pair first.
    lines = [
        _entry(0, "2026-01-01T00:00:05Z"),
        _entry(1, "2026-01-01T00:00:06Z", metadata={"seq": 1, "time": "2026-01-01T00:00:01Z"}),
        _entry(2, "2026-01-01T00:00:07Z"),
    ]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setattr(jsonl, "NATIVE", None)
    assert _findings(path) == []


def test_non_canonical_regressions_are_found_by_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = [_entry(0, "2026-01-01T00:00:05Z", style=1), _entry(1, "2026-01-01T00:00:01Z", style=1)]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    found = _findings(path)
    monkeypatch.setattr(jsonl, "NATIVE", None)
    assert _findings(path) == found and [f[2] for f in found] == [1]


def test_verify_reports_agree_on_a_bundle_built_to_split_them(tmp_path: Path) -> None:
    lines = [line for line in _lines() if line != b"not an entry"]
    leaves = lines
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[len(leaves)], key=KEY)
    outputs = []
    for flag in ("1", "0"):
        env = dict(os.environ, AUDITVIEWER_NATIVE=flag)
        run = subprocess.run(
            [sys.executable, "-m", "auditviewer", "verify", str(bundle), "--json", "--trust", KEY.verifier_string],
            capture_output=True, env=env, check=False,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    report = json.loads(outputs[0])
    assert report["status"] == "verified"
    assert any(f["kind"] == "time_regression" for f in report["findings"])
