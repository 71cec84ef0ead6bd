"""Workspaces: several inputs, plain exports, and files that fail while being read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.core.errors import InputError
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import make_entry, refresh_manifest, signer, write_bundle

KEY = signer()


def _two_file_bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(20)]
    folder = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[10, 20], key=KEY)
    entries = folder / "entries"
    (entries / "part-00000.jsonl").write_bytes(b"".join(x + b"\n" for x in leaves[:10]))
    (entries / "part-00001.jsonl").write_bytes(b"".join(x + b"\n" for x in leaves[10:]))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"].append(dict(manifest["files"][0], path="entries/part-00001.jsonl"))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(folder)
    return folder


def test_two_entry_files_verify_together(tmp_path: Path) -> None:
    workspace = open_workspace([_two_file_bundle(tmp_path)])
    report = verify_workspace(workspace, [KEY.verifier])
    assert report.status == "verified" and report.entries == 20


def test_file_vanishing_mid_load_keeps_the_rest_when_tolerated(tmp_path: Path) -> None:
    folder = _two_file_bundle(tmp_path)
    workspace = open_workspace([folder])
    workspace.tolerate_file_errors = True
    seen = []

    def on_batch(batch: object) -> None:
        seen.append(batch)
        # The second file disappears after the first has been read.
        (folder / "entries" / "part-00001.jsonl").unlink(missing_ok=True)

    report = verify_workspace(workspace, [KEY.verifier], on_batch=on_batch)
    assert len(workspace.file_errors) == 1
    assert "part-00001.jsonl" in str(workspace.file_errors[0])
    assert report.entries == 10
    assert report.verified_entries == 10
    assert report.status == "failed"  # a listed file could not be read
    assert any(f.kind == "missing_file" and "part-00001" in (f.file or "") for f in report.findings)


def test_file_vanishing_mid_load_is_an_error_for_the_command_line(tmp_path: Path) -> None:
    folder = _two_file_bundle(tmp_path)
    workspace = open_workspace([folder])

    def on_batch(batch: object) -> None:
        (folder / "entries" / "part-00001.jsonl").unlink(missing_ok=True)

    with pytest.raises(InputError, match=r"part-00001\.jsonl"):
        verify_workspace(workspace, [KEY.verifier], on_batch=on_batch)


def test_folder_without_manifest_or_entries_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    with pytest.raises(InputError, match=r"no manifest\.json"):
        open_workspace([tmp_path / "empty"])


def test_unsupported_manifest_version_is_an_error(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "b", [make_entry(0)], checkpoint_sizes=[1], key=KEY)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["version"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="version 2 is not supported"):
        open_workspace([folder])


def test_unlisted_and_missing_files_are_reported(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "b", [make_entry(0)], checkpoint_sizes=[1], key=KEY)
    (folder / "extra.jsonl").write_bytes(make_entry(5) + b"\n")
    (folder / "checkpoints.jsonl").unlink()
    report = verify_workspace(open_workspace([folder]), [KEY.verifier])
    kinds = {f.kind for f in report.findings}
    assert {"unlisted_file", "missing_file"} <= kinds
    assert report.entries == 1  # the unlisted file was not read


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv"])
def test_plain_exports_in_the_entry_shape_keep_their_bytes(tmp_path: Path, suffix: str) -> None:
    leaves = [make_entry(i) for i in range(3)]
    path = tmp_path / f"plain{suffix}"
    if suffix == ".json":
        path.write_text("[" + ",".join(x.decode() for x in leaves) + "]")
    elif suffix == ".jsonl":
        path.write_bytes(b"".join(x + b"\n" for x in leaves))
    else:
        import csv

        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["seq", "entry"])
            for i, leaf in enumerate(leaves):
                writer.writerow([i, leaf.decode()])
    workspace = open_workspace([path])
    batches = list(workspace.iter_batches())
    assert [leaf for b in batches for leaf in b.table.column("leaf").to_pylist()] == leaves
    report = verify_workspace(open_workspace([path]), [])
    assert report.status == "incomplete"
    assert [f.kind for f in report.findings] == ["no_integrity_data"]


def test_dashboard_shape_is_shown_in_entry_columns(vectors: Path) -> None:
    workspace = open_workspace([vectors / "dashboard-export.json"])
    first = next(iter(workspace.iter_batches()))
    entry = json.loads(first.table.column("leaf")[1].as_py())
    assert (entry["category"], entry["action"]) == ("Nakama Deployment", "Update")
    assert entry["actor"]["email"] == "hana@acme-games.example"
    assert entry["resource"]["name"] == "dragon-staging-10"
    assert entry["time"] == "2026-08-10T01:14:41.087Z"


def test_the_workspace_limits_reach_the_manifest(tmp_path: Path) -> None:
    from auditviewer.core.errors import InputError as Error
    from auditviewer.core.limits import Limits

    folder = write_bundle(tmp_path / "b", [make_entry(0)], checkpoint_sizes=[1], key=KEY)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["organization"] = {"a": {"b": {"c": {"d": {}}}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    open_workspace([folder]).close()  # fine under the default depth
    with pytest.raises(Error, match="max_json_depth"):
        open_workspace([folder], limits=Limits(max_json_depth=3))


def test_known_entry_count_comes_from_parquet_footers_only(tmp_path: Path) -> None:
    """Progress counts entries of a known total: Parquet footers know it; JSONL does not."""
    from auditviewer.demo import write_sample_bundle

    parquet = write_sample_bundle(tmp_path / "p", entries=1500, fmt="parquet").path
    jsonl = write_sample_bundle(tmp_path / "j", entries=1500).path
    ws = open_workspace([parquet])
    try:
        assert ws.known_entry_count() == 1500
    finally:
        ws.close()
    ws = open_workspace([parquet, tmp_path / "j"])
    try:
        assert ws.known_entry_count() is None  # one file without a footer: not known
    finally:
        ws.close()
    ws = open_workspace([jsonl])
    try:
        assert ws.known_entry_count() is None
    finally:
        ws.close()
