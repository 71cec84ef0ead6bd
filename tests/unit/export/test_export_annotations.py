"""Annotations travel with exports (issue 14, spec §5): a slice carries its entries' annotations
as an ``annotations`` file outside the proof; CSV and Parquet get ``tags`` and ``note`` columns."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from auditviewer.casework.annotations import STAR, AnnotationStore, parse_annotations
from auditviewer.cli import main
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    key = signer()
    folder = write_bundle(tmp_path / "a", [make_entry(i) for i in range(10)], checkpoint_sizes=[5, 10], key=key)
    assert main(["notes", "add", str(folder), "--seq", "2", "--seq", "7", "--tag", "exfil", "--star", "--note", "=cmd|' /c calc'!A0"]) == 0
    assert main(["notes", "add", str(folder), "--seq", "8", "--tag", "other"]) == 0
    capsys.readouterr()
    return str(folder), key.verifier_string


def test_a_slice_carries_the_annotations_of_its_entries(bundle: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, key = bundle
    out = tmp_path / "slice.zip"
    assert main(["export", folder, "-q", "seq:0..7", "--out", str(out), "--notes", "--trust", key]) == 0
    with zipfile.ZipFile(out) as z:
        names = {n.split("/", 1)[1]: n for n in z.namelist()}
        manifest = json.loads(z.read(names["manifest.json"]))
        listed = {f["path"]: f for f in manifest["files"]}
        assert listed["annotations.jsonl"]["role"] == "annotations"
        carried = parse_annotations(z.read(names["annotations.jsonl"]), label="annotations.jsonl")
    assert [(a.seq, a.tags, a.author) for a in carried] == [(2, ("exfil", STAR), "hana"), (7, ("exfil", STAR), "hana")]
    capsys.readouterr()
    # It verifies exactly as a slice without them does: the annotations are outside the proof.
    plain = tmp_path / "plain.zip"
    assert main(["export", folder, "-q", "seq:0..7", "--out", str(plain), "--trust", key]) == 0
    capsys.readouterr()
    assert main(["verify", str(out), "--trust", key, "--json"]) == 0
    with_notes = json.loads(capsys.readouterr().out)
    assert main(["verify", str(plain), "--trust", key, "--json"]) == 0
    without = json.loads(capsys.readouterr().out)
    assert with_notes["status"] == without["status"] == "verified"
    assert (with_notes["entries"], with_notes["verified_entries"], with_notes["findings"]) == (
        without["entries"], without["verified_entries"], without["findings"]
    )


def test_a_changed_annotations_file_is_a_file_finding_not_tampering(bundle: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, key = bundle
    out = tmp_path / "slice"
    assert main(["export", folder, "--out", str(out), "--notes", "--trust", key]) == 0
    notes = out / "annotations.jsonl"
    notes.write_bytes(notes.read_bytes().replace(b"exfil", b"benign"))
    capsys.readouterr()
    main(["verify", str(out), "--trust", key, "--json"])
    report = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in report["findings"]}
    assert "file_hash_mismatch" in kinds
    assert not kinds & {"leaf_mismatch", "head_mismatch", "entry_hash_mismatch", "modified_entry"}
    assert report["verified_entries"] == report["entries"] == 10  # the log's entries still proven


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_plain_exports_get_tags_and_note_columns(bundle: tuple[str, str], tmp_path: Path, suffix: str) -> None:
    folder, key = bundle
    assert main(["notes", "add", folder, "--seq", "3", "--tag", "=SUM(A1)"]) == 0
    out = tmp_path / f"plain{suffix}"
    assert main(["export", folder, "-q", "seq:1..3", "--out", str(out), "--notes", "--trust", key]) == 0
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        cells = [(r["seq"], r["tags"], r["note"]) for r in rows]
        # A cell that would start a formula is neutralised like every other cell ('=…).
        assert cells == [("1", "", ""), ("2", "★ exfil", "hana: =cmd|' /c calc'!A0"), ("3", "'=SUM(A1)", "")]
    else:
        table = pq.read_table(out)
        assert table.column("tags").to_pylist() == ["", "★ exfil", "=SUM(A1)"]  # Parquet: the exact text
        assert table.column("note").to_pylist()[1] == "hana: =cmd|' /c calc'!A0"


def test_without_notes_nothing_changes(bundle: tuple[str, str], tmp_path: Path) -> None:
    folder, key = bundle
    out = tmp_path / "plain.csv"
    assert main(["export", folder, "--out", str(out), "--trust", key]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[0].endswith(",entry")
    assert AnnotationStore(ORIGIN).all()  # untouched
