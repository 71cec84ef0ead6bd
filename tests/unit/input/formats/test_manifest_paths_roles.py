"""Issue 11.17 and spec §5 annotations: manifest paths and roles.

A manifest path that is not normal is one clear finding naming the path, never
"not listed" plus "listed but absent" for one file. An ``annotations`` file is
checked only against its manifest hash (a mismatch is ``file_hash_mismatch``)
and is never read as entries; a role this reader does not know refuses the
manifest with a clear error.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer(b"manifest-paths")


def _bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "b", [make_entry(i) for i in range(5)], checkpoint_sizes=[5], key=KEY)


def _edit_manifest(folder: Path, edit: object) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    assert callable(edit)
    edit(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _verify(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["verify", str(folder), "--trust", KEY.verifier_string, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "listed",
    [
        "./entries/part-00000.jsonl",
        "entries//part-00000.jsonl",
        "entries/part-00000.jsonl/",
        "entries/../entries/part-00000.jsonl",
        "/entries/part-00000.jsonl",
        "entries\\part-00000.jsonl",
        "entries/./part-00000.jsonl",
    ],
)
def test_a_non_normal_path_is_one_clear_finding(tmp_path: Path, listed: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _bundle(tmp_path)

    def edit(manifest: dict[str, list[dict[str, object]]]) -> None:
        manifest["files"][0]["path"] = listed

    _edit_manifest(folder, edit)
    code, report = _verify(folder, capsys)
    findings = report["findings"]
    assert isinstance(findings, list)
    about_file = [f for f in findings if "part-00000" in f["message"]]
    assert len(about_file) == 1, findings
    (finding,) = about_file
    assert finding["kind"] == "missing_file"
    assert "not a normal path" in finding["message"]
    assert "unlisted_file" not in {f["kind"] for f in findings}
    assert code == 1 and report["status"] == "failed"


def _add_annotations(folder: Path, body: bytes, *, listed_body: bytes | None = None) -> None:
    (folder / "annotations.jsonl").write_bytes(body)
    listed = body if listed_body is None else listed_body

    def edit(manifest: dict[str, list[dict[str, object]]]) -> None:
        manifest["files"].append(
            {
                "path": "annotations.jsonl",
                "role": "annotations",
                "sha256": hashlib.sha256(listed).hexdigest(),
                "size": len(listed),
            }
        )

    _edit_manifest(folder, edit)


ANNOTATION = json.dumps(
    {"seq": 2, "leaf_hash": "00" * 32, "tags": ["suspicious"], "note": "check this", "author": "ana", "time": "2026-11-21T09:00:00Z"}
).encode() + b"\n"


def test_a_valid_annotations_file_verifies_exactly_as_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _bundle(tmp_path)
    code_plain, report_plain = _verify(folder, capsys)
    # Not entries (no id, time, ...): read as entries it would be malformed_entry.
    _add_annotations(folder, ANNOTATION + b"not JSON at all\n")
    code, report = _verify(folder, capsys)
    assert (code, report) == (code_plain, report_plain)
    assert report["status"] == "verified" and report["verified_entries"] == 5


def test_tampered_annotations_are_a_file_finding_not_chain_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _bundle(tmp_path)
    _add_annotations(folder, ANNOTATION.replace(b"check this", b"all fine"), listed_body=ANNOTATION)
    code, report = _verify(folder, capsys)
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [f["kind"] for f in findings] == ["file_hash_mismatch"]
    assert findings[0]["file"].endswith("annotations.jsonl")
    assert report["status"] == "failed" and code == 1  # §7: file_hash_mismatch is a failure
    assert report["verified_entries"] == 5  # the entries themselves still verify: no chain finding


def test_an_unknown_role_refuses_the_manifest_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _bundle(tmp_path)

    def edit(manifest: dict[str, list[dict[str, object]]]) -> None:
        manifest["files"][0]["role"] = "entries-v2"

    _edit_manifest(folder, edit)
    code, report = _verify(folder, capsys)
    assert code == 2 and report["status"] == "error"
    assert "manifest.json" in str(report["error"]) and '"entries-v2"' in str(report["error"])
