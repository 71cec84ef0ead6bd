"""One test per safety limit (auditviewer/core/limits.py): exceeding it gives an error or finding
that names the file (and line or row, where there is one) and the limit's field name.

Limits are set low through :class:`Limits` so that each test stays small and fast.
Where a message cannot name the limit yet because the module that owns it is being
reworked elsewhere, the test is an ``xfail(strict=True)`` reproducer that flips once fixed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.core.errors import AuditViewerError, InputError, LimitError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.containers import FolderContainer, ZipContainer
from auditviewer.input.formats.manifest import parse_manifest
from auditviewer.integrity.checkpoints import read_checkpoints
from auditviewer.integrity.notes import NoteError, checkpoint_text, parse_checkpoint, sign_note
from auditviewer.integrity.report import Finding, Report
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import (
    ORIGIN,
    heads_of,
    make_entry,
    refresh_manifest,
    signer,
    write_bundle,
)

KEY = signer(b"limits")


def _bundle(tmp_path: Path, n: int = 5, **kwargs: object) -> Path:
    leaves = [make_entry(i) for i in range(n)]
    return write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[n], key=KEY, **kwargs)  # type: ignore[arg-type]


def _add_file(folder: Path, rel: str, data: bytes, role: str) -> None:
    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
    (folder / rel).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"].append({"path": rel, "role": role, "sha256": "0" * 64, "size": 0})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(folder)


def _replace_entries(folder: Path, rel: str, data: bytes) -> None:
    """Make ``rel`` the bundle's only entries file."""
    (folder / "entries" / "part-00000.jsonl").unlink()
    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
    (folder / rel).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if f["role"] != "entries"]
    manifest["files"].append({"path": rel, "role": "entries", "sha256": "0" * 64, "size": 0})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(folder)


