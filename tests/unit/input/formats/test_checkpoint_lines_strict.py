"""Issue 11.16: ``checkpoints.jsonl`` lines use the entries' strict JSON parser.

A duplicate ``note`` key (which one would count?), ``NaN`` / ``Infinity`` and
unpaired surrogate escapes make the line a ``malformed_checkpoint`` naming the
file and line, as the same faults make an entry a ``malformed_entry``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.integrity.checkpoints import read_checkpoints
from tests.helpers.bundle_builder import make_entry, refresh_manifest, signer, write_bundle

KEY = signer(b"strict-checkpoints")


def _bundle(tmp_path: Path) -> tuple[Path, str]:
    leaves = [make_entry(i) for i in range(4)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[4], key=KEY)
    line = (folder / "checkpoints.jsonl").read_text().strip()
    note = json.loads(line)["note"]
    assert isinstance(note, str)
    return folder, note


@pytest.mark.parametrize(
    ("make_line", "reason"),
    [
        (lambda note: '{"note": "forged", "note": ' + json.dumps(note) + "}", 'duplicate key "note"'),
        (lambda note: '{"note": ' + json.dumps(note) + ', "n": NaN}', "NaN is not valid JSON"),
        (lambda note: '{"note": ' + json.dumps(note) + ', "n": -Infinity}', "-Infinity is not valid JSON"),
        (lambda note: '{"note": ' + json.dumps(note) + ', "x": "\\ud800"}', "unpaired surrogate"),
        (lambda note: '{"note": ' + json.dumps(note) + "} trailing", "unexpected text"),
    ],
)
def test_a_checkpoint_line_breaking_the_strict_rules_is_malformed(
    tmp_path: Path, make_line: object, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, note = _bundle(tmp_path)
    assert callable(make_line)
    (folder / "checkpoints.jsonl").write_text(make_line(note) + "\n")
    refresh_manifest(folder)
    assert main(["verify", str(folder), "--trust", KEY.verifier_string, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    malformed = [f for f in report["findings"] if f["kind"] == "malformed_checkpoint"]
    assert len(malformed) == 1, report["findings"]
    assert reason in malformed[0]["message"]
    assert "checkpoints.jsonl" in malformed[0]["message"]
    assert report["status"] == "failed" and report["verified_entries"] == 0


def test_the_same_line_read_directly_names_file_and_line(tmp_path: Path) -> None:
    _folder, note = _bundle(tmp_path)
    data = (json.dumps({"note": note}) + "\n" + '{"note": "a", "note": "b"}\n').encode()
    first, second = read_checkpoints(data, label="checkpoints.jsonl")
    assert first.problem is None and first.checkpoint is not None
    assert (second.source, second.line, second.checkpoint) == ("checkpoints.jsonl", 2, None)
    assert second.problem is not None and 'duplicate key "note"' in second.problem


def test_a_well_formed_line_with_spaces_and_escapes_still_reads(tmp_path: Path) -> None:
    _folder, note = _bundle(tmp_path)
    data = (json.dumps({"note": note}, ensure_ascii=True, indent=None) + "\n").encode()
    (line,) = read_checkpoints(data, label="c")
    assert line.problem is None and line.checkpoint is not None
