"""Spec §7 verification over bundles built in the test, one rule at a time, plus properties."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditviewer.integrity.notes import checkpoint_text, sign_note
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import (
    heads_of,
    make_entry,
    refresh_manifest,
    signer,
    write_bundle,
)

KEY = signer()
LEAVES = [make_entry(i) for i in range(50)]


def run(*paths: Path, keys: list | None = None) -> Report:
    workspace = open_workspace(list(paths))
    try:
        return verify_workspace(workspace, [KEY.verifier] if keys is None else keys)
    finally:
        workspace.close()


def kinds(report: Report) -> set[str]:
    return {f.kind for f in report.findings}


def test_whole_log_verifies(tmp_path: Path) -> None:
    report = run(write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY))
    assert report.status == "verified"
    assert report.verified_entries == 50
    assert [c.status for c in report.checkpoints] == ["ok", "ok", "ok"]
    assert report.state_ranges == [(0, 49, "verified")]


def test_export_starting_mid_interval_is_missing_anchor(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", LEAVES[20:], checkpoint_sizes=[32, 50], key=KEY, all_leaves=LEAVES)
    report = run(bundle)
    assert report.status == "incomplete"
    assert "missing_anchor" in kinds(report)
    assert report.verified_entries == 18  # 32..49
    assert report.counts()["unverified"] == 12


def test_export_starting_at_a_checkpoint_verifies(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", LEAVES[20:], checkpoint_sizes=[20, 32, 50], key=KEY, all_leaves=LEAVES)
    report = run(bundle)
    assert report.status == "verified"
    assert report.verified_entries == 30


def test_entries_after_last_checkpoint_are_unsigned_tail(tmp_path: Path) -> None:
    report = run(write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[32], key=KEY))
    assert report.status == "incomplete"
    assert "unsigned_tail" in kinds(report)
    assert report.verified_entries == 32


def test_checkpoint_beyond_the_export_is_log_continues_not_missing(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", LEAVES[:40], checkpoint_sizes=[32, 50], key=KEY, all_leaves=LEAVES)
    report = run(bundle)
    assert {"log_continues", "unsigned_tail"} <= kinds(report)
    assert "entry_missing" not in kinds(report)
    assert report.status == "incomplete"
    assert report.verified_entries == 32


def test_deleted_entry_is_entry_missing(tmp_path: Path) -> None:
    lines = LEAVES[:10] + LEAVES[11:]
    bundle = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[16, 50], key=KEY, entry_lines=lines)
    # The manifest's hash matches the file we wrote, so only the chain can tell.
    report = run(bundle)
    assert report.status == "failed"
    assert "entry_missing" in kinds(report)
    assert report.verified_entries == 34


def test_changed_entry_is_chain_mismatch_in_its_interval_only(tmp_path: Path) -> None:
    lines = list(LEAVES)
    lines[20] = make_entry(20, note="changed")
    bundle = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY, entry_lines=lines)
    report = run(bundle)
    mismatch = next(f for f in report.findings if f.kind == "chain_mismatch")
    assert (mismatch.seq, mismatch.seq_end, mismatch.checkpoint) == (16, 31, 32)
    assert report.verified_entries == 34
    assert report.state_ranges == [(0, 15, "verified"), (16, 31, "failed"), (32, 49, "verified")]


def test_untrusted_key_verifies_nothing(tmp_path: Path) -> None:
    report = run(write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[50], key=KEY), keys=[])
    assert report.status == "incomplete"
    assert report.verified_entries == 0
    assert "untrusted_key" in kinds(report)
    assert report.checkpoints[0].status == "untrusted"


def test_no_checkpoints(tmp_path: Path) -> None:
    report = run(write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[], key=KEY))
    assert report.status == "incomplete"
    assert "no_checkpoints" in kinds(report)


def test_foreign_checkpoint_verifies_nothing(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[50], key=KEY)
    head = heads_of(LEAVES)[-1]
    note = sign_note(checkpoint_text("other.example/log", 50, head), KEY.name, KEY.key)
    (bundle / "checkpoints.jsonl").write_text(json.dumps({"note": note}) + "\n")
    report = run(bundle)
    assert "foreign_checkpoint" in kinds(report)
    assert "file_hash_mismatch" in kinds(report)  # we changed a listed file
    assert report.verified_entries == 0


def test_fork_between_two_bundles(tmp_path: Path) -> None:
    a = write_bundle(tmp_path / "a", LEAVES, checkpoint_sizes=[50], key=KEY)
    other = [*LEAVES[:49], make_entry(49, rewritten=True)]
    b = write_bundle(tmp_path / "b", other, checkpoint_sizes=[50], key=KEY)
    report = run(a, b)
    assert report.status == "failed"
    assert {"fork", "seq_conflict"} <= kinds(report)
    fork = next(f for f in report.findings if f.kind == "fork")
    assert len(fork.evidence) == 2


def test_malformed_line_fails_only_itself_and_names_file_and_line(tmp_path: Path) -> None:
    lines = list(LEAVES)
    lines.insert(5, b'{"seq": 1, "seq": 1}')
    bundle = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[50], key=KEY, entry_lines=lines)
    report = run(bundle)
    bad = next(f for f in report.findings if f.kind == "malformed_entry")
    assert bad.line == 6 and bad.file is not None and bad.file.endswith("part-00000.jsonl")
    assert report.status == "failed"


def _parquet_bundle(tmp_path: Path, leaves: list[bytes], seqs: list[int]) -> Path:
    folder = write_bundle(tmp_path / "p", LEAVES, checkpoint_sizes=[16, 50], key=KEY)
    jsonl = folder / "entries" / "part-00000.jsonl"
    jsonl.unlink()
    table = pa.table(
        {"seq": pa.array(seqs, pa.int64()), "entry": pa.array(leaves, pa.binary()), "head": heads_of(LEAVES)}
    )
    pq.write_table(table, folder / "entries" / "part-00000.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    import hashlib

    data = (folder / "entries" / "part-00000.parquet").read_bytes()
    manifest["files"][0] = {
        "path": "entries/part-00000.parquet",
        "role": "entries",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_parquet_bundle_verifies(tmp_path: Path) -> None:
    report = run(_parquet_bundle(tmp_path, LEAVES, list(range(50))))
    assert report.status == "verified" and report.verified_entries == 50


def test_parquet_recorded_heads_pinpoint_the_changed_entry(tmp_path: Path) -> None:
    leaves = list(LEAVES)
    leaves[23] = make_entry(23, tampered=True)
    report = run(_parquet_bundle(tmp_path, leaves, list(range(50))))
    mismatch = next(f for f in report.findings if f.kind == "chain_mismatch")
    assert "first entry whose recorded head differs is seq 23" in mismatch.message


def test_parquet_seq_column_disagreeing_with_entry_is_seq_mismatch(tmp_path: Path) -> None:
    seqs = list(range(50))
    leaves = list(LEAVES)
    leaves[3], leaves[4] = leaves[4], leaves[3]
    report = run(_parquet_bundle(tmp_path, leaves, seqs))
    assert "seq_mismatch" in kinds(report)
    assert report.status == "failed"


# --- properties -------------------------------------------------------------------------------

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(data=st.data())
def test_flipping_any_byte_of_an_entry_or_checkpoint_never_verifies(tmp_path: Path, data: st.DataObject) -> None:
    leaves = LEAVES[:20]
    folder = tmp_path / f"b{random.getrandbits(64)}"
    write_bundle(folder, leaves, checkpoint_sizes=[8, 20], key=KEY)
    target = folder / data.draw(st.sampled_from(["entries/part-00000.jsonl", "checkpoints.jsonl"]))
    raw = bytearray(target.read_bytes())
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    target.write_bytes(bytes(raw))
    # The manifest is unsigned: an attacker refreshes it, so only the chain and notes may catch this.
    refresh_manifest(folder)
    try:
        report = run(folder)
    except Exception as exc:  # an unreadable input is also not "verified"
        assert type(exc).__name__ == "InputError"
    else:
        assert report.status != "verified"
    finally:
        shutil.rmtree(folder)


@_SETTINGS
@given(order=st.permutations(list(range(20))))
def test_reordering_lines_changes_nothing(tmp_path: Path, order: list[int]) -> None:
    leaves = LEAVES[:20]
    base = write_bundle(tmp_path / "base", leaves, checkpoint_sizes=[8, 20], key=KEY)
    shuffled = write_bundle(
        tmp_path / "shuffled", leaves, checkpoint_sizes=[8, 20], key=KEY, entry_lines=[leaves[i] for i in order]
    )
    a, b = run(base), run(shuffled)
    assert (a.status, a.verified_entries, a.state_ranges) == (b.status, b.verified_entries, b.state_ranges)
    assert a.status == "verified"


def test_export_inside_one_interval_with_checkpoint_beyond_is_unproven_not_missing(tmp_path: Path) -> None:
    # Entries 20..39; the only checkpoint is at 50: seqs are missing before the
    # export's start and after its end, and none inside it.
    bundle = write_bundle(tmp_path / "b", LEAVES[20:40], checkpoint_sizes=[50], key=KEY, all_leaves=LEAVES)
    report = run(bundle)
    assert report.status == "incomplete"
    assert {"missing_anchor", "unsigned_tail", "log_continues"} <= kinds(report)
    assert "entry_missing" not in kinds(report)
    assert report.counts()["unverified"] == 20


def test_gap_inside_an_export_between_anchors_is_still_entry_missing(tmp_path: Path) -> None:
    lines = LEAVES[20:30] + LEAVES[31:40]
    bundle = write_bundle(
        tmp_path / "b", LEAVES[20:40], checkpoint_sizes=[50], key=KEY, all_leaves=LEAVES, entry_lines=lines
    )
    report = run(bundle)
    assert "entry_missing" in kinds(report)
    assert report.status == "failed"


def test_time_going_backwards_is_an_info_finding_only(tmp_path: Path) -> None:
    leaves = [make_entry(i) for i in range(20)]
    leaves[7] = make_entry(7, time="2026-01-01T00:00:00.000Z")
    report = run(write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[20], key=KEY))
    regressions = [f for f in report.findings if f.kind == "time_regression"]
    assert [f.seq for f in regressions] == [7]
    assert regressions[0].severity == "info"
    assert report.status == "verified"


def test_nested_time_in_metadata_is_not_mistaken_for_the_entry_time(tmp_path: Path) -> None:
    leaves = [make_entry(i, metadata={"seq": i, "time": "1999-01-01T00:00:00Z"}) for i in range(5)]
    report = run(write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[5], key=KEY))
    assert "time_regression" not in kinds(report)


def test_time_regression_compares_different_precisions_by_value() -> None:
    import pyarrow as pa

    from auditviewer.integrity.time_watch import TimeWatch

    times = ["2026-09-01T10:00:00Z", "2026-09-01T10:00:00.500Z", "2026-09-01T09:59:59.999Z", "2026-09-01T10:00:01Z"]
    leaves = [b'{"seq":%d,"time":"%s"}' % (i, t.encode()) for i, t in enumerate(times)]
    watch = TimeWatch()
    # Two batches: the boundary between them is compared too.
    watch.add(pa.array([0, 1], pa.int64()), pa.array(leaves[:2], pa.binary()))
    watch.add(pa.array([2, 3], pa.int64()), pa.array(leaves[2:], pa.binary()))
    assert [f.seq for f in watch.findings()] == [2]


def test_time_watch_survives_a_seq_text_beyond_int64() -> None:
    import pyarrow as pa

    from auditviewer.integrity.time_watch import TimeWatch

    watch = TimeWatch()
    leaves = [b'{"seq":9223372036854775808,"time":"2026-01-01T00:00:00Z"}', b'{"seq":1,"time":"2025-01-01T00:00:00Z"}']
    watch.add(pa.array([0, 1], pa.int64()), pa.array(leaves, pa.binary()))
    assert watch.findings() == []
