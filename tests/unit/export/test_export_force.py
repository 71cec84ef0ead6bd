"""Issue 11.14: ``export --force`` replaces a file or an earlier export of ours, never another folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "in", [make_entry(i) for i in range(6)], checkpoint_sizes=[6], key=KEY)


def _export(bundle: Path, out: Path, *extra: str) -> int:
    return main(["export", str(bundle), "--out", str(out), "--trust", KEY.verifier_string, *extra])


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_force_refuses_an_unrelated_folder_and_leaves_it_whole(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "documents"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.txt").write_text("years of work")
    (out / "sub" / "data.csv").write_text("1,2")
    before = _tree(out)
    assert _export(bundle, out, "--force") != 0
    err = capsys.readouterr().err
    assert "not an earlier export" in err and str(out) in err and "Traceback" not in err
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "in"]  # no partial left


def test_force_refuses_a_folder_with_a_manifest_but_other_files(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert _export(bundle, out) == 0
    (out / "notes.txt").write_text("mine")
    assert _export(bundle, out, "--force") != 0
    assert (out / "notes.txt").read_text() == "mine"


def test_force_refuses_a_folder_holding_a_link(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert _export(bundle, out) == 0
    (out / "entries" / "elsewhere").symlink_to(tmp_path)
    assert _export(bundle, out, "--force") != 0
    assert (out / "entries" / "elsewhere").is_symlink()


def test_force_refuses_a_folder_whose_manifest_is_not_a_bundles(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"name": "my web app", "files": []}))
    assert _export(bundle, out, "--force") != 0
    assert (out / "manifest.json").exists()


def test_force_replaces_an_earlier_export_a_file_and_an_empty_folder(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    assert _export(bundle, out) == 0
    assert _export(bundle, out, "--force") == 0
    assert (out / "manifest.json").is_file()
    as_file = tmp_path / "slice.jsonl"
    as_file.write_text("old")
    assert _export(bundle, as_file, "--force") == 0
    assert as_file.read_bytes().startswith(b"{")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _export(bundle, empty, "--force", "--format", "bundle") == 0
    assert (empty / "manifest.json").is_file()


def test_a_file_name_over_an_unrelated_folder_is_refused(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "photos.csv"  # a folder that happens to have a file's name
    out.mkdir()
    (out / "a.jpg").write_bytes(b"\xff\xd8")
    assert _export(bundle, out, "--force", "--format", "csv") != 0
    assert (out / "a.jpg").read_bytes() == b"\xff\xd8"
