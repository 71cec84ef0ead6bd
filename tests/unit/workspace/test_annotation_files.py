"""A bundle's ``annotations`` file (spec §5) is kept for the viewer only when its manifest hash
holds; else it is a file finding and nothing of it is shown."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from auditviewer.workspace.inputs import open_workspace
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

LINE = b'{"seq":1,"leaf_hash":"' + b"a" * 64 + b'","tags":["x"],"note":"","author":"hana","time":"2026-01-01T00:00:00.000Z"}\n'


def _with_annotations(tmp_path: Path, data: bytes, listed: bytes) -> Path:
    folder = write_bundle(tmp_path / "b", [make_entry(i) for i in range(3)], checkpoint_sizes=[3], key=signer())
    (folder / "annotations.jsonl").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"].append(
        {"path": "annotations.jsonl", "role": "annotations", "sha256": hashlib.sha256(listed).hexdigest(), "size": len(listed)}
    )
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_kept_when_the_hash_holds(tmp_path: Path) -> None:
    workspace = open_workspace([_with_annotations(tmp_path, LINE, LINE)])
    try:
        assert [(label.endswith("annotations.jsonl"), data) for label, data in workspace.annotation_files] == [(True, LINE)]
        assert not workspace.findings
    finally:
        workspace.close()


def test_a_changed_file_is_a_finding_and_not_kept(tmp_path: Path) -> None:
    workspace = open_workspace([_with_annotations(tmp_path, LINE.replace(b'"x"', b'"y"'), LINE)])
    try:
        assert workspace.annotation_files == []
        assert [f.kind for f in workspace.findings] == ["file_hash_mismatch"]
        assert "not part of the signed log" in workspace.findings[0].message
    finally:
        workspace.close()
