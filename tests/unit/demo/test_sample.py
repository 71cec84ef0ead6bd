"""Sample bundles: exactly spec bundle-v1, reproducible, signed, and written atomically.

Checked here against the spec's formulas with the chain and note primitives
only, not the project's verifier, so that a bug shared by both cannot hide.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from auditviewer.core.errors import ExportError
from auditviewer.demo import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_EXPORTED_AT,
    DEFAULT_ORIGIN,
    SampleResult,
    demo_bundle_path,
    demo_verifier_key,
    sample_verifier_key,
    write_sample_bundle,
)
from auditviewer.demo.writer import _plan  # the earlier entries of a mid-log export
from auditviewer.integrity.chain import ZERO_HEAD, leaf_hash, next_head
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.integrity.notes import Checkpoint, check_signatures, parse_checkpoint

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "data"
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ENTRY_FIELDS = {"seq", "id", "time", "category", "action", "actor", "resource", "title", "metadata"}
RESOURCE_TYPES = {
    "organization",
    "title",
    "user",
    "billing",
    "nakama_deployment",
    "nakama_builder",
    "satori_deployment",
}


def jcs(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_leaves(bundle: Path) -> list[bytes]:
    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    (entries,) = [f for f in manifest["files"] if f["role"] == "entries"]
    path = bundle / entries["path"]
    if path.suffix == ".parquet":
        return [s.encode() for s in pq.read_table(path, columns=["entry"]).column(0).to_pylist()]
    data = path.read_bytes()
    assert data.endswith(b"\n") and b"\n\n" not in data
    return data[:-1].split(b"\n")


def read_checkpoints(bundle: Path) -> list[Checkpoint]:
    lines = (bundle / "checkpoints.jsonl").read_text("utf-8").splitlines()
    return [parse_checkpoint(json.loads(line)["note"]) for line in lines]


def check_bundle(bundle: Path, result: SampleResult) -> list[dict[str, Any]]:
    """Check everything spec §2-§5 demands of the bundle; return the entries."""
    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "audit-bundle" and manifest["version"] == 1
    assert manifest["origin"] == result.origin
    assert manifest["scope"] == {"type": "organization"}
    assert set(manifest["organization"]) == {"id", "name"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["exported_at"])
    assert manifest["keys"] == [result.verifier_key]
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json"}
    for f in manifest["files"]:
        data = (bundle / f["path"]).read_bytes()
        assert f["size"] == len(data)
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
    assert sorted(f["role"] for f in manifest["files"]) == ["checkpoints", "entries"]

    leaves = read_leaves(bundle)
    assert len(leaves) == result.entries
    entries = [json.loads(leaf) for leaf in leaves]
    for i, (leaf, entry) in enumerate(zip(leaves, entries, strict=True)):
        assert leaf == jcs(entry).encode(), "not in RFC 8785 canonical form"
        assert entry["seq"] == result.first_seq + i
        assert set(entry) == ENTRY_FIELDS
        assert TIME_RE.match(entry["time"])
        assert entry["category"] in CATEGORIES and entry["action"] in ACTIONS
        actor = entry["actor"]
        assert actor["type"] in ("user", "system", "api_key")
        assert ("email" in actor) == (actor["type"] == "user")
        assert entry["resource"]["type"] in RESOURCE_TYPES
        assert set(entry["resource"]) == {"type", "id", "name"}
        assert entry["title"] is None or set(entry["title"]) == {"id", "name"}
        assert isinstance(entry["metadata"], dict)
        # json.dumps is JCS only without floats (JCS has its own number form).
        assert not any(isinstance(v, float) for v in _scalars(entry))

    # The chain (spec §3) and the checkpoints (spec §4).
    key = parse_verifier_key(result.verifier_key)
    trusted = {(key.name, key.key_id): key}
    checkpoints = read_checkpoints(bundle)
    assert len(checkpoints) == result.checkpoints
    by_size = {c.size: c for c in checkpoints}
    assert len(by_size) == len(checkpoints), "one checkpoint per size"
    for c in checkpoints:
        assert c.origin == result.origin
        assert c.time is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c.time)
        assert c.time <= manifest["exported_at"]
        signers = check_signatures(c.text, c.signatures, trusted)
        assert [(s.trusted, s.valid) for s in signers] == [(True, True)]
    times = [c.time or "" for c in checkpoints]
    assert times == sorted(times)
    sizes = [c.size for c in checkpoints]
    assert sizes == sorted(sizes)
    expected_sizes = expected_checkpoint_sizes(result.first_seq, result.first_seq + result.entries)
    assert sizes == expected_sizes

    head = by_size[result.first_seq].head if result.first_seq else ZERO_HEAD
    for i, leaf in enumerate(leaves):
        head = next_head(head, leaf_hash(leaf))
        size = result.first_seq + i + 1
        if size in by_size:
            assert by_size[size].head == head, f"checkpoint at {size} does not match the chain"
    return entries


def _scalars(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    return [value]


def expected_checkpoint_sizes(first: int, end: int) -> list[int]:
    sizes = [first] if first else []
    sizes += [k for k in range(1024, end + 1, 1024) if k > first]
    if end not in sizes:
        sizes.append(end)
    return sizes


@pytest.fixture(scope="module")
def jsonl_3000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleResult]:
    out = tmp_path_factory.mktemp("sample") / "acme"
    return out, write_sample_bundle(out, entries=3000)


def test_default_bundle_is_exactly_the_spec(jsonl_3000: tuple[Path, SampleResult]) -> None:
    out, result = jsonl_3000
    assert result.path == out and result.entries == 3000 and result.origin == DEFAULT_ORIGIN
    assert result.first_seq == 0
    assert result.verifier_key == sample_verifier_key(seed=1) == demo_verifier_key()
    check_bundle(out, result)


def test_all_categories_and_actions_and_realistic_content(
    jsonl_3000: tuple[Path, SampleResult],
) -> None:
    entries = check_bundle(*jsonl_3000)
    assert {e["category"] for e in entries} == set(CATEGORIES)
    assert {e["action"] for e in entries} == set(ACTIONS)
    assert {e["actor"]["type"] for e in entries} == {"user", "system", "api_key"}
    assert {e["resource"]["type"] for e in entries} == RESOURCE_TYPES
    titles = {e["title"]["name"] for e in entries if e["title"]}
    assert {"Drachen-Taktik", "ドラゴン戦術", "Café Quest"} <= titles
    assert any(e["title"] is None for e in entries)
    names = {e["actor"].get("name", "") for e in entries}
    assert any(not n.isascii() for n in names)
    metadata = " ".join(jcs(e["metadata"]) for e in entries)
    for needle in ('"image":{"after":"registry.heroiclabs.com/acme/nakama:', '"request":{"ip":'):
        assert needle in metadata
    for key in ('"tier":{"after":', '"role":{"after":', '"plan":{"after":', '"commit":"'):
        assert key in metadata
    # Increasing, spanning about three months before the export.
    times = [e["time"] for e in entries]
    assert times == sorted(times)
    assert times[0] < "2026-08-25" and times[-1] > "2026-11-19"


@pytest.mark.parametrize("entries", [100, 137])
def test_small_bundles_still_cover_every_category_and_action(tmp_path: Path, entries: int) -> None:
    result = write_sample_bundle(tmp_path / "b", entries=entries, seed=7)
    found = check_bundle(tmp_path / "b", result)
    assert {e["category"] for e in found} == set(CATEGORIES)
    assert {e["action"] for e in found} == set(ACTIONS)


def test_one_entry(tmp_path: Path) -> None:
    result = write_sample_bundle(tmp_path / "b", entries=1)
    check_bundle(tmp_path / "b", result)
    assert result.checkpoints == 1


def test_entries_match_the_vectors_shape(jsonl_3000: tuple[Path, SampleResult]) -> None:
    out, _ = jsonl_3000
    vector = VECTORS / "valid-jsonl"
    ours = json.loads((out / "manifest.json").read_text("utf-8"))
    theirs = json.loads((vector / "manifest.json").read_text("utf-8"))
    assert set(ours) == set(theirs)
    assert [set(f) for f in ours["files"]] == [set(f) for f in theirs["files"]]
    their_entry = json.loads(
        (vector / "entries/part-00000.jsonl").read_text("utf-8").splitlines()[0]
    )
    our_entry = json.loads(read_leaves(out)[0])
    assert set(our_entry) == set(their_entry)
    # The same line form as the vectors' checkpoints.jsonl.
    their_line = (vector / "checkpoints.jsonl").read_text("utf-8").splitlines()[0]
    our_line = (out / "checkpoints.jsonl").read_text("utf-8").splitlines()[0]
    assert our_line[:10] == their_line[:10] == '{"note": "'


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    def files(bundle: Path) -> dict[str, bytes]:
        return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*.*")}

    write_sample_bundle(tmp_path / "a", entries=1500, seed=3)
    write_sample_bundle(tmp_path / "b", entries=1500, seed=3)
    write_sample_bundle(tmp_path / "c", entries=1500, seed=4)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert (
        files(tmp_path / "a")["entries/part-00000.jsonl"]
        != files(tmp_path / "c")["entries/part-00000.jsonl"]
    )
    for name in ("a.zip", "b.zip"):
        write_sample_bundle(tmp_path / name, entries=500, seed=3, zip_=True, fmt="parquet")
    # The zip's folder is named after the file; everything else is the same.
    with zipfile.ZipFile(tmp_path / "a.zip") as za, zipfile.ZipFile(tmp_path / "b.zip") as zb:
        assert [i.date_time for i in za.infolist()] == [i.date_time for i in zb.infolist()]
        assert [za.read(i) for i in za.infolist()] == [zb.read(i) for i in zb.infolist()]
    write_sample_bundle(tmp_path / "sub" / "a.zip", entries=500, seed=3, zip_=True, fmt="parquet")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "sub" / "a.zip").read_bytes()


def test_checkpoint_cadence_over_many_intervals(tmp_path: Path) -> None:
    result = write_sample_bundle(tmp_path / "b", entries=5 * 1024)
    check_bundle(tmp_path / "b", result)
    assert [c.size for c in read_checkpoints(tmp_path / "b")] == [1024 * k for k in range(1, 6)]


def test_parquet_head_column_is_the_chain(tmp_path: Path) -> None:
    n = 66_000  # more than one row group
    result = write_sample_bundle(tmp_path / "p", entries=n, fmt="parquet", seed=2)
    path = tmp_path / "p" / "entries" / "part-00000.parquet"
    pf = pq.ParquetFile(path)
    assert pf.metadata.num_row_groups == 2 and pf.metadata.row_group(0).num_rows == 65536
    schema = pf.schema_arrow
    assert [(f.name, str(f.type)) for f in schema] == [
        ("seq", "int64"),
        ("entry", "string"),
        ("head", "binary"),
    ]
    table = pf.read()
    assert table.column("seq").to_pylist() == list(range(n))
    recorded = table.column("head").to_pylist()
    head = ZERO_HEAD
    for seq, entry in enumerate(table.column("entry").to_pylist()):
        head = next_head(head, leaf_hash(entry.encode()))
        assert recorded[seq] == head, f"head of seq {seq}"
    by_size = {c.size: c.head for c in read_checkpoints(tmp_path / "p")}
    assert list(by_size) == [*range(1024, n, 1024), n]
    assert all(by_size[size] == recorded[size - 1] for size in by_size)
    assert result.checkpoints == len(by_size)


def test_parquet_and_jsonl_hold_the_same_entries(tmp_path: Path) -> None:
    write_sample_bundle(tmp_path / "j", entries=2000, seed=5)
    write_sample_bundle(tmp_path / "p", entries=2000, seed=5, fmt="parquet")
    assert read_leaves(tmp_path / "j") == read_leaves(tmp_path / "p")
    assert (tmp_path / "j/checkpoints.jsonl").read_bytes() == (
        tmp_path / "p/checkpoints.jsonl"
    ).read_bytes()


@pytest.mark.parametrize(("start", "sizes"), [(2000, [2000, 2048, 3072, 3500]), (2048, None)])
def test_export_starting_mid_log(tmp_path: Path, start: int, sizes: list[int] | None) -> None:
    result = write_sample_bundle(tmp_path / "m", entries=1500, start_seq=start)
    assert result.first_seq == start
    check_bundle(tmp_path / "m", result)  # chain recomputed from the checkpoint at `start`
    found = [c.size for c in read_checkpoints(tmp_path / "m")]
    assert found == (sizes or expected_checkpoint_sizes(start, start + 1500))
    assert found[0] == start


def test_head_at_the_first_seq_commits_to_the_earlier_entries(tmp_path: Path) -> None:
    """The earlier entries are really made (not a made-up head): canonical, seq 0 on, earlier."""
    result = write_sample_bundle(tmp_path / "m", entries=10, start_seq=30)
    first = read_checkpoints(tmp_path / "m")[0]
    assert first.size == 30
    plan = _plan(
        seed=1, entries=10, start_seq=30, exported_at=DEFAULT_EXPORTED_AT, time_regressions=False
    )
    earlier = plan.stream.batch(30)
    head = ZERO_HEAD
    for seq, line in enumerate(earlier):
        entry = json.loads(line)
        assert line == jcs(entry) and entry["seq"] == seq
        head = next_head(head, leaf_hash(line.encode()))
    assert first.head == head
    exported = check_bundle(tmp_path / "m", result)
    assert json.loads(earlier[-1])["time"] <= exported[0]["time"]


def test_zip_has_one_top_level_folder_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "acme-export.zip"
    result = write_sample_bundle(out, entries=1200, fmt="parquet", zip_=True)
    assert result.path == out and out.is_file()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert {n.split("/")[0] for n in names} == {"acme-export"}
        zf.extractall(tmp_path / "x")
    check_bundle(tmp_path / "x" / "acme-export", result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme-export.zip", "x"]


def test_existing_path_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "keep").write_text("mine")
    with pytest.raises(FileExistsError):
        write_sample_bundle(out, entries=10)
    assert [p.name for p in out.iterdir()] == ["keep"]
    (tmp_path / "z.zip").write_bytes(b"not ours")
    with pytest.raises(FileExistsError):
        write_sample_bundle(tmp_path / "z.zip", entries=10, zip_=True)
    assert (tmp_path / "z.zip").read_bytes() == b"not ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "z.zip"]


def test_overwrite_replaces_an_earlier_bundle(tmp_path: Path) -> None:
    out = tmp_path / "b"
    write_sample_bundle(out, entries=10)
    result = write_sample_bundle(out, entries=20, overwrite=True)
    check_bundle(out, result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_overwrite_refuses_an_unrelated_folder(tmp_path: Path) -> None:
    # The one rule of the atomic writer (issue 11.14): --force replaces a file or an
    # earlier bundle, never a folder of someone else's files.
    out = tmp_path / "b"
    out.mkdir()
    (out / "old").write_text("x")
    with pytest.raises(ExportError, match="not an earlier export"):
        write_sample_bundle(out, entries=20, overwrite=True)
    assert (out / "old").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def cancel(done: int, total: int) -> None:
        calls.append((done, total))
        if done >= 8192:
            raise KeyboardInterrupt

    for kwargs in ({}, {"zip_": True}, {"fmt": "parquet"}):
        with pytest.raises(KeyboardInterrupt):
            write_sample_bundle(tmp_path / "b", entries=100_000, progress=cancel, **kwargs)
        assert list(tmp_path.iterdir()) == []
    assert calls[0] == (8192, 100_000)


def test_progress_counts_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    write_sample_bundle(
        tmp_path / "b", entries=20_000, start_seq=70_000, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (90_000, 90_000)
    assert [d for d, _ in calls] == sorted({d for d, _ in calls})


def test_time_regressions_are_off_by_default_and_rare_when_on(
    tmp_path: Path, jsonl_3000: tuple[Path, SampleResult]
) -> None:
    def regressions(bundle: Path) -> int:
        times = [json.loads(leaf)["time"] for leaf in read_leaves(bundle)]
        return sum(b < a for a, b in itertools.pairwise(times))

    assert regressions(jsonl_3000[0]) == 0
    result = write_sample_bundle(tmp_path / "r", entries=5000, time_regressions=True)
    check_bundle(tmp_path / "r", result)
    assert 1 <= regressions(tmp_path / "r") <= 50


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample_bundle(tmp_path / "b", entries=0)
    with pytest.raises(ValueError):
        write_sample_bundle(tmp_path / "b", origin="has space")
    with pytest.raises(ValueError):
        write_sample_bundle(tmp_path / "b", start_seq=-1)
    assert list(tmp_path.iterdir()) == []


def test_origin_and_seed_name_the_key(tmp_path: Path) -> None:
    origin = "audit.heroiclabs.example/org/other"
    result = write_sample_bundle(tmp_path / "b", entries=50, origin=origin, seed=9)
    key = parse_verifier_key(result.verifier_key)
    assert key.name == origin and result.verifier_key == sample_verifier_key(seed=9, origin=origin)
    assert result.verifier_key != sample_verifier_key(seed=1, origin=origin)
    check_bundle(tmp_path / "b", result)
    # The key is the documented derivation: anyone can rebuild it from the seed.
    from nacl.signing import SigningKey

    public = bytes(SigningKey(hashlib.sha256(b"auditviewer-demo9").digest()).verify_key)
    assert result.verifier_key.endswith(base64.b64encode(b"\x01" + public).decode())


def test_demo_bundle_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    path = demo_bundle_path()
    assert path.is_relative_to(tmp_path / "cache" / "demo")
    stamp = (path / "manifest.json").stat().st_mtime_ns
    assert demo_bundle_path() == path
    assert (path / "manifest.json").stat().st_mtime_ns == stamp
    result = SampleResult(
        path=path,
        verifier_key=demo_verifier_key(),
        entries=3000,
        origin=DEFAULT_ORIGIN,
        checkpoints=3,
    )
    entries = check_bundle(path, result)
    assert {e["category"] for e in entries} == set(CATEGORIES)
