"""Reproducers of the bugs fuzzing found (docs/fuzzing.md), one test each, kept small and fast.

Fixed ones pass; ones in modules owned elsewhere are ``xfail(strict=True)`` and flip when fixed.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.core.errors import AuditViewerError, InputError, QueryError
from auditviewer.input.formats.manifest import parse_manifest
from auditviewer.integrity.notes import NoteError, parse_checkpoint
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.verification import verify_workspace
from tests.fuzz.targets import CHECKPOINTS, ENTRIES_JSONL, KEY, MANIFEST


def _verify(path: Path) -> Report:
    workspace = open_workspace([path])
    try:
        return verify_workspace(workspace, [KEY.verifier])
    finally:
        workspace.close()


def test_zip_member_with_a_bad_crc_is_an_input_error_naming_it(tmp_path: Path) -> None:
    # Was: zipfile.BadZipFile escaping from the entries reader.
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", MANIFEST)
        archive.writestr("entries/part-00000.jsonl", ENTRIES_JSONL)
        archive.writestr("checkpoints.jsonl", CHECKPOINTS)
    data = bytearray(path.read_bytes())
    at = data.find(b'"seq":3')
    data[at + 6] = ord("4")  # same size, other bytes: the CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        _verify(path)
    assert info.value.path == f"{path}!entries/part-00000.jsonl"
    assert "CRC" in info.value.reason


def test_zip_manifest_with_a_bad_crc_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", MANIFEST)
    data = bytearray(path.read_bytes())
    data[data.find(b'"version"') + 2] ^= 0x20
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="CRC"):
        _verify(path)


def test_plain_json_seq_beyond_int64_is_numbered_by_position(tmp_path: Path) -> None:
    # Was: OverflowError from pa.array(int64) in make_batch.
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps([{"seq": 2**70, "event_type": "A B"}, {"seq": 2**63, "category": "c"}])
    )
    report = _verify(path)
    assert report.entries == 2


def test_plain_csv_seq_beyond_int64(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("timestamp,event_type,seq\n2026-09-01T00:00:00Z,A B,99999999999999999999999\n")
    assert _verify(path).entries == 1


@pytest.mark.parametrize("suffix", [".json", ".csv", ".jsonl"])
def test_plain_deeply_nested_text_is_no_recursion_error(tmp_path: Path, suffix: str) -> None:
    # Was: RecursionError from json.loads of a metadata string (JSON, CSV) or of a line
    # check_leaf had already refused as too deep (JSONL).
    deep = "[" * 50_000 + "]" * 50_000
    path = tmp_path / f"export{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps([{"event_type": "A B", "metadata": deep}]))
    elif suffix == ".csv":
        path.write_text(f'event_type,metadata\nA B,"{deep[:60_000]}"\n')
    else:
        path.write_text(deep + "\n" + json.dumps({"event_type": "A B", "metadata": {}}) + "\n")
    report = _verify(path)
    assert report.status in {"incomplete", "failed"}


def test_plain_parquet_with_decimal_and_duration_columns(tmp_path: Path) -> None:
    # Was: TypeError (not JSON serializable) from canonical().
    path = tmp_path / "export.parquet"
    table = pa.table(
        {
            "event_type": ["Organization User Add"],
            "amount": pa.array([decimal.Decimal("12.50")], pa.decimal128(5, 2)),
            "took": pa.array([datetime.timedelta(seconds=3)], pa.duration("s")),
            "nested": pa.array([[{"at": datetime.date(2026, 9, 1)}]]),
        }
    )
    pq.write_table(table, path)
    assert _verify(path).entries == 1


def test_plain_json_lone_surrogate_is_kept_as_an_escape(tmp_path: Path) -> None:
    # Was: UnicodeEncodeError from canonical().encode().
    path = tmp_path / "export.json"
    path.write_text('[{"event_type": "A B", "metadata": {"x": "\\ud800"}}]')
    assert _verify(path).entries == 1


def test_small_files_are_read_without_allocating_the_limit(tmp_path: Path) -> None:
    # Was: Container.read_bytes did stream.read(limit + 1): for checkpoints.jsonl that
    # allocated max_checkpoints * max_note_bytes (12.5 GiB; 2 GiB now) before reading 1 KiB.
    folder = tmp_path / "bundle"
    (folder / "entries").mkdir(parents=True)
    (folder / "entries" / "part-00000.jsonl").write_bytes(ENTRIES_JSONL)
    (folder / "checkpoints.jsonl").write_bytes(CHECKPOINTS)
    (folder / "manifest.json").write_bytes(MANIFEST)
    tracemalloc.start()
    try:
        workspace = open_workspace([folder])
        workspace.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_manifest_listing_a_file_twice_is_refused() -> None:
    # Listing one big file thousands of times made it read thousands of times.
    manifest = json.loads(MANIFEST)
    manifest["files"].append(dict(manifest["files"][0]))
    with pytest.raises(InputError, match="listed more than once"):
        parse_manifest(json.dumps(manifest).encode(), label="manifest.json")


def test_note_with_a_lone_surrogate_is_a_note_error() -> None:
    # Was: UnicodeEncodeError from parse_checkpoint (read_checkpoints caught it; other callers not).
    with pytest.raises(NoteError):
        parse_checkpoint("o\n1\n" + "A" * 43 + "=\n\n\u2014 k \ud800\n")
    assert issubclass(NoteError, AuditViewerError)


def _parquet_bundle(tmp_path: Path, rel: str, role: str, columns: dict[str, pa.Array]) -> Path:
    from tests.fuzz.targets import _manifest

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / rel).write_bytes(buffer.getvalue())
    (folder / "checkpoints.jsonl").write_bytes(CHECKPOINTS)
    files = {rel: (buffer.getvalue(), role), "checkpoints.jsonl": (CHECKPOINTS, "checkpoints")}
    (folder / "manifest.json").write_bytes(_manifest(files))
    return folder


def test_parquet_entries_uint64_seq_beyond_int64(tmp_path: Path) -> None:
    from tests.helpers.bundle_builder import make_entry

    folder = _parquet_bundle(
        tmp_path,
        "e.parquet",
        "entries",
        {"seq": pa.array([2**64 - 1], pa.uint64()), "entry": [make_entry(0)]},
    )
    with contextlib.suppress(AuditViewerError):
        _verify(folder)


@pytest.mark.parametrize("column", ["seq", "leaf_hash"])
def test_parquet_proof_column_of_the_wrong_type(tmp_path: Path, column: str) -> None:
    columns: dict[str, pa.Array] = {
        "seq": pa.array([1], pa.int64()),
        "leaf_hash": pa.array([b"\0" * 32], pa.binary()),
    }
    columns[column] = pa.array([2**62], pa.timestamp("us"))
    folder = _parquet_bundle(tmp_path, "p.parquet", "proof", columns)
    with contextlib.suppress(AuditViewerError):
        open_workspace([folder]).close()


@pytest.mark.parametrize("query", ["\ud800", "actor:\udcff", "meta.\ud800:x"])
def test_query_with_a_lone_surrogate_is_a_query_error(query: str) -> None:
    # Was: compile_query accepted it and DuckDB failed to encode the parameter (a StoreError);
    # fixed in query/language.py.
    from auditviewer.store.store import Filter
    from tests.fuzz.targets import _query_store

    store, _ = _query_store()
    with pytest.raises(QueryError):
        store.count_matching(Filter(query=query))


def _one_member_zip(path: Path, name: str = "QQQQ") -> bytearray:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, b"{}")
    return bytearray(path.read_bytes())


def test_zip_needing_an_unknown_version_is_an_input_error(tmp_path: Path) -> None:
    # Was: NotImplementedError("zip file version 23.5") from ZipFile (atheris, zip target).
    path = tmp_path / "bundle.zip"
    data = _one_member_zip(path)
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 235  # version needed to extract: 23.5
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="not a readable zip"):
        _verify(path)


def test_zip_member_named_only_nul_is_refused(tmp_path: Path) -> None:
    # Was: IndexError from ZipInfo.is_dir() on the empty name zipfile makes of "\0..." (atheris).
    path = tmp_path / "bundle.zip"
    data = _one_member_zip(path)
    path.write_bytes(bytes(data).replace(b"QQQQ", b"\x00QQQ"))
    with pytest.raises(InputError, match="refusing the whole zip"):
        _verify(path)


def test_zip_local_header_name_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    # Was: UnicodeDecodeError from ZipFile.open (the local header claims UTF-8; atheris).
    path = tmp_path / "bundle.zip"
    data = _one_member_zip(path, "manifest.json")
    data[7] |= 0x08  # local header flag 0x800: the name is UTF-8
    data[31] = 0xB3  # ... and it is not
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        _verify(path)
    assert info.value.path == f"{path}!manifest.json"
