"""Fuzz target for terminal output (issue 11.3).

Random text, rich in C0/C1 controls, escapes, bidi and separator characters,
is put where a bundle's sender controls it — the origin, the key name, a
checkpoint's time line, entry fields, a zip member's name — and the bundle is
run through ``verify`` (text and ``--json``), ``query`` (table, jsonl, csv on
a terminal) and an ``export`` with stdout and stderr captured as a terminal.
Property: no byte below 0x20 but newline and tab, no C1 control, no bidi
control and no line separator reaches either stream; ``--json`` stays JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditviewer.cli import main
from auditviewer.integrity.notes import checkpoint_text, sign_note
from tests.fuzz.profiles import FUZZ_HEAVY
from tests.fuzz.targets import bounded
from tests.helpers.bundle_builder import heads_of, make_entry, signer, write_bundle
from tests.unit.cli.test_terminal_output import unsafe

_NASTY = st.sampled_from(
    ["\x1b", "\x1b[2J", "\r", "\x07", "\x08", "\x7f", "\u0085", "\u009b", "\u009d", "\u202e", "\u2066", "\u200f",
     "\u061c", "\u2028", "\u2029", "\ufeff", "\U000e0041", "\x00", "\t", "é", "✔ VERIFIED", "a"]
)
_TEXT = st.lists(_NASTY | st.text(max_size=4), min_size=1, max_size=8).map("".join)
_SIGNABLE = _TEXT.map(lambda text: "".join(ch for ch in text if ord(ch) >= 0x20 and ch != "\x7f") or "x")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    @property
    def buffer(self) -> io.BytesIO:  # query's jsonl route writes bytes only to a pipe
        raise AssertionError("bytes written to a terminal")


def _run(*args: str) -> tuple[str, str]:
    out, err = _Terminal(), _Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(list(args))
    return out.getvalue(), err.getvalue()


# Each example runs seven commands (each opening DuckDB): a third of the heavy count.
@settings(FUZZ_HEAVY, max_examples=max(5, FUZZ_HEAVY.max_examples // 3))
@given(origin=_SIGNABLE, key_name=_SIGNABLE, time=_SIGNABLE, actor=_TEXT, member=_TEXT)
def test_terminal_output_never_carries_what_a_terminal_obeys(
    origin: str, key_name: str, time: str, actor: str, member: str
) -> None:
    root = Path(tempfile.mkdtemp(prefix="terminal-fuzz-"))
    try:
        key = signer(b"fuzz", name="audit.fuzz.example/" + "".join(c for c in key_name if c.isalnum())[:20] or "k")
        full_origin = "audit.fuzz.example/" + origin.replace("\n", " ")
        leaves = [make_entry(i, actor={"email": f"u{i}@x.example", "type": "user", "name": actor}) for i in range(3)]
        bundle = write_bundle(root / "b", leaves, checkpoint_sizes=[], key=key, origin=full_origin)
        text = checkpoint_text(full_origin, 3, heads_of(leaves)[2], "2026-10-01T00:00:00Z" + time.replace("\n", " "))
        (bundle / "checkpoints.jsonl").write_text(json.dumps({"note": sign_note(text, key.name, key.key)}) + "\n")
        from tests.helpers.bundle_builder import refresh_manifest

        refresh_manifest(bundle)
        archive = root / "b.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in sorted(bundle.rglob("*")):
                if path.is_file():
                    zipped.write(path, path.relative_to(bundle).as_posix())
            zipped.writestr("entries/" + member.replace("/", "_") + ".jsonl", b"{}\n")
        trust = ["--trust", key.verifier_string]
        runs = [
            ("verify", str(bundle), *trust),
            ("verify", str(archive), *trust),
            ("query", str(bundle), *trust),
            ("query", str(bundle), "--format", "jsonl", *trust),
            ("query", str(bundle), "--format", "csv", *trust),
            ("export", str(archive), "--out", str(root / "out.csv"), *trust),
        ]
        with bounded(memory=None):
            for args in runs:
                out, err = _run(*args)
                assert unsafe(out) == [] and unsafe(err) == [], (args, out, err)
            out, err = _run("verify", str(bundle), "--json", *trust)
        assert unsafe(out) == [] and unsafe(err) == []
        assert json.loads(out)["origin"] == full_origin
    finally:
        shutil.rmtree(root, ignore_errors=True)
