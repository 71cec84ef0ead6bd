"""A small, explicit bundle writer for tests: entries, checkpoints at chosen sizes, a key.

Independent of the code under test, as ``tests/vectors`` is: leaf hashes, heads
(spec §3), checkpoint texts, signed notes, key ids and verifier key strings (§4)
are written here from the spec with :mod:`hashlib` and :mod:`nacl` alone, so the
verifier is tested against a second, deliberately plain reading of the spec (and
not against auditviewer.demo either). The one crossing is
:attr:`Signer.verifier`: the key string written here, read by the verifier's own
key parser (the way a person's key reaches it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from nacl.signing import SigningKey

if TYPE_CHECKING:
    from auditviewer.integrity.keys import VerifierKey

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


#: Spec §3: the head at size 0.
ZERO_HEAD = bytes(32)
#: Spec §4: the signature line's dash (U+2014) and the Ed25519 algorithm byte.
_DASH = "\u2014"
_ED25519 = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    """Spec §3: SHA-256(0x00 || leaf bytes)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def next_head(head: bytes, leaf_hash_: bytes) -> bytes:
    """Spec §3: SHA-256(0x01 || head(i-1) || leaf_hash(i))."""
    return hashlib.sha256(b"\x01" + head + leaf_hash_).digest()


def key_id(name: str, public_key: bytes) -> bytes:
    """Spec §4: the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key).digest()[:4]


def checkpoint_text(origin: str, size: int, head: bytes, time: str | None = None) -> str:
    """Spec §4: origin, size, base64 head, optional ``time`` line; each line ends in a newline."""
    text = f"{origin}\n{size}\n{base64.b64encode(head).decode()}\n"
    return text + (f"time {time}\n" if time else "")


def sign_note(text: str, name: str, key: SigningKey) -> str:
    """Spec §4 / C2SP signed note: the text, a blank line, one signature line."""
    signature = key.sign(text.encode()).signature
    blob = base64.b64encode(key_id(name, bytes(key.verify_key)) + signature).decode()
    return f"{text}\n{_DASH} {name} {blob}\n"


@dataclass
class Signer:
    name: str
    key: SigningKey

    @property
    def verifier_string(self) -> str:
        """Spec §4: ``<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>``."""
        public = bytes(self.key.verify_key)
        material = base64.b64encode(_ED25519 + public).decode()
        return f"{self.name}+{key_id(self.name, public).hex()}+{material}"

    @property
    def verifier(self) -> VerifierKey:
        """The key as the verifier takes it: :attr:`verifier_string` through its own parser."""
        from auditviewer.integrity.keys import parse_verifier_key

        return parse_verifier_key(self.verifier_string)


def signer(seed: bytes = b"test", name: str = ORIGIN) -> Signer:
    return Signer(name, SigningKey(hashlib.sha256(seed).digest()))


def heads_of(leaves: list[bytes]) -> list[bytes]:
    """head after each entry, from seq 0."""
    out, head = [], ZERO_HEAD
    for leaf in leaves:
        head = next_head(head, leaf_hash(leaf))
        out.append(head)
    return out


def manifest_file(path: str, role: str, data: bytes) -> dict[str, object]:
    """Spec §5: one ``files`` item of a manifest, with the hash and size of ``data``."""
    return {"path": path, "role": role, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def make_manifest(
    files: list[dict[str, object]],
    *,
    origin: str = ORIGIN,
    keys: list[str] | None = None,
    described: bool = True,
    **fields: object,
) -> dict[str, object]:
    """Spec §5: a manifest of ``files`` (see :func:`manifest_file`).

    ``described`` adds an organization, scope and export time, as an exporter
    writes them; ``keys`` are the hints; ``fields`` add or replace members.
    """
    manifest: dict[str, object] = {"format": "audit-bundle", "version": 1, "origin": origin}
    if described:
        manifest |= {
            "organization": {"id": "org_t", "name": "Tests"},
            "scope": {"type": "organization"},
            "exported_at": "2026-11-20T10:00:00Z",
        }
    manifest["files"] = files
    if keys is not None:
        manifest["keys"] = keys
    return manifest | fields


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
    manifest = make_manifest(
        [
            manifest_file("entries/part-00000.jsonl", "entries", body),
            manifest_file("checkpoints.jsonl", "checkpoints", cp),
        ],
        origin=origin,
        keys=[key.verifier_string],
    )
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