def _zip(folder: Path, target: Path, *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(target, "w", compression=compression) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return target


def _verify(paths: list[Path], limits: Limits = DEFAULT_LIMITS) -> Report:
    workspace = open_workspace(paths, limits=limits)
    try:
        return verify_workspace(workspace, [KEY.verifier])
    finally:
        workspace.close()


def _limit_error(paths: list[Path], limits: Limits) -> LimitError:
    """The LimitError opening and verifying ``paths`` raises; check its ``.reason``, not str()."""
    with pytest.raises(LimitError) as info:
        _verify(paths, limits)
    return info.value


def _reason(finding: Finding) -> str:
    """A finding's message without its ``file:line: `` prefix (tmp paths hold the test's name)."""
    prefix = f"{finding.file}:{finding.line}: " if finding.file else ""
    assert finding.message.startswith(prefix)
    return finding.message[len(prefix) :]


def _finding(report: Report, kind: str, needle: str) -> Finding:
    for finding in report.findings:
        if finding.kind == kind and needle in _reason(finding):
            return finding
    raise AssertionError(
        f"no {kind} finding with {needle!r}: {[f.message for f in report.findings]}"
    )


# -- max_entry_bytes ------------------------------------------------------------


def _oversized_entry_bundle(tmp_path: Path) -> tuple[Path, Limits]:
    leaves = [make_entry(i) for i in range(5)]
    lines = list(leaves)
    lines[2] = make_entry(2, metadata={"blob": "x" * 5000})
    folder = write_bundle(
        tmp_path / "bundle", leaves, checkpoint_sizes=[5], key=KEY, entry_lines=lines
    )
    return folder, Limits(max_entry_bytes=4096)


def test_max_entry_bytes_finding_names_file_and_line(tmp_path: Path) -> None:
    folder, limits = _oversized_entry_bundle(tmp_path)
    report = _verify([folder], limits)
    finding = _finding(report, "malformed_entry", "4096-byte limit")
    assert finding.file == str(folder / "entries" / "part-00000.jsonl")
    assert finding.line == 3
    assert finding.message.startswith(f"{folder / 'entries' / 'part-00000.jsonl'}:3: ")
    assert report.status == "failed"


def test_max_entry_bytes_finding_names_the_limit(tmp_path: Path) -> None:
    folder, limits = _oversized_entry_bundle(tmp_path)
    finding = _finding(_verify([folder], limits), "malformed_entry", "limit")
    assert "max_entry_bytes" in _reason(finding)


def test_max_entry_bytes_applies_to_plain_json_records(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    rows = [{"event_type": "Organization User Add", "metadata": {"n": i}} for i in range(3)]
    rows[1]["metadata"] = {"blob": "y" * 5000}
    path.write_text(json.dumps(rows))
    report = _verify([path], Limits(max_entry_bytes=4096))
    finding = _finding(report, "malformed_entry", "max_entry_bytes")
    assert finding.file == str(path)
    assert finding.line == 2
    assert report.entries == 2


# -- max_zip_members ------------------------------------------------------------


def test_max_zip_members_zip(tmp_path: Path) -> None:
    archive = _zip(_bundle(tmp_path), tmp_path / "b.zip")
    error = _limit_error([archive], Limits(max_zip_members=2))
    assert error.path == str(archive)
    assert "max_zip_members" in error.reason


def test_max_zip_members_folder(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    error = _limit_error([folder], Limits(max_zip_members=2))
    assert error.path == str(folder)
    assert "max_zip_members" in error.reason


# -- max_file_bytes -------------------------------------------------------------


def test_max_file_bytes_zip_member(tmp_path: Path) -> None:
    archive = _zip(_bundle(tmp_path, n=40), tmp_path / "b.zip")
    error = _limit_error([archive], Limits(max_file_bytes=4000))
    assert error.path == str(archive)
    assert "entries/part-00000.jsonl" in error.reason
    assert "max_file_bytes" in error.reason


def test_max_file_bytes_gzip_stream(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, n=60)
    body = (folder / "entries" / "part-00000.jsonl").read_bytes()
    _replace_entries(folder, "entries/part-00000.jsonl.gz", gzip.compress(body))
    error = _limit_error([folder], Limits(max_file_bytes=len(body) // 2))
    assert error.path == str(folder / "entries" / "part-00000.jsonl.gz")
    assert "max_file_bytes" in error.reason


# -- max_total_bytes ------------------------------------------------------------


def test_max_total_bytes_folder(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, n=20)
    error = _limit_error([folder], Limits(max_total_bytes=2000))
    assert error.path == str(folder)
    assert "max_total_bytes" in error.reason


def test_max_total_bytes_zip(tmp_path: Path) -> None:
    archive = _zip(_bundle(tmp_path, n=20), tmp_path / "b.zip")
    error = _limit_error([archive], Limits(max_total_bytes=2000))
    assert error.path == str(archive)
    assert "max_total_bytes" in error.reason


@pytest.mark.parametrize("packed", ["folder", "zip"])
def test_max_total_bytes_counts_what_gzip_members_inflate_to(tmp_path: Path, packed: str) -> None:
    folder = _bundle(tmp_path, n=200)
    body = (folder / "entries" / "part-00000.jsonl").read_bytes()
    _replace_entries(folder, "entries/part-00000.jsonl.gz", gzip.compress(body, compresslevel=9))
    stored = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    limits = Limits(max_total_bytes=stored + len(body) // 2)
    path = (
        folder
        if packed == "folder"
        else _zip(folder, tmp_path / "b.zip", compression=zipfile.ZIP_STORED)
    )
    error = _limit_error([path], limits)  # the stored files fit; inflated, they do not
    assert error.path == str(path)
    assert "max_total_bytes" in error.reason


def test_max_total_bytes_rereading_a_gzip_member_is_not_charged_twice(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, n=200)
    body = (folder / "entries" / "part-00000.jsonl").read_bytes()
    _replace_entries(folder, "entries/part-00000.jsonl.gz", gzip.compress(body))
    stored = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    workspace = open_workspace([folder], limits=Limits(max_total_bytes=stored + len(body)))
    try:
        for _ in range(3):
            assert verify_workspace(workspace, [KEY.verifier]).status == "verified"
    finally:
        workspace.close()


# -- max_compression_ratio ------------------------------------------------------


def test_max_compression_ratio_zip_member(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", "{}")
        z.writestr("entries.jsonl", b"\0" * 200_000)
    with pytest.raises(LimitError) as info:
        ZipContainer(archive, limits=Limits(ratio_grace_bytes=1000, max_compression_ratio=20))
    assert info.value.path == str(archive)
    assert "entries.jsonl" in info.value.reason
    assert "max_compression_ratio" in info.value.reason


def test_max_compression_ratio_gzip_stream(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    _replace_entries(folder, "entries/part-00000.jsonl.gz", gzip.compress(b"\n" * 400_000))
    error = _limit_error([folder], Limits(ratio_grace_bytes=1000, max_compression_ratio=20))
    assert error.path == str(folder / "entries" / "part-00000.jsonl.gz")
    assert "max_compression_ratio" in error.reason


# -- max_in_memory_member_bytes -------------------------------------------------


def test_max_in_memory_member_bytes_parquet_in_zip(tmp_path: Path) -> None:
    folder = _bundle(tmp_path, n=50)
    leaves = [make_entry(i) for i in range(50)]
    buffer = io.BytesIO()
    pq.write_table(pa.table({"seq": pa.array(range(50), pa.int64()), "entry": leaves}), buffer)
    _replace_entries(folder, "entries/part-00000.parquet", buffer.getvalue())
    archive = _zip(folder, tmp_path / "b.zip")
    limit = len(buffer.getvalue()) - 1
    assert limit > (folder / "manifest.json").stat().st_size
    error = _limit_error([archive], Limits(max_in_memory_member_bytes=limit))
    assert error.path == f"{archive}!entries/part-00000.parquet"
    assert "max_in_memory_member_bytes" in error.reason


def test_max_in_memory_member_bytes_plain_json_document(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"event_type": "Organization User Add", "metadata": {}}] * 200))
    error = _limit_error([path], Limits(max_in_memory_member_bytes=1000))
    assert error.path == str(path)
    assert "max_in_memory_member_bytes" in error.reason


# -- max_checkpoints ------------------------------------------------------------


def test_max_checkpoints(tmp_path: Path) -> None:
    leaves = [make_entry(i) for i in range(6)]
    folder = write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[1, 2, 3, 4, 5, 6], key=KEY)
    error = _limit_error([folder], Limits(max_checkpoints=5))
    assert error.path == str(folder / "checkpoints.jsonl")
    assert "max_checkpoints" in error.reason


# -- max_note_bytes -------------------------------------------------------------


def _note(size: int = 3, extra_lines: int = 0, signatures: int = 1) -> str:
    leaves = [make_entry(i) for i in range(size)]
    text = checkpoint_text(ORIGIN, size, heads_of(leaves)[-1], "2026-10-01T00:00:00Z")
    text += "".join(f"extra {i}\n" for i in range(extra_lines))
    note = sign_note(text, KEY.name, KEY.key)
    sig_line = note.rsplit("\n\n", 1)[1]
    return note + sig_line * (signatures - 1)


def test_max_note_bytes_finding_names_file_line_and_limit(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    good = (folder / "checkpoints.jsonl").read_text()
    big = json.dumps({"note": _note(5, extra_lines=200)})
    (folder / "checkpoints.jsonl").write_text(good + big + "\n")
    refresh_manifest(folder)
    report = _verify([folder], Limits(max_note_bytes=2048))
    finding = _finding(report, "malformed_checkpoint", "max_note_bytes")
    assert finding.file == str(folder / "checkpoints.jsonl")
    assert finding.line == 2


def test_max_note_bytes_over_long_line(tmp_path: Path) -> None:
    data = b'{"note": "' + b"a" * 5000 + b'"}\n'
    (line,) = read_checkpoints(data, label="cp.jsonl", limits=Limits(max_note_bytes=1000))
    assert line.checkpoint is None
    assert (line.source, line.line) == ("cp.jsonl", 1)
    assert "max_note_bytes" in (line.problem or "")


def test_max_note_bytes_governs_parse_checkpoint() -> None:
    note = _note(extra_lines=40)
    assert parse_checkpoint(note).size == 3  # under the default 64 KiB
    with pytest.raises(NoteError, match="max_note_bytes"):
        parse_checkpoint(note, limits=Limits(max_note_bytes=len(note) - 1))
    assert DEFAULT_LIMITS.max_note_bytes == 64 * 1024


# -- max_signatures -------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 16, 100])
def test_max_signatures_accepts_at_least_16_and_up_to_100(count: int) -> None:
    assert len(parse_checkpoint(_note(signatures=count)).signatures) == count


def test_max_signatures_refuses_more_than_100() -> None:
    with pytest.raises(NoteError, match=r"more than 100 signatures \(limit max_signatures\)"):
        parse_checkpoint(_note(signatures=101))


def test_max_signatures_is_governed_by_limits() -> None:
    note = _note(signatures=30)
    with pytest.raises(NoteError, match="max_signatures"):
        parse_checkpoint(note, limits=Limits(max_signatures=20))
    data = (json.dumps({"note": note}) + "\n").encode()
    (line,) = read_checkpoints(data, label="cp.jsonl", limits=Limits(max_signatures=20))
    assert line.line == 1 and "max_signatures" in (line.problem or "")
    many = _note(signatures=150)
    assert len(parse_checkpoint(many, limits=Limits(max_signatures=200)).signatures) == 150


def test_note_errors_are_domain_errors() -> None:
    with pytest.raises(AuditViewerError):
        parse_checkpoint("x\n\n— a \ud800\n")


# -- max_json_depth -------------------------------------------------------------


def _deep_entry_bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(5)]
    lines = list(leaves)
    deep: object = "bottom"
    for _ in range(80):
        deep = {"d": deep}
    lines[3] = make_entry(3, metadata={"deep": deep})
    return write_bundle(
        tmp_path / "bundle", leaves, checkpoint_sizes=[5], key=KEY, entry_lines=lines
    )


def test_max_json_depth_entry_finding_names_file_and_line(tmp_path: Path) -> None:
    folder = _deep_entry_bundle(tmp_path)
    finding = _finding(_verify([folder]), "malformed_entry", "nested deeper than 64")
    assert finding.file == str(folder / "entries" / "part-00000.jsonl")
    assert finding.line == 4


def test_max_json_depth_entry_finding_names_the_limit(tmp_path: Path) -> None:
    finding = _finding(_verify([_deep_entry_bundle(tmp_path)]), "malformed_entry", "nested")
    assert "max_json_depth" in _reason(finding)


def test_max_json_depth_plain_json_record(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    path.write_text(
        json.dumps(
            [{"event_type": "A B", "metadata": {}}, {"event_type": "A B", "metadata": {"x": deep}}]
        )
    )
    finding = _finding(_verify([path]), "malformed_entry", "max_json_depth")
    assert finding.file == str(path)
    assert finding.line == 2


@pytest.mark.parametrize("depth", [100, 100_000])
def test_max_json_depth_manifest(depth: int) -> None:
    manifest = {"format": "audit-bundle", "version": 1, "origin": "o", "files": []}
    text = json.dumps(manifest)[:-1] + ', "organization": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(InputError) as info:
        parse_manifest(text.encode(), label="b/manifest.json")
    assert "max_json_depth" in info.value.reason
    assert info.value.path == "b/manifest.json"


# -- max_manifest_bytes ---------------------------------------------------------


def test_max_manifest_bytes(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    error = _limit_error([folder], Limits(max_manifest_bytes=150))
    assert error.path == str(folder / "manifest.json")
    assert "max_manifest_bytes" in error.reason


def test_max_manifest_bytes_in_parse_manifest() -> None:
    with pytest.raises(InputError, match="max_manifest_bytes"):
        parse_manifest(b" " * 200, label="m.json", limits=Limits(max_manifest_bytes=100))


# -- max_proof_rows -------------------------------------------------------------


def _proof_bundle(tmp_path: Path, rows: int) -> Path:
    folder = _bundle(tmp_path)
    buffer = io.BytesIO()
    hashes = [hashlib.sha256(bytes([i])).digest() for i in range(rows)]
    pq.write_table(
        pa.table({"seq": pa.array(range(100, 100 + rows), pa.int64()), "leaf_hash": hashes}), buffer
    )
    _add_file(folder, "proof.parquet", buffer.getvalue(), "proof")
    return folder


def test_max_proof_rows_refuses_and_names_file(tmp_path: Path) -> None:
    folder = _proof_bundle(tmp_path, rows=10)
    with pytest.raises(InputError) as info:
        open_workspace([folder], limits=Limits(max_proof_rows=5))
    assert info.value.path == str(folder / "proof.parquet")


def test_max_proof_rows_is_a_limit_error_naming_the_limit(tmp_path: Path) -> None:
    folder = _proof_bundle(tmp_path, rows=10)
    with pytest.raises(LimitError) as info:
        open_workspace([folder], limits=Limits(max_proof_rows=5))
    assert "max_proof_rows" in info.value.reason


# -- symlinks -------------------------------------------------------------------


def test_symlink_out_of_the_bundle_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(make_entry(99) + b"\n")
    os.symlink(outside, folder / "entries" / "extra.jsonl")
    with pytest.raises(InputError) as info:
        open_workspace([folder])
    assert "symlink points outside the bundle" in info.value.reason
    assert info.value.path == str(folder / "entries" / "extra.jsonl")


def test_symlinked_directory_out_of_the_bundle_is_refused(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "more")
    with pytest.raises(InputError, match="symlink points outside"):
        FolderContainer(folder)


def test_symlink_loop_is_refused_not_a_crash(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    os.symlink(folder / "a", folder / "b")
    os.symlink(folder / "b", folder / "a")
    with pytest.raises(InputError, match="symlink cannot be resolved") as info:
        open_workspace([folder])
    assert info.value.path in {str(folder / "a"), str(folder / "b")}


def test_max_checkpoints_is_checked_before_splitting_lines() -> None:
    data = b"\n" * (4 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(LimitError) as info:
            read_checkpoints(data, label="b/checkpoints.jsonl", limits=Limits(max_checkpoints=1000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.path == "b/checkpoints.jsonl"
    assert "max_checkpoints" in info.value.reason
    assert peak < 1 << 20  # a list of 4 Mi empty lines would be 32 MiB


def test_max_zip_members_is_checked_before_reading_the_central_directory(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(5000):
            z.writestr(str(i), b"")
    tracemalloc.start()
    try:
        with pytest.raises(LimitError) as info:
            ZipContainer(archive, limits=Limits(max_zip_members=100))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.path == str(archive)
    assert "max_zip_members" in info.value.reason
    assert peak < 512 << 10  # 5000 ZipInfo objects would be a few MiB


def test_max_signatures_a_note_costs_few_ed25519_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """100 copies of one valid line, or 100 distinct bad ones, are not 100 checks each."""
    import auditviewer.integrity.notes as notes

    calls = []
    real = notes.VerifyKey

    class Counting(real):  # type: ignore[misc, valid-type]
        def verify(self, *args: object, **kwargs: object) -> object:
            calls.append(1)
            return super().verify(*args, **kwargs)

    monkeypatch.setattr(notes, "VerifyKey", Counting)
    trusted = {(KEY.name, KEY.verifier.key_id): KEY.verifier}
    copies = parse_checkpoint(_note(signatures=100))
    results = notes.check_signatures(copies.text, copies.signatures, trusted)
    assert [r.valid for r in results] == [True] * 100
    assert len(calls) == 1

    calls.clear()
    good = _note()
    text, sig_line = good.rsplit("\n\n", 1)
    name, blob = sig_line[2:].strip().split(" ")
    raw = bytearray(base64.b64decode(blob))
    bad_lines = []
    for i in range(99):
        raw[10] = i
        bad_lines.append(f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n")
    bad = parse_checkpoint(text + "\n\n" + "".join(bad_lines) + sig_line)
    results = notes.check_signatures(bad.text, bad.signatures, trusted)
    assert results[0].valid is False and all(r.valid is None for r in results[1:])
    assert len(calls) == 1


def test_zip_with_two_members_of_one_name_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "twice.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(archive, "w") as z:
        warnings.simplefilter("ignore")
        z.writestr("manifest.json", "{}")
        z.writestr("manifest.json", "{ }")
    with pytest.raises(InputError) as info:
        ZipContainer(archive)
    assert info.value.path == str(archive)
    assert "two members named 'manifest.json'" in info.value.reason


def test_fifo_given_as_input_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "export.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        open_workspace([fifo])
    assert info.value.path == str(fifo)
    assert "not a regular file" in info.value.reason


def test_csv_row_over_the_csv_field_limit_is_one_problem_not_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    big = "x" * 200_000  # over the csv module's 128 KiB field limit
    path.write_text(
        "timestamp,event_type,metadata\n"
        "2026-09-01T00:00:00Z,A B,{}\n"
        f'2026-09-02T00:00:00Z,A B,"{big}"\n'
        "2026-09-03T00:00:00Z,A B,{}\n"
    )
    report = _verify([path])
    assert report.entries == 2
    finding = _finding(report, "malformed_entry", "field limit")
    assert finding.file == str(path)
