"""Re-export: verifiable slice bundles (spec §6) and plain formats, read back and verified."""

from __future__ import annotations

import csv
import errno
import gzip
import hashlib
import importlib.util
import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from auditviewer.core import atomic
from auditviewer.core.errors import Cancelled, ExportError
from auditviewer.export.naming import format_for_path
from auditviewer.export.plain import neutralize_cell
from auditviewer.export.plan import plan_export
from auditviewer.export.selection import describe_seqs
from auditviewer.export.source import ExportSource, open_source
from auditviewer.export.write import export_slice
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import (
    ZERO_HEAD,
    checkpoint_text,
    leaf_hash,
    make_manifest,
    manifest_file,
    next_head,
    sign_note,
)
from tests.helpers.vectors import VECTOR_KEY, VECTORS

HAVE_STORE = importlib.util.find_spec("auditviewer.store.store") is not None
needs_store = pytest.mark.skipif(not HAVE_STORE, reason="auditviewer.store.store is not available")
ORIGIN = "audit.test.example/org/export-tests"
SIGNING = SigningKey(hashlib.sha256(b"export-tests").digest())
KEY_STRING = VerifierKey.from_public_key(ORIGIN, bytes(SIGNING.verify_key)).to_string()
KEY = parse_verifier_key(KEY_STRING)
ACME = parse_verifier_key(VECTOR_KEY)
RESOURCES = [
    ("nakama_deployment", "dep_0001", "space-prod-1"),
    ("nakama_deployment", "dep_0002", "space-dev-1"),
    ("nakama_builder", "bld_0001", "space-builder"),
]
# Values a spreadsheet would run as formulas, as they might come from a hostile name.
HOSTILE = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "plain"]


# --------------------------------------------------------------------------
# Bundles written here with chain.py and sign_note, checkpoints wherever a test wants them


def entry_text(seq: int) -> bytes:
    rtype, rid, rname = RESOURCES[seq % len(RESOURCES)]
    moment = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=7 * seq)
    value = {
        "seq": seq,
        "id": f"evt_{seq:06d}",
        "time": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "category": "Nakama Deployment" if rtype == "nakama_deployment" else "Nakama Builder",
        "action": ["Create", "Update", "Delete", "Reboot"][seq % 4],
        "actor": {"email": f"user{seq % 5}@acme.example", "type": "user", "name": HOSTILE[seq % len(HOSTILE)]},
        "resource": {"type": rtype, "id": rid, "name": rname},
        "title": {"id": "ttl_1", "name": "Space Raiders"},
        "metadata": {"note": HOSTILE[(seq + 3) % len(HOSTILE)], "n": seq, "ü": "Jürgen"},
    }
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make_bundle(
    path: Path,
    *,
    n: int,
    every: int = 16,
    start: int = 0,
    tail: int = 0,
    fmt: str = "jsonl",
    zip_: bool = False,
    mutate: dict[int, bytes] | None = None,
    newline_entries: bool = False,
    sign_start: bool = True,
) -> Path:
    """A signed bundle of entries start..start+n-1; checkpoints at start, every ``every``, and at the
    last signed size (``tail`` entries after it are unsigned). ``mutate`` replaces entries after signing."""
    leaves = []
    head = ZERO_HEAD
    for seq in range(start):
        head = next_head(head, leaf_hash(entry_text(seq)))
    notes = []
    if start and sign_start:
        notes.append(sign_note(checkpoint_text(ORIGIN, start, head, "2026-09-01T00:00:00Z"), ORIGIN, SIGNING))
    signed_end = start + n - tail
    for seq in range(start, start + n):
        leaf = entry_text(seq)
        if newline_entries and seq % 3 == 0:
            leaf = leaf.replace(b',"id"', b',\n"id"', 1)
        leaves.append(leaf)
        head = next_head(head, leaf_hash(leaf))
        size = seq + 1
        if size <= signed_end and (size % every == 0 or size == signed_end):
            notes.append(sign_note(checkpoint_text(ORIGIN, size, head, "2026-10-01T00:00:00Z"), ORIGIN, SIGNING))
    for seq, leaf in (mutate or {}).items():
        leaves[seq - start] = leaf
    root = Path(tempfile.mkdtemp(dir=path.parent)) / "b" if zip_ else path
    (root / "entries").mkdir(parents=True)
    files = []
    if fmt in ("jsonl", "jsonl.gz"):
        rel = f"entries/part-00000.{fmt}"
        data = b"".join(leaf + b"\n" for leaf in leaves)
        (root / rel).write_bytes(gzip.compress(data) if fmt == "jsonl.gz" else data)
    else:
        rel = "entries/part-00000.parquet"
        pq.write_table(
            pa.table({"seq": pa.array(range(start, start + n), pa.int64()), "entry": pa.array(leaves, pa.binary())}),
            root / rel,
        )
    files.append((rel, "entries"))
    (root / "checkpoints.jsonl").write_text("".join(json.dumps({"note": note}) + "\n" for note in notes))
    files.append(("checkpoints.jsonl", "checkpoints"))
    manifest = make_manifest(
        [manifest_file(rel, role, (root / rel).read_bytes()) for rel, role in files],
        origin=ORIGIN,
        keys=[KEY_STRING],
        organization={"id": "org_test", "name": "Test Org"},
        exported_at="2026-11-01T00:00:00Z",
    )
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    if zip_:
        with zipfile.ZipFile(path, "w") as zf:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    zf.write(file, f"{path.stem}/{file.relative_to(root).as_posix()}")
        shutil.rmtree(root.parent)
    return path


def verify_paths(paths: list[Path], keys: list[VerifierKey]) -> Report:
    workspace = open_workspace(paths)
    try:
        return verify_workspace(workspace, keys)
    finally:
        workspace.close()


