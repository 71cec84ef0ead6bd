"""The conformance vectors (a copy of ``/work/shared/vectors``) and the key that signs them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditviewer.integrity.report import Report

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "data"
TRUSTED_KEYS = VECTORS / "trusted.keys"
#: The verifier key of the vectors' origin (the one line of ``trusted.keys``).
VECTOR_KEY = (
    "audit.heroiclabs.example/org/acme-games+712495bc+AY+gnFtM15bABLz0XJHj2ZzhZwEMVI59VpqhpvlrRNuy"
)


def verify_vector(name: str, *, trust: bool = True) -> tuple[Report, list[str]]:
    """The core's report on one spec vector (what the viewer's loader computes), and the
    manifest's key hints."""
    from auditviewer.integrity.keys import parse_verifier_key
    from auditviewer.integrity.leaves import LeafCollector
    from auditviewer.integrity.verify import verify
    from auditviewer.workspace.inputs import open_workspace

    ws = open_workspace([VECTORS / name])
    try:
        collector = LeafCollector()
        for batch in ws.iter_batches():
            collector.add_batch(batch)
        for label, pairs in ws.proofs:
            collector.add_proof(pairs, source=label)
        keys = [parse_verifier_key(VECTOR_KEY)] if trust else []
        report = verify(
            collector,
            ws.checkpoint_lines,
            keys,
            origin=ws.origin,
            extra_findings=ws.findings,
            has_integrity_data=ws.has_integrity_data,
        )
        hints = [k for m in ws.manifests for k in m.keys]
        return report, hints
    finally:
        ws.close()
