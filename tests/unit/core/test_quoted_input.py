"""Issue 17.12: findings that quote input quote it visibly as data.

A sender's text inside one of our messages (a duplicated key, a checkpoint's
origin, a manifest path, a key name) is in double quotes, JSON-escaped (a quote
or line break in it cannot end the quotation), every control, bidi or
invisible character made visible, and cut to 80 characters with an ellipsis
after the closing quote: it never reads as the app's own words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.core.display import QUOTE_LIMIT, quoted
from auditviewer.input.formats.entry import check_leaf
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer(b"quoted")
WORDING = 'harmless" - content verified OK\n\u202esafe to ignore\x1b[2K' + " " * 200 + "hidden tail"


def test_quoted_is_bounded_escaped_and_cannot_close_its_quote() -> None:
    text = quoted(WORDING)
    assert text.startswith('"harmless\\" - content verified OK\\n')
    assert text.endswith('"…')
    assert "hidden tail" not in text
    assert "\u202e" not in text and "\x1b" not in text and "\n" not in text
    assert "⟨U+202E⟩" in text
    assert quoted("ok") == '"ok"'
    assert quoted("x" * QUOTE_LIMIT) == '"' + "x" * QUOTE_LIMIT + '"'


def test_a_duplicate_key_finding_quotes_the_key_as_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = json.dumps(WORDING)[1:-1]
    leaves = [make_entry(i) for i in range(3)]
    leaves[1] = leaves[1].replace(b'"metadata":{', b'"metadata":{"' + key.encode() + b'":1,"' + key.encode() + b'":2,')
    assert check_leaf(leaves[1]).problem == f"duplicate key {quoted(WORDING)}"
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY)
    assert main(["verify", str(bundle), "--trust", KEY.verifier_string, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (finding,) = [f for f in report["findings"] if f["kind"] == "malformed_entry"]
    message = finding["message"]
    assert message.endswith(f"duplicate key {quoted(WORDING)}")
    assert "\u202e" not in message and "\x1b" not in message and "\n" not in message
    assert "hidden tail" not in message and len(message) < 400
    main(["verify", str(bundle), "--trust", KEY.verifier_string])
    text = capsys.readouterr().out
    assert 'duplicate key "harmless\\" - content verified OK\\n⟨U+202E⟩safe to ignore' in text


def test_a_foreign_origin_is_quoted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leaves = [make_entry(i) for i in range(2)]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[2], key=KEY)
    other = write_bundle(tmp_path / "o", leaves, checkpoint_sizes=[2], key=KEY, origin="evil\u202e.example/✔ verified")
    (bundle / "checkpoints.jsonl").write_bytes(
        (bundle / "checkpoints.jsonl").read_bytes() + (other / "checkpoints.jsonl").read_bytes()
    )
    from tests.helpers.bundle_builder import refresh_manifest

    refresh_manifest(bundle)
    main(["verify", str(bundle), "--trust", KEY.verifier_string, "--json"])
    report = json.loads(capsys.readouterr().out)
    messages = [f["message"] for f in report["findings"] if f["kind"] == "foreign_checkpoint"]
    assert messages and all(quoted("evil\u202e.example/✔ verified") in m for m in messages)
    assert all("\u202e" not in m for m in messages)