def read_back(path: Path) -> dict[int, bytes]:
    """seq -> stored bytes of everything an export holds, read the way the viewer reads it."""
    workspace = open_workspace([path])
    out: dict[int, bytes] = {}
    try:
        for batch in workspace.iter_batches():
            assert not batch.problems, batch.problems
            for seq, leaf in zip(batch.table.column(0).to_pylist(), batch.table.column(1).to_pylist(), strict=True):
                assert seq not in out
                out[seq] = leaf
    finally:
        workspace.close()
    return out


def manifest_of(path: Path) -> dict[str, Any]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.endswith("manifest.json"))
            return dict(json.loads(zf.read(name)))
    return dict(json.loads((path / "manifest.json").read_text()))


def spec_verify(path: Path, key_string: str) -> set[int]:
    """The entries an independent, minimal reading of spec §5-§7 verifies (shares no code with ours).

    Raises AssertionError where the bundle breaks the spec's shape.
    """
    import base64

    from nacl.signing import VerifyKey

    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            raw = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
        tops = {n.split("/", 1)[0] for n in raw}
        if "manifest.json" not in raw:
            assert len(tops) == 1, "files at the root or inside exactly one top-level folder"
            top = next(iter(tops)) + "/"
            raw = {n[len(top) :]: data for n, data in raw.items()}
    else:
        raw = {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}
    manifest = json.loads(raw.pop("manifest.json"))
    assert manifest["format"] == "audit-bundle" and manifest["version"] == 1
    assert {f["path"] for f in manifest["files"]} == set(raw), "files lists every file but the manifest"
    leaves: dict[int, bytes] = {}
    included: set[int] = set()
    notes: list[str] = []
    for item in manifest["files"]:
        data = raw[item["path"]]
        assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]
        if item["role"] == "entries":
            if item["path"].endswith(".jsonl"):
                assert data.endswith(b"\n") and b"\n\n" not in data
                rows = [(json.loads(line)["seq"], line) for line in data[:-1].split(b"\n")]
            else:
                t = pq.read_table(io.BytesIO(data))
                rows = list(zip(t.column("seq").to_pylist(), t.column("entry").to_pylist(), strict=True))
            for seq, leaf in rows:
                leaf = leaf.encode() if isinstance(leaf, str) else leaf
                leaves[seq] = hashlib.sha256(b"\x00" + leaf).digest()
                included.add(seq)
        elif item["role"] == "proof":
            t = pq.read_table(io.BytesIO(data))
            assert t.schema.field("seq").type == pa.int64() and t.schema.field("leaf_hash").type == pa.binary()
            for seq, lh in zip(t.column("seq").to_pylist(), t.column("leaf_hash").to_pylist(), strict=True):
                assert len(lh) == 32
                leaves.setdefault(seq, lh)
        else:
            notes += [json.loads(line)["note"] for line in data.decode().splitlines()]
    name, key_id_hex, material = key_string.split("+", 2)
    public = VerifyKey(base64.b64decode(material)[1:])
    anchors = {0: bytes(32)}
    for note in notes:
        text, _, sigs = note.rpartition("\n\n")
        text += "\n"
        origin, size, head = text.split("\n")[:3]
        for line in sigs.splitlines():
            signer, blob = line.removeprefix("\u2014 ").split(" ")
            blob_bytes = base64.b64decode(blob)
            if origin == manifest["origin"] and signer == name and blob_bytes[:4].hex() == key_id_hex:
                public.verify(text.encode(), blob_bytes[4:])  # a bad signature raises
                anchors[int(size)] = base64.b64decode(head)
    sizes = sorted(anchors)
    verified: set[int] = set()
    for lo, hi in itertools.pairwise(sizes):
        mine = {s for s in included if lo <= s < hi}
        if not mine or any(s not in leaves for s in range(lo, hi)):
            continue
        head = anchors[lo]
        for s in range(lo, hi):
            head = hashlib.sha256(b"\x01" + head + leaves[s]).digest()
        if head == anchors[hi]:
            verified |= mine
    return verified


