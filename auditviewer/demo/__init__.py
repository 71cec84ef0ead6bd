"""Realistic signed sample bundles and the demo bundle the viewer opens with no input.

- :mod:`.world` — the organization, titles, deployments, builders and people a log describes;
- :mod:`.events` — the event makers (one per kind of event, named for it) and their weights;
- :mod:`.entries` — the entry stream: entries in order as canonical JSON lines, fast;
- :mod:`.writer` — keys, checkpoints, manifest, the bundle written atomically; the demo.

The names callers use are here: ``from auditviewer.demo import write_sample_bundle``.
Importing this package imports nacl (the writer signs); code that only needs to
recognise the demo's origin uses ``auditviewer.core.domain.DEMO_ORIGIN``.
"""

from __future__ import annotations

from auditviewer.core.domain import ACTIONS, CATEGORIES
from auditviewer.demo.writer import (
    DEFAULT_EXPORTED_AT,
    DEFAULT_ORIGIN,
    SampleResult,
    demo_bundle_path,
    demo_verifier_key,
    sample_origin,
    sample_signing_key,
    sample_verifier_key,
    write_sample_bundle,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "DEFAULT_EXPORTED_AT",
    "DEFAULT_ORIGIN",
    "SampleResult",
    "demo_bundle_path",
    "demo_verifier_key",
    "sample_origin",
    "sample_signing_key",
    "sample_verifier_key",
    "write_sample_bundle",
]
