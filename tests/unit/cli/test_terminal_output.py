"""Issue 11.3: nothing from an input reaches a terminal raw.

A bundle whose origin, key name, checkpoint time, entries and zip member names
hold terminal escapes, C1 controls (U+009B CSI), bidi overrides and line
separators is run through every command — verify (text and --json), query
(table, jsonl, csv, count), export, and error paths — with stdout on a
pseudo-terminal. No byte below 0x20 but newline and tab, no C1 control and no
bidi control may appear in stdout or stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from auditviewer.integrity.notes import checkpoint_text, sign_note
from tests.helpers.bundle_builder import heads_of, make_entry, signer, write_bundle

ATTACK = "\x1b[1A\r\x1b[2Kstatus:     VERIFIED\x1b[8m\u009b2J\u202e\u2066\u2028\u0085"
# What a signed note can carry (notes refuse C0 controls): C1, bidi, separators.
SIGNED_ATTACK = "\u009b2J\u202e\u2066\u2028\u0085\u200f"
KEY = signer(b"terminal", name="audit.evil.example/k")
ORIGIN = "audit.evil.example/" + SIGNED_ATTACK
ESC_ORIGIN = "audit.evil.example/" + ATTACK
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def unsafe(text: str) -> list[str]:
    """Characters a terminal would obey (after the pty's own CR of each newline)."""
    text = text.replace("\r\n", "\n")
    return sorted(
        {
            ch
            for ch in text
            if (ord(ch) < 0x20 and ch not in "\n\t")
            or 0x7F <= ord(ch) <= 0x9F
            or ord(ch) in _BIDI
            or ch in "\u2028\u2029"
        }
    )


def _hostile_bundle(folder: Path, origin: str = ORIGIN) -> Path:
    leaves = [
        make_entry(i, actor={"email": f"u{i}@example.com", "type": "user", "name": ATTACK}, note=ATTACK)
        for i in range(6)
    ]
    bundle = write_bundle(folder, leaves, checkpoint_sizes=[], key=KEY, origin=origin)
    heads = heads_of(leaves)
    notes = [
        json.dumps({"note": sign_note(checkpoint_text(origin, size, heads[size - 1], "2026-10-01T00:00:00Z" + SIGNED_ATTACK), KEY.name, KEY.key)})
        for size in (3, 6)
    ]
    body = ("\n".join(notes) + "\n").encode()
    (bundle / "checkpoints.jsonl").write_bytes(body)
    manifest = json.loads((bundle / "manifest.json").read_text())
    for item in manifest["files"]:
        data = (bundle / item["path"]).read_bytes()
        item["sha256"], item["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    return bundle


def _zipped(bundle: Path, out: Path, *, extra_member: str | None = None) -> Path:
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(bundle).as_posix())
        if extra_member is not None:
            archive.writestr(extra_member, b"{}\n")
    return out


def run_on_terminal(*args: str, env: dict[str, str]) -> tuple[str, str, int]:
    """Run the command with stdout on a pseudo-terminal (isatty() true), stderr on a pipe."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "auditviewer", *args], stdout=slave, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError(f"no output for 60 s from {args}")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert process.stderr is not None
    err = process.stderr.read()
    process.stderr.close()
    code = process.wait(timeout=60)
    return b"".join(chunks).decode("utf-8"), err.decode("utf-8"), code


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("terminal")
    bundle = _hostile_bundle(root / "bundle")
    env = {
        **os.environ,
        "AUDITVIEWER_TRUST_STORE": str(root / "trust.json"),
        "AUDITVIEWER_CACHE_DIR": str(root / "cache"),
        "AUDITVIEWER_CONFIG_DIR": str(root / "config"),
        "AUDITVIEWER_DATA_DIR": str(root / "data"),
    }
    return bundle, env


def _commands(bundle: Path, root: Path) -> list[list[str]]:
    trust = ["--trust", KEY.verifier_string]
    bad_zip = _zipped(bundle, root / "member.zip", extra_member="entries/\x1b[2K\u009b\u202eevil.jsonl")
    plain_zip = _zipped(bundle, root / "plain.zip")
    escapes = _hostile_bundle(root / "escapes", ESC_ORIGIN)
    return [
        ["verify", str(bundle), *trust],
        ["verify", str(escapes), *trust],
        ["query", str(escapes), "--format", "csv", *trust],
        ["verify", str(bundle)],
        ["verify", str(bad_zip), *trust],
        ["verify", str(plain_zip), *trust],
        ["query", str(bundle), *trust],
        ["query", str(bundle), "--format", "jsonl", *trust],
        ["query", str(bundle), "--format", "csv", *trust],
        ["query", str(bundle), "-q", "actor:*", "--count", *trust],
        ["query", str(bad_zip), *trust],
        ["query", str(bundle), "-q", "(" + ATTACK, *trust],
        ["export", str(bundle), "--out", str(root / "out.zip"), *trust],
        ["export", str(bundle), "--out", str(root / "out.csv"), "--format", "csv", *trust],
        ["export", str(bad_zip), "--out", str(root / "bad.zip"), *trust],
        ["export", str(bundle), "--out", str(root / ("x" + ATTACK + ".zip")), "--force", *trust],
        ["verify", str(root / ("missing" + ATTACK))],
        ["trust", "add", KEY.verifier_string],
        ["trust", "list"],
    ]


def test_no_command_writes_what_a_terminal_obeys(setting: tuple[Path, dict[str, str]]) -> None:
    bundle, env = setting
    for args in _commands(bundle, bundle.parent):
        out, err, _ = run_on_terminal(*args, env=env)
        assert "Traceback" not in err, (args, err)
        assert unsafe(out) == [], (args, out)
        assert unsafe(err) == [], (args, err)


def test_the_attack_is_shown_visibly_not_hidden(setting: tuple[Path, dict[str, str]]) -> None:
    bundle, env = setting
    out, _, code = run_on_terminal("verify", str(bundle), "--trust", KEY.verifier_string, env=env)
    lines = out.replace("\r\n", "\n").splitlines()
    assert lines[0] == "status:     VERIFIED" and code == 0  # the checkpoints hold: signed C1/bidi text
    assert lines[1] == "origin:     audit.evil.example/⟨U+009B⟩2J⟨U+202E⟩⟨U+2066⟩⟨U+2028⟩⟨U+0085⟩⟨U+200F⟩"
    assert any("2026-10-01T00:00:00Z⟨U+009B⟩2J⟨U+202E⟩" in line for line in lines)  # the time line
    escapes = _hostile_bundle(bundle.parent / "shown", ESC_ORIGIN)
    out, _, code = run_on_terminal("verify", str(escapes), env=env)
    assert "origin:     audit.evil.example/⟨U+001B⟩[1A⟨U+000D⟩⟨U+001B⟩[2K" in out


def test_json_report_stays_json_of_the_same_values(setting: tuple[Path, dict[str, str]]) -> None:
    bundle, env = setting
    out, err, _ = run_on_terminal("verify", str(bundle), "--json", "--trust", KEY.verifier_string, env=env)
    assert unsafe(out) == [] and unsafe(err) == []
    document = json.loads(out)
    assert document["origin"] == ORIGIN
