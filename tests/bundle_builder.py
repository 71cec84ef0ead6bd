"""A small, explicit bundle writer for tests: entries, checkpoints at chosen sizes, a key.

Kept independent of auditviewer.demo.sample so that the verifier is tested against
a second, deliberately plain reading of the spec.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nacl.signing import SigningKey

from auditviewer.integrity.chain import ZERO_HEAD, leaf_hash, next_head
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.notes import checkpoint_text, sign_note

ORIGIN = "audit.test.example/org/tests"
_EPOCH = datetime(2026, 9, 1, tzinfo=UTC)


def make_entry(seq: int, **extra: object) -> bytes:
    entry = {
        "seq": seq,
        "id": f"evt_{seq:06d}",
        # One minute apart, always increasing, as a real log's times are.
        # Clamped so that fuzzed seqs far beyond any real log still make a valid date.
        "time": (_EPOCH + timedelta(minutes=min(seq, 10**8))).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "category": "Nakama Deployment",
        "action": "Update",
        "actor": {"email": f"user{seq % 5}@example.com", "type": "user"},
        "resource": {"type": "nakama_deployment", "id": f"dep_{seq % 3}", "name": f"dragon-{seq % 3}"},
        "title": {"id": "ttl_1", "name": "Dragon Tactics"},
        "metadata": {"image": {"before": "nakama:3.21.0", "after": "nakama:3.22.0"}},
        **extra,
    }
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Signer:
    name: str
    key: SigningKey

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey.from_public_key(self.name, bytes(self.key.verify_key))

    @property
    def verifier_string(self) -> str:
        return self.verifier.to_string()


def signer(seed: bytes = b"test", name: str = ORIGIN) -> Signer:
    return Signer(name, SigningKey(hashlib.sha256(seed).digest()))


def heads_of(leaves: list[bytes]) -> list[bytes]:
    """head after each entry, from seq 0."""
    out, head = [], ZERO_HEAD
    for leaf in leaves:
        head = next_head(head, leaf_hash(leaf))
        out.append(head)
    return out


def write_bundle(
    folder: Path,
    leaves: list[bytes],
    *,
    checkpoint_sizes: list[int],
    key: Signer,
    first_seq: int = 0,
    all_leaves: list[bytes] | None = None,
    origin: str = ORIGIN,
    entry_lines: list[bytes] | None = None,
) -> Path:
    """A bundle holding ``leaves`` (seq first_seq..) with signed checkpoints at the given sizes.

    ``all_leaves`` is the whole log from seq 0 when the export starts later.
    """
    log = all_leaves if all_leaves is not None else leaves
    heads = heads_of(log)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entries").mkdir(exist_ok=True)
    lines = entry_lines if entry_lines is not None else leaves
    body = b"".join(line + b"\n" for line in lines)
    (folder / "entries" / "part-00000.jsonl").write_bytes(body)
    notes = []
    for size in checkpoint_sizes:
        head = heads[size - 1] if size else ZERO_HEAD
        text = checkpoint_text(origin, size, head, "2026-10-01T00:00:00Z")
        notes.append(json.dumps({"note": sign_note(text, key.name, key.key)}))
    cp = ("\n".join(notes) + "\n").encode() if notes else b""
    (folder / "checkpoints.jsonl").write_bytes(cp)
    manifest = {
        "format": "audit-bundle",
        "version": 1,
        "origin": origin,
        "organization": {"id": "org_t", "name": "Tests"},
        "scope": {"type": "organization"},
        "exported_at": "2026-11-20T10:00:00Z",
        "files": [
            {
                "path": "entries/part-00000.jsonl",
                "role": "entries",
                "sha256": hashlib.sha256(body).hexdigest(),
                "size": len(body),
            },
            {
                "path": "checkpoints.jsonl",
                "role": "checkpoints",
                "sha256": hashlib.sha256(cp).hexdigest(),
                "size": len(cp),
            },
        ],
        "keys": [key.verifier_string],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return folder


def refresh_manifest(folder: Path) -> None:
    """Recompute the manifest's hashes and sizes, as a careful attacker would after editing."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for item in manifest["files"]:
        data = (folder / item["path"]).read_bytes()
        item["sha256"] = hashlib.sha256(data).hexdigest()
        item["size"] = len(data)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
