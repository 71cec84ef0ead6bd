"""pytest-qt fixtures: isolated settings, the demo-like sample workspace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own QSettings file and trust store."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    monkeypatch.setenv("AUDITVIEWER_TRUST_STORE", str(tmp_path / "trusted.keys"))
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(tmp_path / "data"))
    yield


# The offscreen platform plugin (CI, tests) warns about a capability it lacks;
# that is the platform's limitation, not a fault of ours.
_PLATFORM_NOISE = (r"This plugin does not support propagateSizeHints\(\)",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/ui/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*_PLATFORM_NOISE))


VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "data"
VECTOR_KEY = (
    "audit.heroiclabs.example/org/acme-games+712495bc+AY+gnFtM15bABLz0XJHj2ZzhZwEMVI59VpqhpvlrRNuy"
)


def verify_vector(name: str, *, trust: bool = True):  # type: ignore[no-untyped-def]
    """The core's report on one spec vector (what the viewer's loader computes)."""
    from auditviewer.integrity.keys import parse_verifier_key
    from auditviewer.integrity.verify import LeafCollector, verify
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