def nothing_partial(folder: Path) -> bool:
    return not any(p.name.startswith(atomic.PARTIAL_PREFIX) for p in folder.iterdir())


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600-entry log, checkpoints every 16, the last 10 entries unsigned."""
    path = tmp_path_factory.mktemp("log") / "log"
    return make_bundle(path, n=600, every=16, tail=10)


@pytest.fixture(scope="module")
def source(log_dir: Path) -> Iterator[ExportSource]:
    with open_source([log_dir], keys=[KEY], with_store=HAVE_STORE) as opened:
        yield opened


# --------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("out_name", ["slice.zip", "slice", "slice.jsonl", "slice.parquet", "slice.csv"])
def test_round_trip_every_format_keeps_the_stored_bytes(source: ExportSource, tmp_path: Path, out_name: str) -> None:
    selected = [0, 1, 17, 18, 100, 250, 251, 252, 589, 590, 599]
    out = tmp_path / out_name
    summary = export_slice(source, out=out, seqs=selected)
    back = read_back(out)
    assert sorted(back) == selected
    originals = dict(source.read_entries(selected))
    assert back == originals
    assert summary.entries == len(selected)
    assert nothing_partial(tmp_path)


@pytest.mark.parametrize("out_name", ["big.zip", "big.csv", "big.parquet"])
def test_large_selections_are_read_in_chunks(
    source: ExportSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out_name: str
) -> None:
    import auditviewer.export.write as export_module

    monkeypatch.setattr(export_module, "FETCH_CHUNK", 7)
    selected = list(range(0, 600, 9))
    out = tmp_path / out_name
    summary = export_slice(source, out=out, seqs=selected)
    assert read_back(out) == {s: entry_text(s) for s in selected}
    if out.suffix == ".zip":
        assert summary.slice_status == "incomplete"  # 594 lies in the unsigned tail
        assert spec_verify(out, KEY_STRING) == {s for s in selected if s < 590}


def test_bundle_verifies_and_says_what_it_holds(source: ExportSource, tmp_path: Path) -> None:
    selected = [3, 40, 41, 300]
    out = tmp_path / "s.zip"
    summary = export_slice(source, out=out, seqs=selected, exported_at=datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC))
    assert spec_verify(out, KEY_STRING) == set(selected)
    report = verify_paths([out], [KEY])
    assert report.status == "verified" and report.verified_entries == 4
    assert summary.slice_status == "verified"
    # Intervals [0,16), [32,48), [288,304) hold the selection: their other leaves are the proof.
    assert summary.proof_rows == 3 * 16 - 4
    manifest = manifest_of(out)
    assert manifest["origin"] == ORIGIN
    assert manifest["organization"] == {"id": "org_test", "name": "Test Org"}
    assert manifest["scope"] == {"type": "organization"}
    assert manifest["exported_at"] == "2026-11-25T12:00:05Z"
    assert manifest["keys"] == [KEY_STRING]
    assert manifest["query"] == "seq 3,40-41,300"
    assert manifest["integrity"]["status"] == "verified"
    assert manifest["integrity"]["failed_entries"] == 0
    roles = {f["path"]: f["role"] for f in manifest["files"]}
    assert roles == {
        "entries/part-00000.jsonl": "entries",
        "checkpoints.jsonl": "checkpoints",
        "proof/leaf_hashes.parquet": "proof",
    }
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert all(n.startswith("s/") for n in names)
        for item in manifest["files"]:
            data = zf.read("s/" + item["path"])
            assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]
        lines = zf.read("s/entries/part-00000.jsonl").split(b"\n")
        assert [json.loads(x)["seq"] for x in lines if x] == selected
        proof_bytes = zf.read("s/proof/leaf_hashes.parquet")
        proof = pq.read_table(io.BytesIO(proof_bytes))
        assert proof.schema.field("seq").type == pa.int64()
        assert proof.schema.field("leaf_hash").type == pa.binary()
    # Another Parquet implementation (DuckDB's own reader) reads the proof as well.
    import duckdb

    (tmp_path / "proof.parquet").write_bytes(proof_bytes)
    rows = duckdb.execute(
        "SELECT count(*), min(octet_length(leaf_hash)), max(octet_length(leaf_hash)) FROM read_parquet(?)",
        [str(tmp_path / "proof.parquet")],
    ).fetchall()
    assert rows == [(summary.proof_rows, 32, 32)]
    with zipfile.ZipFile(out) as zf:
        notes = [json.loads(x)["note"] for x in zf.read("s/checkpoints.jsonl").decode().splitlines()]
    sizes = sorted(int(n.split("\n")[1]) for n in notes)
    assert sizes == [16, 32, 48, 288, 304]
    originals = [json.loads(x)["note"] for x in (source.paths[0] / "checkpoints.jsonl").read_text().splitlines()]
    assert set(notes) <= set(originals)  # copied verbatim


def test_the_verify_command_accepts_a_slice(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "s.zip"
    export_slice(source, out=out, seqs=[5, 77, 300])
    result = subprocess.run(
        [sys.executable, "-m", "auditviewer", "verify", "--json", str(out), "--trust", KEY_STRING],
        capture_output=True,
        timeout=120,
        env=dict(os.environ, AUDITVIEWER_TRUST_STORE=os.devnull),
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["status"] == "verified" and report["verified_entries"] == 3


def test_unsigned_tail_entries_are_included_and_stay_unverified(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "tail"
    summary = export_slice(source, out=out, seqs=[10, 592, 599])
    report = verify_paths([out], [KEY])
    assert report.status == "incomplete"
    assert report.verified_entries == 1
    assert "unsigned_tail" in {f.kind for f in report.findings}
    assert summary.plan.unsigned_tail_entries == 2
    assert any("unsigned tail" in w for w in summary.warnings)
    assert manifest_of(out)["integrity"]["unsigned_tail_entries"] == 2
    assert manifest_of(out)["integrity"]["status"] == "incomplete"


def test_a_later_checkpoint_verifies_the_tail_too(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "s.zip"
    export_slice(source, out=out, seqs=[10, 592, 599])
    # The auditor later gets a checkpoint at size 600 (a bundle holding only checkpoints).
    head = ZERO_HEAD
    for seq in range(600):
        head = next_head(head, leaf_hash(entry_text(seq)))
    later = tmp_path / "later"
    later.mkdir()
    note = sign_note(checkpoint_text(ORIGIN, 600, head, "2026-11-01T00:00:00Z"), ORIGIN, SIGNING)
    data = (json.dumps({"note": note}) + "\n").encode()
    (later / "checkpoints.jsonl").write_bytes(data)
    (later / "manifest.json").write_text(
        json.dumps(
            make_manifest(
                [manifest_file("checkpoints.jsonl", "checkpoints", data)], origin=ORIGIN, described=False
            )
        )
    )
    assert verify_paths([out], [KEY]).verified_entries == 1
    report = verify_paths([out, later], [KEY])
    assert report.status == "verified" and report.verified_entries == 3


def test_plan_tells_sizes_before_writing(source: ExportSource, tmp_path: Path) -> None:
    plan = plan_export(source, seqs=[3, 40, 41, 300, 595])
    # 44 leaves of the three intervals, and 9 of the unsigned tail 590..599 (see below).
    assert (plan.entries, plan.proof_rows, plan.unsigned_tail_entries) == (5, 44 + 9, 1)
    assert plan.checkpoints == 6  # 16, 32, 48, 288, 304 and 590 (where the tail starts)
    assert plan.proof_bytes > 44 * 32
    summary = export_slice(source, out=tmp_path / "s", seqs=[3, 40, 41, 300, 595])
    assert summary.proof_rows == plan.proof_rows and summary.checkpoints == plan.checkpoints
    assert plan_export(source, seqs=[3], fmt="csv").proof_rows == 0
    assert list(tmp_path.iterdir()) == [tmp_path / "s"]


@needs_store
def test_export_from_paths_and_by_query(log_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.zip"
    summary = export_slice([log_dir], out=out, query="action:Reboot", keys=[KEY])
    back = read_back(out)
    assert sorted(back) == list(range(3, 600, 4))
    assert manifest_of(out)["query"] == "action:Reboot"
    assert summary.slice_status == "incomplete"  # seqs 591..599 are in the unsigned tail
    report = verify_paths([out], [KEY])
    assert report.verified_entries == len([s for s in back if s < 590])


@needs_store
def test_one_resource_gets_resource_scope_only_when_complete(source: ExportSource, tmp_path: Path) -> None:
    whole = export_slice(source, out=tmp_path / "r.zip", query="resource:bld_0001")
    assert manifest_of(tmp_path / "r.zip")["scope"] == {
        "type": "resource",
        "resource": {"type": "nakama_builder", "id": "bld_0001", "name": "space-builder"},
    }
    assert whole.entries == 200
    # All of the same resource, but not all of it: not that resource's audit log.
    export_slice(source, out=tmp_path / "part.zip", seqs=[2, 5, 8])
    assert manifest_of(tmp_path / "part.zip")["scope"] == {"type": "organization"}


def test_resource_scope_without_a_store(log_dir: Path, tmp_path: Path) -> None:
    with open_source([log_dir], keys=[KEY]) as plain_source:
        export_slice(plain_source, out=tmp_path / "r", seqs=range(2, 600, 3))
        assert manifest_of(tmp_path / "r")["scope"]["type"] == "resource"
        export_slice(plain_source, out=tmp_path / "p", seqs=range(2, 500, 3))
        assert manifest_of(tmp_path / "p")["scope"]["type"] == "organization"


def test_resource_scope_sees_ids_written_with_escapes(tmp_path: Path) -> None:
    escaped = entry_text(5).replace(b'"id":"bld_0001"', b'"id":"\\u0062ld_0001"')
    assert escaped != entry_text(5)
    log = make_bundle(tmp_path / "log", n=32, every=16, mutate={5: escaped})
    with open_source([log], keys=[KEY]) as src:
        export_slice(src, out=tmp_path / "all", seqs=range(2, 32, 3))
        assert manifest_of(tmp_path / "all")["scope"]["type"] == "resource"
        export_slice(src, out=tmp_path / "not5", seqs=[s for s in range(2, 32, 3) if s != 5])
        assert manifest_of(tmp_path / "not5")["scope"]["type"] == "organization"


def test_slice_of_a_slice_takes_omitted_leaves_from_the_proof(source: ExportSource, tmp_path: Path) -> None:
    first = tmp_path / "first.zip"
    export_slice(source, out=first, seqs=[1, 2, 3, 20, 21, 200, 201, 202], description="first cut")
    second = tmp_path / "second"
    with open_source([first], keys=[KEY]) as sliced:
        summary = export_slice(sliced, out=second, seqs=[2, 201])
    report = verify_paths([second], [KEY])
    assert report.status == "verified" and report.verified_entries == 2
    assert summary.proof_rows == 2 * 16 - 2
    assert manifest_of(second)["query"] == "seq 2,201 (within: first cut)"


@needs_store
def test_export_by_the_viewers_filter(source: ExportSource, tmp_path: Path) -> None:
    from auditviewer.store.store import Filter, ResourceScope

    flt = Filter(
        query="seq:0..300",
        scope=ResourceScope(type="nakama_builder", id="bld_0001"),
        actions=frozenset({"Update"}),
        time_start=datetime(2026, 9, 1, tzinfo=UTC),
    )
    out = tmp_path / "f.zip"
    plan = plan_export(source, filter=flt)
    summary = export_slice(source, out=out, filter=flt)
    expected = [s for s in range(0, 301) if s % 3 == 2 and s % 4 == 1]
    assert sorted(read_back(out)) == expected and plan.entries == summary.entries == len(expected)
    assert manifest_of(out)["query"] == (
        "seq:0..300 resource:bld_0001 type:nakama_builder action in (Update) "
        "time in [2026-09-01T00:00:00Z, )"
    )
    assert summary.slice_status == "verified"


@needs_store
def test_a_loaded_session_exports_through_its_store(log_dir: Path, tmp_path: Path) -> None:
    from auditviewer.export.source import source_from_store
    from auditviewer.workspace.loading import load

    with load([log_dir], [KEY]) as loaded:
        source = source_from_store(loaded.workspace, loaded.store, loaded.report, keys=[KEY])
        summary = export_slice(source, out=tmp_path / "s.zip", query="action:Delete seq:0..100")
        assert summary.slice_status == "verified"
        assert sorted(read_back(tmp_path / "s.zip")) == list(range(2, 101, 4))
        export_slice(source, out=tmp_path / "p.csv", seqs=[1, 2, 599])
        assert read_back(tmp_path / "p.csv") == {s: entry_text(s) for s in (1, 2, 599)}
        source.close()  # the session's workspace and store stay open
        assert loaded.store.total_count() == 600


def test_gzip_entry_files_are_read_back(tmp_path: Path) -> None:
    log = make_bundle(tmp_path / "gz", n=100, every=16, fmt="jsonl.gz")
    with open_source([log], keys=[KEY]) as src:
        out = tmp_path / "s.zip"
        summary = export_slice(src, out=out, seqs=[0, 33, 99])
    assert summary.slice_status == "verified"
    assert read_back(out) == {s: entry_text(s) for s in (0, 33, 99)}


def test_dashboard_export_reexports_as_plain(tmp_path: Path) -> None:
    vector = copy_vector("dashboard-export.json", tmp_path)
    with open_source([vector], keys=[]) as src:
        originals = dict(src.read_entries(list(src.entry_seqs)))
        for name in ("d.jsonl", "d.csv", "d.parquet"):
            export_slice(src, out=tmp_path / name)
            assert read_back(tmp_path / name) == originals
        with pytest.raises(ExportError, match="plain export"):
            export_slice(src, out=tmp_path / "d.zip")


def test_two_inputs_are_one_workspace(tmp_path: Path) -> None:
    a = make_bundle(tmp_path / "a", n=64, every=16)
    b = make_bundle(tmp_path / "b", n=64, every=16)  # the same log again: identical duplicates
    out = tmp_path / "s.zip"
    summary = export_slice([a, b], out=out, seqs=[5, 50], keys=[KEY])
    assert summary.slice_status == "verified"
    assert sorted(read_back(out)) == [5, 50]


# --------------------------------------------------------------------------
# Conformance vectors


def copy_vector(name: str, tmp_path: Path) -> Path:
    src = VECTORS / name
    dest = tmp_path / name
    if src.is_dir():
        shutil.copytree(src, dest)
    else:
        shutil.copy(src, dest)
    return dest


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("valid-jsonl", "verified"),
        ("valid-parquet.zip", "verified"),
        ("resource-slice", "verified"),
        ("mid-log-start", "verified"),
        ("unsigned-tail", "incomplete"),
        ("modified-entry", "failed"),
        ("deleted-entry", "failed"),
    ],
)
def test_slices_of_the_vectors_verify_as_their_sources(name: str, status: str, tmp_path: Path) -> None:
    vector = copy_vector(name, tmp_path)
    with open_source([vector], keys=[ACME]) as src:
        selected = list(src.entry_seqs[::37])
        expected = sum(1 for s in selected if src.state_of(s) == "verified")
        failed = sum(1 for s in selected if src.state_of(s) == "failed")
        out = tmp_path / "slice.zip"
        summary = export_slice(src, out=out, seqs=selected)
        originals = dict(src.read_entries(selected))
    report = verify_paths([out], [ACME])
    assert report.verified_entries == expected
    assert len(spec_verify(out, VECTOR_KEY)) == expected
    assert read_back(out) == originals
    assert summary.integrity["failed_entries"] == failed
    if status == "verified":
        assert report.status == "verified" and expected == len(selected)
    if status == "failed":
        assert failed and report.status == "failed"
        assert manifest_of(out)["integrity"]["status"] == "failed"
        assert any("failed verification" in w for w in summary.warnings)


def test_resource_slice_vector_reexported_whole_keeps_its_scope(tmp_path: Path) -> None:
    vector = copy_vector("resource-slice", tmp_path)
    out = tmp_path / "again.zip"
    export_slice([vector], out=out, keys=[ACME])
    manifest = manifest_of(out)
    assert manifest["scope"]["type"] == "resource"
    assert manifest["scope"]["resource"]["id"] == "bld_0001"
    assert manifest["query"] == "all entries (within: resource:bld_0001)"
    assert verify_paths([out], [ACME]).status == "verified"


def test_generated_sample_bundle_slices_verify(tmp_path: Path) -> None:
    from auditviewer.demo import write_sample_bundle

    sample = write_sample_bundle(tmp_path / "sample.zip", entries=3000, fmt="parquet", zip_=True, start_seq=500)
    key = parse_verifier_key(sample.verifier_key)
    out = tmp_path / "slice"
    summary = export_slice([sample.path], out=out, seqs=range(600, 3400, 97), keys=[key])
    assert summary.slice_status == "verified"
    report = verify_paths([out], [key])
    assert report.status == "verified" and report.entries == len(range(600, 3400, 97))


@needs_store
def test_realistic_sample_by_query_to_every_format(tmp_path: Path) -> None:
    from auditviewer.demo import write_sample_bundle

    sample = write_sample_bundle(tmp_path / "demo", entries=2500, seed=3)
    key = parse_verifier_key(sample.verifier_key)
    query = 'actor:"Jürgen Müller" OR title:"ドラゴン戦術"'
    outs = [tmp_path / n for n in ("q.zip", "q.jsonl", "q.parquet", "q.csv")]
    results = [export_slice([sample.path], out=out, query=query, keys=[key]) for out in outs]
    assert results[0].slice_status == "verified"
    assert results[0].entries > 0 and len({r.entries for r in results}) == 1
    backs = [read_back(out) for out in outs]
    assert all(back == backs[0] for back in backs)
    text = (tmp_path / "q.csv").read_text(encoding="utf-8")
    assert "Jürgen" in text or "ドラゴン戦術" in text


def test_exporter_without_keys_still_makes_a_slice_an_auditor_can_verify(log_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.zip"
    summary = export_slice([log_dir], out=out, seqs=[7, 130], keys=[])
    assert summary.plan.anchors_trusted is False
    assert any("none of the keys" in w for w in summary.warnings)
    assert summary.slice_status == "incomplete"
    assert verify_paths([out], [KEY]).status == "verified"


def test_without_trust_the_manifests_key_picks_the_bounds(tmp_path: Path) -> None:
    log = make_bundle(tmp_path / "log", n=64, every=16)
    # A stray note at size 40, by some other key (say, a witness nobody asked for).
    head = ZERO_HEAD
    for seq in range(40):
        head = next_head(head, leaf_hash(entry_text(seq)))
    stray_key = SigningKey(hashlib.sha256(b"stray").digest())
    stray = sign_note(checkpoint_text(ORIGIN, 40, head), ORIGIN, stray_key)
    cp = log / "checkpoints.jsonl"
    cp.write_text(cp.read_text() + json.dumps({"note": stray}) + "\n")
    manifest = json.loads((log / "manifest.json").read_text())
    for item in manifest["files"]:
        if item["path"] == "checkpoints.jsonl":
            item["sha256"], item["size"] = hashlib.sha256(cp.read_bytes()).hexdigest(), cp.stat().st_size
    (log / "manifest.json").write_text(json.dumps(manifest))
    out = tmp_path / "s.zip"
    summary = export_slice([log], out=out, seqs=[35], keys=[])
    assert summary.plan.anchors_trusted is False
    report = verify_paths([out], [KEY])  # the auditor trusts the log's key only
    assert report.status == "verified" and report.verified_entries == 1


# --------------------------------------------------------------------------
# Hypothesis: any selection makes a slice that verifies and holds exactly it


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(selection=st.sets(st.integers(min_value=0, max_value=599), min_size=1, max_size=60))
def test_any_selection_verifies_and_holds_exactly_it(source: ExportSource, selection: set[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "s.zip"
        export_slice(source, out=out, seqs=selection)
        assert read_back(out) == dict(source.read_entries(sorted(selection)))
        report = verify_paths([out], [KEY])
        signed = [s for s in selection if s < 590]
        assert report.verified_entries == len(signed)
        assert spec_verify(out, KEY_STRING) == set(signed)
        assert report.status == ("verified" if len(signed) == len(selection) else "incomplete")


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    n=st.integers(min_value=1, max_value=80),
    every=st.integers(min_value=1, max_value=20),
    start=st.integers(min_value=0, max_value=40),
    sign_start=st.booleans(),
    zipped=st.booleans(),
)
def test_any_log_shape_and_selection_keeps_every_verified_entry(
    data: st.DataObject, n: int, every: int, start: int, sign_start: bool, zipped: bool
) -> None:
    tail = data.draw(st.integers(min_value=0, max_value=n - 1), label="tail")
    with tempfile.TemporaryDirectory() as folder:
        log = make_bundle(Path(folder) / "log", n=n, every=every, start=start, tail=tail, sign_start=sign_start)
        with open_source([log], keys=[KEY]) as src:
            selection = data.draw(
                st.sets(st.sampled_from(list(src.entry_seqs)), min_size=1, max_size=12), label="selection"
            )
            out = Path(folder) / ("s.zip" if zipped else "s")
            summary = export_slice(src, out=out, seqs=selection)
            was_verified = {s for s in selection if src.state_of(s) == "verified"}
        assert read_back(out) == {s: entry_text(s) for s in selection}
        report = verify_paths([out], [KEY])
        assert report.entries == len(selection)
        assert report.verified_entries == len(was_verified)
        assert spec_verify(out, KEY_STRING) == was_verified
        assert summary.integrity["verified_entries"] == len(was_verified)


_TERMS = st.sampled_from(
    [
        "action:Update",
        "action:Reboot",
        "type:nakama_builder",
        "resource:dep_0002",
        "actor:user1@*",
        "seq:100..250",
        "seq:580..599",
        "category:\"Nakama Deployment\"",
        "-action:Create",
        "(action:Delete OR action:Create)",
    ]
)


@needs_store
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(_TERMS, min_size=1, max_size=3))
def test_any_query_slice_holds_what_the_query_matches(source: ExportSource, terms: list[str]) -> None:
    from auditviewer.store.store import Filter

    query = " ".join(terms)
    matched = [int(s) for s in source.store.seqs(Filter(query=query)).to_pylist()]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "q"
        if not matched:
            with pytest.raises(ExportError, match="empty"):
                export_slice(source, out=out, query=query)
            return
        export_slice(source, out=out, query=query)
        assert sorted(read_back(out)) == matched
        report = verify_paths([out], [KEY])
        assert report.verified_entries == len([s for s in matched if s < 590])
        assert manifest_of(out)["query"] == query


# --------------------------------------------------------------------------
# Safety: a full disk, a cancel, an existing target


@pytest.mark.parametrize("out_name", ["s.zip", "s", "s.jsonl", "s.parquet", "s.csv"])
def test_full_disk_leaves_nothing_and_keeps_the_old_file(
    source: ExportSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out_name: str
) -> None:
    out = tmp_path / out_name
    export_slice(source, out=out, seqs=[1, 2])
    before = read_back(out)
    written = 0

    def failing_write(file: Any, data: bytes) -> int:
        nonlocal written
        written += len(data)
        if written > 600:
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(file.write(data))

    monkeypatch.setattr(atomic, "_write", failing_write)
    with pytest.raises(ExportError, match="disk is full"):
        export_slice(source, out=out, seqs=range(0, 300), overwrite=True)
    assert read_back(out) == before
    assert nothing_partial(tmp_path)
    monkeypatch.undo()
    new = tmp_path / ("n" + out_name)
    monkeypatch.setattr(atomic, "_write", failing_write)
    written = 0
    with pytest.raises(ExportError):
        export_slice(source, out=new, seqs=range(0, 300))
    assert not new.exists() and nothing_partial(tmp_path)


def test_cancel_leaves_nothing(source: ExportSource, tmp_path: Path) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        export_slice(source, out=tmp_path / "s.zip", seqs=range(600), cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


def test_existing_target_needs_overwrite(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("keep me")
    with pytest.raises(ExportError, match="already exists"):
        export_slice(source, out=out, seqs=[1])
    assert out.read_text() == "keep me"
    export_slice(source, out=out, seqs=[1], overwrite=True)
    assert read_back(out) == dict(source.read_entries([1]))
    folder = tmp_path / "bundle"
    export_slice(source, out=folder, seqs=[3])  # an earlier export: --force may replace it
    export_slice(source, out=folder, seqs=[1, 2], overwrite=True)
    assert read_back(folder) == dict(source.read_entries([1, 2]))
    assert nothing_partial(tmp_path)


def test_an_export_never_replaces_or_enters_its_input(log_dir: Path, tmp_path: Path) -> None:
    for out in (log_dir, log_dir / "inner.zip", log_dir.parent):
        with pytest.raises(ExportError, match="input"):
            export_slice([log_dir], out=out, seqs=[1], keys=[KEY], overwrite=True)
    assert (log_dir / "manifest.json").is_file() and not (log_dir / "inner.zip").exists()


def test_progress_reaches_the_total(source: ExportSource, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_slice(source, out=tmp_path / "s.zip", seqs=[1, 2, 40], progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))


def test_a_failing_self_check_publishes_nothing(
    source: ExportSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditviewer.export.write as export_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ExportError("the written slice does not verify as its source did")

    monkeypatch.setattr(export_module, "_self_check", broken)
    with pytest.raises(ExportError, match="does not verify"):
        export_slice(source, out=tmp_path / "s.zip", seqs=[1])
    assert list(tmp_path.iterdir()) == []


def test_a_broken_proof_is_caught_before_publishing(
    source: ExportSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditviewer.export.plan as export_module
    from auditviewer.export import bundle as export_bundle

    def lossy(src: ExportSource, selected: list[int]) -> export_bundle.SlicePlan:
        plan = export_bundle.plan_slice(src, selected)
        plan.proof_seqs = plan.proof_seqs.slice(1)  # one omitted leaf hash lost
        plan.proof_hashes = plan.proof_hashes.slice(1)
        return plan

    monkeypatch.setattr(export_module, "plan_slice", lossy)
    with pytest.raises(ExportError, match="does not verify as its source did"):
        export_slice(source, out=tmp_path / "s.zip", seqs=[5, 100])
    assert list(tmp_path.iterdir()) == []


def test_conflicting_duplicate_is_exported_as_first_read(tmp_path: Path) -> None:
    good = make_bundle(tmp_path / "good", n=32, every=16)
    bad = make_bundle(tmp_path / "bad", n=32, every=16, mutate={5: entry_text(5).replace(b"evt_", b"EVT_")})
    out = tmp_path / "s.zip"
    summary = export_slice([good, bad], out=out, seqs=[5, 6], keys=[KEY])
    assert summary.plan.source_status == "failed"
    assert summary.integrity["failed_entries"] == 1
    assert summary.slice_status == "verified"  # only the version that chains to the head travels
    assert read_back(out)[5] == entry_text(5)


# --------------------------------------------------------------------------
# Selections and formats


def test_unknown_seqs_and_empty_selections_are_refused(source: ExportSource, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not entries of the workspace"):
        export_slice(source, out=tmp_path / "s.zip", seqs=[1, 10_000])
    with pytest.raises(ExportError, match="empty"):
        export_slice(source, out=tmp_path / "s.zip", seqs=[])
    with pytest.raises(ExportError, match="not several"):
        export_slice(source, out=tmp_path / "s.zip", seqs=[1], query="action:Update")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.zip", None, ("bundle", True)),
        ("a", None, ("bundle", False)),
        ("a.jsonl", None, ("jsonl", False)),
        ("a.PARQUET", None, ("parquet", False)),
        ("a.csv", None, ("csv", False)),
        ("a.out", "csv", ("csv", False)),
        ("a.zip", "bundle", ("bundle", True)),
        ("dir.d", "bundle", ("bundle", False)),
    ],
)
def test_format_from_the_extension(name: str, fmt: str | None, expected: tuple[str, bool]) -> None:
    assert format_for_path(Path(name), fmt) == expected


def test_bad_format_choices() -> None:
    with pytest.raises(ExportError, match="extension"):
        format_for_path(Path("a.txt"))
    with pytest.raises(ExportError):
        format_for_path(Path("a.zip"), "csv")


def test_suggest_name(source: ExportSource) -> None:
    from auditviewer.export.naming import suggest_name

    now = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    assert suggest_name(source, now=now) == "test-org-slice-2026-11-25.zip"
    assert suggest_name(source, fmt="csv", now=now) == "test-org-entries-2026-11-25.csv"


def test_describe_seqs() -> None:
    assert describe_seqs([1, 2, 3, 7, 9, 10]) == "seq 1-3,7,9-10"
    long = describe_seqs(list(range(0, 10_000, 2)), limit=40)
    assert long.startswith("seq 0,2,4") and "more ranges" in long and len(long) < 100


def test_entries_with_line_breaks_go_to_parquet(tmp_path: Path) -> None:
    log = make_bundle(tmp_path / "nl", n=48, every=16, fmt="parquet", newline_entries=True)
    with open_source([log], keys=[KEY]) as src:
        out = tmp_path / "s.zip"
        summary = export_slice(src, out=out, seqs=[3, 4, 20])
        assert summary.slice_status == "verified"
        assert manifest_of(out)["files"][0]["path"] == "entries/part-00000.parquet"
        assert spec_verify(out, KEY_STRING) == {3, 4, 20}
        assert read_back(out) == dict(src.read_entries([3, 4, 20]))
        with pytest.raises(ExportError, match="line break"):
            export_slice(src, out=tmp_path / "s.jsonl", seqs=[3])
        export_slice(src, out=tmp_path / "s.parquet", seqs=[3, 4])
        assert read_back(tmp_path / "s.parquet") == dict(src.read_entries([3, 4]))
    assert nothing_partial(tmp_path)


@pytest.mark.parametrize("zip_", [False, True])
def test_entries_read_back_around_a_malformed_line(tmp_path: Path, zip_: bool) -> None:
    # A line that is not an entry shifts every later byte offset: reading back must still
    # find each selected line (by line number once offsets are unknown).
    log = make_bundle(tmp_path / ("bad.zip" if zip_ else "bad"), n=48, every=16)
    if not zip_:
        path = log / "entries" / "part-00000.jsonl"
        lines = path.read_bytes().split(b"\n")
        lines.insert(10, b"not json at all")
        path.write_bytes(b"\n".join(lines))
    with open_source([log], keys=[KEY]) as src:
        selected = [2, 9, 10, 11, 30, 47]
        out = tmp_path / "s.jsonl"
        export_slice(src, out=out, seqs=selected)
        assert read_back(out) == {s: entry_text(s) for s in selected}
        assert src.report.status == ("verified" if zip_ else "failed")


def test_a_file_changed_since_opening_is_an_error(tmp_path: Path) -> None:
    log = make_bundle(tmp_path / "log", n=32, every=16)
    with open_source([log], keys=[KEY]) as src:
        path = log / "entries" / "part-00000.jsonl"
        path.write_bytes(path.read_bytes().replace(b'"evt_000005"', b'"evt_00000X"'))
        with pytest.raises(ExportError, match="changed on disk"):
            export_slice(src, out=tmp_path / "s.zip", seqs=[5])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log"]


def test_a_slice_never_mixes_logs(log_dir: Path, tmp_path: Path) -> None:
    other = copy_vector("valid-jsonl", tmp_path)
    with pytest.raises(ExportError, match="different logs"):
        export_slice([log_dir, other], out=tmp_path / "s.zip", seqs=[1], keys=[KEY, ACME])
    export_slice([log_dir, other], out=tmp_path / "s.jsonl", seqs=[1], keys=[KEY, ACME])


def test_an_entry_whose_seq_field_disagrees_with_its_row_stays_at_its_row(tmp_path: Path) -> None:
    moved = entry_text(5).replace(b'"seq":5', b'"seq":7')
    log = make_bundle(tmp_path / "pq", n=32, every=16, fmt="parquet", mutate={5: moved})
    with open_source([log], keys=[KEY]) as src:
        assert "seq_mismatch" in {f.kind for f in src.report.findings}
        out = tmp_path / "s.zip"
        export_slice(src, out=out, seqs=[5, 6, 20])
    assert manifest_of(out)["files"][0]["path"] == "entries/part-00000.parquet"
    assert read_back_rows(out) == {5: moved, 6: entry_text(6), 20: entry_text(20)}
    report = verify_paths([out], [KEY])
    assert report.verified_entries == 1 and "seq_mismatch" in {f.kind for f in report.findings}


def read_back_rows(path: Path) -> dict[int, bytes]:
    """Like read_back, but tolerating entries with problems (they are part of the test)."""
    workspace = open_workspace([path])
    try:
        return {
            seq: leaf
            for batch in workspace.iter_batches()
            for seq, leaf in zip(batch.table.column(0).to_pylist(), batch.table.column(1).to_pylist(), strict=True)
        }
    finally:
        workspace.close()


def test_plain_exports_refuse_to_be_a_bundle(source: ExportSource, tmp_path: Path) -> None:
    plain = tmp_path / "p.jsonl"
    export_slice(source, out=plain, seqs=[1, 2, 3])
    with open_source([plain], keys=[KEY]) as src:
        with pytest.raises(ExportError, match="plain export"):
            export_slice(src, out=tmp_path / "b.zip", seqs=[1])
        export_slice(src, out=tmp_path / "again.csv", seqs=[1, 3])
    assert sorted(read_back(tmp_path / "again.csv")) == [1, 3]


def test_parquet_export_has_typed_columns_and_says_it_has_no_proof(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    export_slice(source, out=out, seqs=[0, 5])
    table = pq.read_table(out)
    assert table.schema.field("seq").type == pa.int64()
    assert table.schema.field("time").type == pa.timestamp("us", tz="UTC")
    row = table.to_pylist()[1]
    assert row["resource_id"] == RESOURCES[5 % 3][1]
    assert row["event_type"] == "Nakama Builder Update"
    assert json.loads(row["metadata"])["n"] == 5
    assert row["integrity_at_export"] == "verified"
    meta = json.loads(table.schema.metadata[b"auditviewer.export"])
    assert meta["proof"] is False and "cannot be verified" in meta["note"]


# --------------------------------------------------------------------------
# CSV: nothing a spreadsheet would run


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1", "'\uff1d1"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
        ('{"a":1}', '{"a":1}'),
    ],
)
def test_neutralize_cell(cell: str, safe: str) -> None:
    assert neutralize_cell(cell) == safe


def test_csv_cells_are_neutralised_and_entries_read_back_exactly(source: ExportSource, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    selected = list(range(0, 14))
    export_slice(source, out=out, seqs=selected)
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(selected)
    for row in rows:
        for name, value in row.items():
            assert not value or value[0] not in "=+-@\t\r", (name, value)
        assert json.loads(row["entry"])["seq"] == int(row["seq"])
    names = {row["actor_name"] for row in rows}
    assert "'=HYPERLINK(\"http://evil.example\")" in names and "'\tcmd" in names and "'-2+3" in names
    originals = dict(source.read_entries(selected))
    assert {int(r["seq"]): r["entry"].encode() for r in rows} == originals
    assert read_back(out) == originals


# --------------------------------------------------------------------------
# Command line


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditviewer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, AUDITVIEWER_TRUST_STORE=os.devnull),
    )


@needs_store
def test_cli_export(log_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.zip"
    result = run_cli("export", str(log_dir), "-q", "resource:dep_0001 seq:0..200", "--out", str(out), "--trust", KEY_STRING)
    assert result.returncode == 0, result.stderr
    assert "verifiable slice bundle" in result.stdout and "the slice verifies as: verified" in result.stdout
    assert verify_paths([out], [KEY]).status == "verified"
    again = run_cli("export", str(log_dir), "--out", str(out), "--trust", KEY_STRING)
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and str(out) in again.stderr and "--force" in again.stderr
    forced = run_cli("export", str(log_dir), "--out", str(out), "--force", "--format", "bundle")
    assert forced.returncode == 0 and "warning" in forced.stderr
    plain = run_cli("export", str(log_dir), "--out", str(tmp_path / "p.csv"), "-q", "seq:1..3")
    assert plain.returncode == 0 and "no proof" in plain.stdout
    missing = run_cli("export", str(tmp_path / "nope"), "--out", str(tmp_path / "x.zip"))
    assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("export", str(log_dir), "--out", str(tmp_path / "x.txt"))
    assert bad.returncode == 2 and "x.txt" in bad.stderr
