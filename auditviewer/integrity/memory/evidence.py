"""The memory's fork evidence: everything needed to show a fork to someone else.

Both signed notes, the origin, the size and the heads, and for a note remembered
from an earlier verification when and where it was first seen. The notes are
self-verifying: anyone with the log's verifier key can check both signatures.
Written through the one atomic writer (``core/atomic.py``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from auditviewer.core.atomic import write_file
from auditviewer.integrity.chain import ZERO_HEAD
from auditviewer.integrity.memory.store import (
    CheckpointMemory,
    RememberedCheckpoint,
    is_remembered,
    now,
    stamp,
)
from auditviewer.integrity.report import Report


def fork_evidence(
    report: Report, *, memory: CheckpointMemory | None = None
) -> dict[str, Any] | None:
    """Everything needed to show a fork to someone else: both signed notes, origin, size, heads.

    None when the report holds no fork. The notes are self-verifying: anyone with
    the log's verifier key can check that both were signed.
    """
    forks = [f for f in report.findings if f.kind == "fork"]
    if not forks:
        return None
    records: dict[str, RememberedCheckpoint] = {}
    if memory is not None and report.origin:
        records = {r.note: r for r in memory.records(report.origin)}
    items = []
    for finding in forks:
        size = finding.checkpoint
        group = [c for c in report.checkpoints if c.size == size and c.status == "fork"]
        heads = list(dict.fromkeys(base64.b64encode(c.head).decode() for c in group))
        if size == 0:
            heads.append(base64.b64encode(ZERO_HEAD).decode())
            heads = list(dict.fromkeys(heads))
        checkpoints = []
        for c in group:
            item: dict[str, Any] = {
                "head": base64.b64encode(c.head).decode(),
                "time": c.time,
                "source": c.source,
                "remembered": is_remembered(c),
                "signers": [s.to_json() for s in c.signers],
                "note": c.note,
            }
            record = records.get(c.note)
            if record is not None:
                item["first_seen"] = record.first_seen
                item["seen_in"] = record.source
            checkpoints.append(item)
        items.append(
            {
                "size": size,
                "heads": heads,
                "notes": list(dict.fromkeys(finding.evidence)),
                "message": finding.message,
                "checkpoints": checkpoints,
            }
        )
    return {
        "format": "auditviewer-fork-evidence",
        "version": 1,
        "origin": report.origin,
        "written_at": stamp(now()),
        "forks": items,
    }


def write_evidence(report: Report, path: Path, *, memory: CheckpointMemory | None = None) -> bool:
    """Write the fork evidence to ``path`` (atomically, replacing it); False when there is no fork."""
    evidence = fork_evidence(report, memory=memory)
    if evidence is None:
        return False
    body = (
        json.dumps(evidence, ensure_ascii=False, indent=2).encode("utf-8", "surrogatepass") + b"\n"
    )
    write_file(Path(path), body)
    return True


__all__ = ["fork_evidence", "write_evidence"]
