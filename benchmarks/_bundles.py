"""Large signed bundles for benchmarks, written fast from a few entry templates.

Not the realistic sample generator (auditviewer.demo): these only need the
right size and shape, and to be quick to make at 1,000,000 entries.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nacl.signing import SigningKey

from auditviewer.integrity.chain import ZERO_HEAD
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.notes import checkpoint_text, sign_note

ORIGIN = "audit.bench.example/org/bench"
KEY = SigningKey(hashlib.sha256(b"bench").digest())
VERIFIER = VerifierKey.from_public_key(ORIGIN, bytes(KEY.verify_key)).to_string()

_CATS = ["Nakama Deployment", "Nakama Builder", "Organization User", "Satori Deployment"]
_ACTS = ["Update", "Create", "Delete", "Reboot"]


def entry(seq: int) -> bytes:
    obj = {
        "action": _ACTS[seq % 4],
        "actor": {"email": f"user{seq % 37}@acme-games.example", "type": "user"},
        "category": _CATS[seq % 4],
        "id": f"evt_{seq:020x}",
        "metadata": {
            "config": {"session.token_expiry_sec": {"after": 3600, "before": 7200}},
            "image": {
                "after": f"registry.heroiclabs.com/acme/nakama:3.{seq % 30}.0",
                "before": "registry.heroiclabs.com/acme/nakama:3.20.0",
            },
        },
        "resource": {
            "id": f"dep_{seq % 50:04d}",
            "name": f"dragon-prod-{seq % 50}",
            "type": "nakama_deployment",
        },
        "seq": seq,
        "time": f"2026-{8 + seq // 400000:02d}-{1 + seq // 15000 % 28:02d}T{seq % 24:02d}:{seq % 60:02d}:00.000Z",
        "title": {"id": f"ttl_{seq % 4:03d}", "name": "Dragon Tactics"},
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_big_bundle(folder: Path, entries: int, *, fmt: str = "jsonl", every: int = 1024) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entries").mkdir(exist_ok=True)
    sha = hashlib.sha256
    head = ZERO_HEAD
    notes = []
    leaves: list[bytes] = []
    heads: list[bytes] = []
    for seq in range(entries):
        leaf = entry(seq)
        leaves.append(leaf)
        head = sha(b"\x01" + head + sha(b"\x00" + leaf).digest()).digest()
        heads.append(head)
        size = seq + 1
        if size % every == 0 or size == entries:
            text = checkpoint_text(ORIGIN, size, head, "2026-11-01T00:00:00Z")
            notes.append(json.dumps({"note": sign_note(text, ORIGIN, KEY)}))
    if fmt == "jsonl":
        name = "entries/part-00000.jsonl"
        (folder / name).write_bytes(b"\n".join(leaves) + b"\n")
    else:
        name = "entries/part-00000.parquet"
        table = pa.table(
            {
                "seq": pa.array(range(entries), pa.int64()),
                "entry": pa.array(leaves, pa.binary()).cast(pa.string()),
                "head": pa.array(heads, pa.binary()),
            }
        )
        pq.write_table(table, folder / name, row_group_size=65536)
    (folder / "checkpoints.jsonl").write_text("\n".join(notes) + "\n")
    files = []
    for path, role in ((name, "entries"), ("checkpoints.jsonl", "checkpoints")):
        data = (folder / path).read_bytes()
        files.append(
            {"path": path, "role": role, "sha256": sha(data).hexdigest(), "size": len(data)}
        )
    manifest = {
        "format": "audit-bundle",
        "version": 1,
        "origin": ORIGIN,
        "organization": {"id": "org_b", "name": "Bench"},
        "scope": {"type": "organization"},
        "exported_at": "2026-11-20T00:00:00Z",
        "files": files,
        "keys": [VERIFIER],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder
