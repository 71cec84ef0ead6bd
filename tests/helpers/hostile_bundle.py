"""A bundle whose every field a sender controls holds HTML, bidi controls, invisible
characters, a terminal escape and verdict-like text (issue 17's walk test)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.bundle_builder import Signer, make_entry, signer, write_bundle

HOSTILE = (
    "<b>x</b>\u202e\u2028\u200b\u00ad\u034f\ufe0f\x1b[2K\u0301\u0301\u0301\u0301"
    " ✔ Verified All entries are proven authentic"
)
ORIGIN = "audit.test.example/org/\u202eevil\u2028\u00ad ✔ Verified <b>"
KEY_NAME = "audit.test.example/\u202ek\u00ad✔Verified"


def hostile_key() -> Signer:
    return signer(b"hostile", name=KEY_NAME)


def write_hostile_bundle(folder: Path, *, entries: int = 5, organization: str = HOSTILE) -> Path:
    leaves = [
        make_entry(
            i,
            id=f"{HOSTILE} {i}",
            category=HOSTILE,
            action=HOSTILE,
            actor={"email": HOSTILE, "type": "user", "name": HOSTILE},
            resource={"type": "nakama_deployment", "id": f"dep_{i}", "name": HOSTILE},
            title={"id": "ttl_1", "name": HOSTILE},
            metadata={HOSTILE: HOSTILE, "image": {"before": HOSTILE, "after": HOSTILE + "2"}},
        )
        for i in range(entries)
    ]
    bundle = write_bundle(folder, leaves, checkpoint_sizes=[entries], key=hostile_key(),
                          origin=ORIGIN)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    manifest["organization"]["name"] = organization
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return bundle
