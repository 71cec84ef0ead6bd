"""The tests' bundle builder reads the spec itself: it imports no auditviewer code to write a
bundle, and its reading of §3 and §4 agrees with the verifier's (a second, plain reading)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from auditviewer.integrity import chain, notes
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from tests.helpers import bundle_builder as b

ROOT = Path(__file__).resolve().parents[3]


def test_writing_a_bundle_imports_no_auditviewer_module(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.helpers import bundle_builder as b\n"
        "leaves = [b.make_entry(i) for i in range(4)]\n"
        f"b.write_bundle(Path({str(tmp_path)!r}) / 'log', leaves, checkpoint_sizes=[2, 4], key=b.signer())\n"
        "b.signer().verifier_string\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'auditviewer')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "log" / "checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(line)["note"].count("\n\u2014 ") for line in lines] == [1, 1]


def test_heads_agree_with_the_verifiers_chain() -> None:
    leaves = [b.make_entry(i) for i in range(7)]
    assert b.heads_of(leaves) == chain.heads(chain.ZERO_HEAD, chain.leaf_hashes(leaves))
    assert b.ZERO_HEAD == chain.ZERO_HEAD


def test_notes_and_keys_agree_with_the_verifiers_reading() -> None:
    s = b.signer(b"agree")
    head = b.heads_of([b.make_entry(0)])[0]
    text = b.checkpoint_text(b.ORIGIN, 1, head, "2026-10-01T00:00:00Z")
    assert text == notes.checkpoint_text(b.ORIGIN, 1, head, "2026-10-01T00:00:00Z")
    assert b.sign_note(text, s.name, s.key) == notes.sign_note(text, s.name, s.key)
    public = bytes(s.key.verify_key)
    expected = VerifierKey.from_public_key(s.name, public)
    assert s.verifier_string == expected.to_string()
    assert parse_verifier_key(s.verifier_string) == expected == s.verifier
