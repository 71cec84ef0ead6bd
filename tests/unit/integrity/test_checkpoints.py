"""Checkpoint lines: input/ reads the file into notes, integrity/ parses what each note says."""

from __future__ import annotations

import json

from auditviewer.input.formats.checkpoints import NoteLine, read_note_lines
from auditviewer.integrity.checkpoints import checkpoint_lines, read_checkpoints
from tests.helpers.bundle_builder import ORIGIN, checkpoint_text, sign_note, signer

KEY = signer(b"checkpoints")


def test_the_file_reader_hands_on_notes_unparsed() -> None:
    good = sign_note(checkpoint_text(ORIGIN, 3, bytes(32)), KEY.name, KEY.key)
    data = b"\n".join(
        [json.dumps({"note": good}).encode(), json.dumps({"note": "not a note"}).encode(), b"[1]"]
    )
    lines = read_note_lines(data, label="c.jsonl")
    assert lines[:2] == [NoteLine("c.jsonl", 1, good), NoteLine("c.jsonl", 2, "not a note")]
    assert lines[2].note is None and lines[2].problem == "line has no string 'note'"
    parsed = checkpoint_lines(lines)
    assert parsed[0].checkpoint is not None and parsed[0].checkpoint.size == 3
    assert parsed[1].checkpoint is None and parsed[1].problem and parsed[1].line == 2
    assert parsed[2].problem == "line has no string 'note'"
    assert read_checkpoints(data, label="c.jsonl") == parsed
