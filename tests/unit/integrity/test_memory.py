"""Remembered checkpoints: rollback and truncation, forks across time, agreement, corruption, forgetting."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditviewer.cli import main
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import (
    SOURCE_PREFIX,
    CheckpointMemory,
    file_name,
    fork_evidence,
    write_evidence,
)
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import load
from auditviewer.workspace.memory import verify_with_memory
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle

KEY = signer()
OTHER = signer(b"other key")
LEAVES = [make_entry(i) for i in range(50)]
FIRST_SEEN = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
STAMP = "2026-10-02T09:30:00Z"


def clock_from(start: datetime) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += timedelta(minutes=1)


def fixed_memory(**kwargs: object) -> CheckpointMemory:
    return CheckpointMemory(clock=lambda: FIRST_SEEN, **kwargs)  # type: ignore[arg-type]


def run(
    memory: CheckpointMemory | None, *paths: Path, keys: list[VerifierKey] | None = None
) -> Report:
    workspace = open_workspace(list(paths))
    try:
        trusted = [KEY.verifier] if keys is None else keys
        if memory is None:
            return verify_workspace(workspace, trusted)
        return verify_with_memory(workspace, trusted, memory)
    finally:
        workspace.close()


def seen(memory: CheckpointMemory, *paths: Path, keys: list[VerifierKey] | None = None) -> Report:
    """Verify with memory, then remember: what the viewer does on every open."""
    report = run(memory, *paths, keys=keys)
    memory.remember(report, ORIGIN)
    return report


def kinds(report: Report) -> set[str]:
    return {f.kind for f in report.findings}


def full_bundle(tmp_path: Path, name: str = "full", sizes: list[int] | None = None) -> Path:
    return write_bundle(tmp_path / name, LEAVES, checkpoint_sizes=sizes or [16, 32, 50], key=KEY)


def rewritten_bundle(tmp_path: Path) -> Path:
    """The same log with entry 20 rewritten and every checkpoint re-signed by the same key."""
    rewritten = list(LEAVES)
    rewritten[20] = make_entry(20, note="rewritten")
    return write_bundle(tmp_path / "rewritten", rewritten, checkpoint_sizes=[16, 32, 50], key=KEY)


def trust_args() -> list[str]:
    return ["--trust", KEY.verifier_string]


# -- rollback and truncation


def test_truncated_or_older_bundle_says_the_log_was_seen_further(tmp_path: Path) -> None:
    memory = fixed_memory()
    assert seen(memory, full_bundle(tmp_path)).status == "verified"
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)

    assert "log_continues" not in kinds(run(None, older))  # alone, an older export looks complete
    report = run(memory, older)
    assert report.status == "verified"  # log_continues is info: the entries it has are fine
    finding = next(f for f in report.findings if f.kind == "log_continues")
    assert finding.checkpoint == 50
    assert f"the log was seen at size 50 on {STAMP}" in finding.message
    assert "this export ends at size 32" in finding.message


def test_bundle_cut_inside_an_interval_still_reports_what_was_seen(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    cut = write_bundle(
        tmp_path / "cut", LEAVES[:40], checkpoint_sizes=[16, 32], key=KEY, all_leaves=LEAVES
    )
    report = run(memory, cut)
    assert report.status == "incomplete"
    assert {"unsigned_tail", "log_continues"} <= kinds(report)
    assert "entry_missing" not in kinds(report)
    # The remembered checkpoint at 50 is not within reach of the export: 32..39 stay unproven.
    assert report.verified_entries == 32


# -- forks across time


def test_rewritten_history_is_a_fork_with_both_notes(tmp_path: Path) -> None:
    memory = fixed_memory()
    original = full_bundle(tmp_path)
    seen(memory, original)
    rewritten = rewritten_bundle(tmp_path)
    assert run(None, rewritten).status == "verified"  # alone it is self-consistent

    report = run(memory, rewritten)
    assert report.status == "failed"
    forks = [f for f in report.findings if f.kind == "fork"]
    assert {f.checkpoint for f in forks} == {32, 50}
    original_notes = [
        json.loads(x)["note"] for x in (original / "checkpoints.jsonl").read_text().splitlines()
    ]
    rewritten_notes = [
        json.loads(x)["note"] for x in (rewritten / "checkpoints.jsonl").read_text().splitlines()
    ]
    fork_32 = next(f for f in forks if f.checkpoint == 32)
    assert sorted(fork_32.evidence) == sorted([original_notes[1], rewritten_notes[1]])
    assert "remembered" in fork_32.message and STAMP in fork_32.message
    # Neither history is an anchor; the forked checkpoints are never remembered.
    assert memory.remember(report, ORIGIN) == 0
    assert {r.note for r in memory.records(ORIGIN)} == set(original_notes)


def test_evidence_file_holds_both_notes_origin_size_and_heads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = full_bundle(tmp_path)
    rewritten = rewritten_bundle(tmp_path)
    out = tmp_path / "evidence.json"
    assert main(["verify", str(original), *trust_args(), "--remember"]) == 0
    assert (
        main(["verify", str(rewritten), *trust_args(), "--remember", "--evidence", str(out)]) == 1
    )
    evidence = json.loads(out.read_text())
    assert evidence["origin"] == ORIGIN
    fork = next(f for f in evidence["forks"] if f["size"] == 32)
    assert len(fork["notes"]) == 2 and len(set(fork["heads"])) == 2
    remembered = [c for c in fork["checkpoints"] if c["remembered"]]
    assert len(remembered) == 1 and remembered[0]["first_seen"].startswith("20")
    assert {c["note"] for c in fork["checkpoints"]} == set(fork["notes"])
    assert "fork evidence written" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".partial-")]


def test_no_fork_writes_no_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "evidence.json"
    assert main(["verify", str(full_bundle(tmp_path)), *trust_args(), "--evidence", str(out)]) == 0
    assert not out.exists()
    assert "no fork" in capsys.readouterr().err
    assert write_evidence(run(None, full_bundle(tmp_path, "again")), out) is False
    assert fork_evidence(run(None, full_bundle(tmp_path, "third"))) is None


def test_remembered_checkpoint_contradicted_by_entries_between_own_checkpoints(
    tmp_path: Path,
) -> None:
    # The earlier export was signed at 24; the rewritten one is signed only at 16 and 50.
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[24, 50]))
    rewritten = list(LEAVES)
    rewritten[20] = make_entry(20, note="rewritten")
    bundle = write_bundle(tmp_path / "rw", rewritten, checkpoint_sizes=[16], key=KEY)
    report = run(memory, bundle)
    assert report.status == "failed"
    mismatch = next(f for f in report.findings if f.kind == "chain_mismatch")
    assert mismatch.checkpoint == 24
    assert "remembered" in mismatch.message and STAMP in mismatch.message


# -- agreement


def test_agreeing_memory_between_entries_is_just_another_anchor(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(
        memory,
        write_bundle(tmp_path / "early", LEAVES[:40], checkpoint_sizes=[10, 25, 40], key=KEY),
    )
    report = run(memory, full_bundle(tmp_path))
    assert report.status == "verified"
    assert report.verified_entries == 50
    assert not [f for f in report.findings if f.severity != "info"]
    remembered = [c for c in report.checkpoints if c.source.startswith(SOURCE_PREFIX)]
    assert {c.size for c in remembered} == {10, 25, 40}
    assert all(c.status == "ok" for c in remembered)


def test_agreeing_memory_anchors_an_export_that_starts_mid_log(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[25, 50]))
    mid = write_bundle(
        tmp_path / "mid", LEAVES[20:], checkpoint_sizes=[32, 50], key=KEY, all_leaves=LEAVES
    )
    assert run(None, mid).verified_entries == 18
    report = run(memory, mid)
    assert report.status == "incomplete"  # 20..24 still lack an anchor below them
    assert report.verified_entries == 25
    assert "missing_anchor" in kinds(report)


def test_memory_past_a_gapped_tail_does_not_turn_unproven_into_failed(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[50]))
    # A bundle whose entries after its last checkpoint skip a seq (a filtered slice's tail).
    lines = LEAVES[:40] + LEAVES[41:45]
    gapped = write_bundle(
        tmp_path / "gapped", LEAVES, checkpoint_sizes=[32], key=KEY, entry_lines=lines
    )
    alone = run(None, gapped)
    report = run(memory, gapped)
    assert alone.status == report.status == "incomplete"
    assert "entry_missing" not in kinds(report)
    assert report.verified_entries == alone.verified_entries == 32
    assert "log_continues" in kinds(report)


def test_memory_around_an_export_with_no_anchor_of_its_own(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[50]))
    bare = write_bundle(
        tmp_path / "bare", LEAVES[20:40], checkpoint_sizes=[], key=KEY, all_leaves=LEAVES
    )
    report = run(memory, bare)
    assert report.status == "incomplete"
    assert "entry_missing" not in kinds(report)
    assert {"no_checkpoints", "log_continues"} <= kinds(report)


def test_memory_alone_can_vouch_but_the_bundle_still_has_no_checkpoints(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    bare = write_bundle(tmp_path / "bare", LEAVES, checkpoint_sizes=[], key=KEY)
    report = run(memory, bare)
    assert report.verified_entries == 50
    assert report.status == "incomplete"
    assert "no_checkpoints" in kinds(report)


def test_remembered_note_anchors_only_if_a_key_trusted_now_signs_it(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    # Same log, now signed by another key that is the only one trusted: memory is silent.
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=OTHER)
    report = run(memory, older, keys=[OTHER.verifier])
    assert report.status == "verified"
    assert kinds(report) == set()
    assert not [c for c in report.checkpoints if c.source.startswith(SOURCE_PREFIX)]
    assert memory.problems == []


def test_workspace_is_left_with_its_own_checkpoints(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    workspace = open_workspace(
        [write_bundle(tmp_path / "o", LEAVES[:32], checkpoint_sizes=[32], key=KEY)]
    )
    try:
        before = list(workspace.checkpoint_lines)
        verify_with_memory(workspace, [KEY.verifier], memory)
        assert workspace.checkpoint_lines == before
    finally:
        workspace.close()


# -- what is written, and where


def test_remember_is_off_by_default(tmp_path: Path) -> None:
    assert main(["verify", str(full_bundle(tmp_path)), *trust_args(), "--json"]) == 0
    data = Path(os.environ["AUDITVIEWER_DATA_DIR"])
    assert not data.exists() or not any(data.rglob("*"))


def test_cli_remember_writes_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["verify", str(full_bundle(tmp_path)), *trust_args(), "--remember", "--json"]) == 0
    data = Path(os.environ["AUDITVIEWER_DATA_DIR"])
    path = data / "checkpoints" / file_name(ORIGIN)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [sorted(x) for x in lines] == [["first_seen", "last_seen", "note", "source"]] * 3
    assert CheckpointMemory().folder == data / "checkpoints"
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(tmp_path / "elsewhere"))
    assert CheckpointMemory().records(ORIGIN) == []


def test_untrusted_checkpoints_are_never_remembered(tmp_path: Path) -> None:
    memory = fixed_memory()
    report = seen(memory, full_bundle(tmp_path), keys=[])
    assert report.status == "incomplete"
    assert memory.remember(report, ORIGIN) == 0
    assert not memory.path_for(ORIGIN).exists()


def test_failed_checkpoints_are_never_remembered(tmp_path: Path) -> None:
    lines = list(LEAVES)
    lines[20] = make_entry(20, note="changed")
    bundle = write_bundle(
        tmp_path / "b", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY, entry_lines=lines
    )
    memory = fixed_memory()
    report = seen(memory, bundle)
    assert report.status == "failed"
    assert {c.size: c.status for c in report.checkpoints} == {16: "ok", 32: "mismatch", 50: "ok"}
    assert sorted(r.size for r in memory.records(ORIGIN)) == [16, 50]


def test_bad_signature_is_never_remembered(tmp_path: Path) -> None:
    bundle = full_bundle(tmp_path, sizes=[50])
    note = json.loads((bundle / "checkpoints.jsonl").read_text())["note"]
    text, sig = note.rsplit(" ", 1)
    # Change a byte of the signature itself (after the 4-byte key id): still a trusted key's line.
    tampered = text + " " + sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    (bundle / "checkpoints.jsonl").write_text(json.dumps({"note": tampered}) + "\n")
    memory = fixed_memory()
    report = seen(memory, bundle)
    assert "bad_signature" in kinds(report)
    assert memory.records(ORIGIN) == []


def test_report_of_another_origin_is_not_remembered(tmp_path: Path) -> None:
    memory = fixed_memory()
    report = run(memory, full_bundle(tmp_path))
    assert memory.remember(report, "some.other/log") == 0
    assert memory.origins() == []


def test_seen_again_keeps_first_seen_and_updates_last_seen(tmp_path: Path) -> None:
    times = clock_from(FIRST_SEEN)
    memory = CheckpointMemory(clock=lambda: next(times))
    bundle = full_bundle(tmp_path)
    assert memory.remember(run(memory, bundle), ORIGIN) == 3
    assert memory.remember(run(memory, bundle), ORIGIN) == 0
    records = memory.records(ORIGIN)
    assert {r.first_seen for r in records} == {STAMP}
    assert {r.last_seen for r in records} == {"2026-10-02T09:31:00Z"}
    assert all(
        r.source.endswith(("checkpoints.jsonl:1", "checkpoints.jsonl:2", "checkpoints.jsonl:3"))
        for r in records
    )


def test_memory_is_bounded_and_keeps_the_largest_size(tmp_path: Path) -> None:
    times = clock_from(FIRST_SEEN)
    memory = CheckpointMemory(clock=lambda: next(times), limit=3)
    memory.remember(run(memory, full_bundle(tmp_path, "a", sizes=[50])), ORIGIN)
    for n, size in enumerate([5, 10, 15, 20, 25]):
        bundle = write_bundle(tmp_path / f"p{n}", LEAVES[:size], checkpoint_sizes=[size], key=KEY)
        memory.remember(run(memory, bundle), ORIGIN)
    assert [r.size for r in memory.records(ORIGIN)] == [20, 25, 50]


# -- damaged files


def test_corrupt_memory_file_is_set_aside_and_verification_is_unaffected(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    path = memory.path_for(ORIGIN)
    path.write_bytes(path.read_bytes()[:-40] + b"\n{not json\n")
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)

    report = run(memory, older)
    assert report.to_json() == run(None, older).to_json()
    problems = memory.take_problems()
    assert len(problems) == 1
    assert "set aside" in problems[0] and "never seen before" in problems[0]
    assert not path.exists()
    assert len(list(path.parent.glob(f"{path.name}.*.corrupt"))) == 1
    # The next verification starts afresh, silently.
    assert run(memory, older).status == "verified"
    assert memory.take_problems() == []


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe garbage",
        b"[1, 2, 3]\n",
        b'{"note": 5, "first_seen": "x", "source": "y"}\n',
        b'{"note": "not a note\\n", "first_seen": "x", "source": "y"}\n',
        b"\n\n",
    ],
)
def test_any_damage_is_one_message_never_an_exception(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    memory = CheckpointMemory()
    memory.folder.mkdir(parents=True)
    memory.path_for(ORIGIN).write_bytes(content)
    assert main(["verify", str(full_bundle(tmp_path)), *trust_args(), "--remember"]) == 0
    err = capsys.readouterr().err
    assert err.count("set aside") == 1
    # Remembering afterwards wrote a fresh, valid file.
    assert len(CheckpointMemory().records(ORIGIN)) == 3


def test_a_file_holding_another_logs_checkpoints_is_set_aside(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    os.replace(memory.path_for(ORIGIN), memory.path_for("another.example/log"))
    assert memory.records("another.example/log") == []
    assert "set aside" in memory.take_problems()[0]
    assert memory.origins() == []


def test_unwritable_memory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    memory = CheckpointMemory(folder=blocker / "checkpoints")
    report = run(memory, full_bundle(tmp_path))
    assert report.status == "verified"
    assert memory.remember(report, ORIGIN) == 0
    assert "could not remember" in memory.take_problems()[0]


# -- listing and forgetting


def test_origins_and_forget(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    [summary] = memory.origins()
    assert tuple(summary) == (ORIGIN, 3, 50, STAMP)
    assert memory.forget(ORIGIN) == 3
    assert memory.origins() == []
    assert memory.forget(ORIGIN) == 0
    # Forgotten: an older export no longer says the log went further.
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)
    assert "log_continues" not in kinds(run(memory, older))


def test_cli_memory_list_and_forget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", "list"]) == 0
    assert "no remembered checkpoints" in capsys.readouterr().out
    assert main(["verify", str(full_bundle(tmp_path)), *trust_args(), "--remember"]) == 0
    capsys.readouterr()
    assert main(["memory", "list"]) == 0
    out = capsys.readouterr().out
    assert ORIGIN in out and "50" in out
    assert main(["memory", "forget", ORIGIN]) == 0
    assert "forgot 3 checkpoints" in capsys.readouterr().out
    assert main(["memory", "forget", ORIGIN]) == 0
    assert "nothing remembered" in capsys.readouterr().out


# -- the viewer's path


def test_load_feeds_memory(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path))
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)
    with load([older], [KEY.verifier], memory=memory) as loaded:
        assert "log_continues" in kinds(loaded.report)
        assert loaded.store is not None
        assert len(loaded.workspace.checkpoint_lines) == 2  # its own, not memory's


def test_load_rerun_keeps_the_rows_of_one_pass(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[50]))
    bare = write_bundle(
        tmp_path / "bare", LEAVES[20:40], checkpoint_sizes=[], key=KEY, all_leaves=LEAVES
    )
    rows: list[int] = []
    with load([bare], [KEY.verifier], memory=memory, on_rows=rows.append) as loaded:
        assert loaded.report.status == "incomplete"
        assert "entry_missing" not in kinds(loaded.report)
        assert rows[-1] == 20


def test_fork_inside_one_workspace_gives_evidence_without_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence.json"
    paths = [str(full_bundle(tmp_path)), str(rewritten_bundle(tmp_path))]
    assert main(["verify", *paths, *trust_args(), "--evidence", str(out), "--json"]) == 1
    evidence = json.loads(out.read_text())
    assert {f["size"] for f in evidence["forks"]} == {32, 50}
    assert not any(c["remembered"] for f in evidence["forks"] for c in f["checkpoints"])
    assert json.loads(capsys.readouterr().out)["status"] == "failed"
    data = Path(os.environ["AUDITVIEWER_DATA_DIR"])
    assert not data.exists() or not any(data.rglob("*"))


def test_evidence_that_cannot_be_written_is_an_error_after_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(full_bundle(tmp_path)), str(rewritten_bundle(tmp_path))]
    out = tmp_path / "no such folder" / "evidence.json"
    assert main(["verify", *paths, *trust_args(), "--evidence", str(out), "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "failed"  # one JSON object, the verdict
    assert "does not exist" in captured.err


# -- property: agreeing memory only ever helps

_COUNTER = itertools.count()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_agreeing_memory_never_fails_a_bundle_and_never_verifies_less(
    tmp_path: Path, data: st.DataObject
) -> None:
    n = next(_COUNTER)
    memory_sizes = data.draw(st.sets(st.integers(1, 50), min_size=1, max_size=6), label="memory")
    first = data.draw(st.integers(0, 49), label="first")
    last = data.draw(st.integers(first, 49), label="last")
    own = data.draw(st.sets(st.integers(1, 50), max_size=4), label="own")
    dropped = data.draw(st.sets(st.integers(first, last), max_size=3), label="dropped")
    memory = CheckpointMemory(folder=tmp_path / f"memory{n}", clock=lambda: FIRST_SEEN)
    seen(
        memory,
        write_bundle(tmp_path / f"log{n}", LEAVES, checkpoint_sizes=sorted(memory_sizes), key=KEY),
    )
    lines = [LEAVES[i] for i in range(first, last + 1) if i not in dropped] or [LEAVES[first]]
    bundle = write_bundle(
        tmp_path / f"b{n}",
        LEAVES[first : last + 1],
        checkpoint_sizes=sorted(own),
        key=KEY,
        all_leaves=LEAVES,
        entry_lines=lines,
    )
    alone, with_memory = run(None, bundle), run(memory, bundle)
    assert memory.take_problems() == []
    if alone.status != "failed":
        assert with_memory.status != "failed", [f.message for f in with_memory.findings]
        assert with_memory.verified_entries >= alone.verified_entries
    if max(memory_sizes) > max(last + 1, *own, 0) and with_memory.entries:
        assert "log_continues" in kinds(with_memory)


def test_a_remembered_note_whose_signature_fails_now_is_ignored_with_a_message(
    tmp_path: Path,
) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[50]))
    path = memory.path_for(ORIGIN)
    record = json.loads(path.read_text())
    text, sig = record["note"].rsplit(" ", 1)
    record["note"] = text + " " + sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    path.write_text(json.dumps(record) + "\n")
    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)

    report = run(memory, older)
    assert report.to_json() == run(None, older).to_json()
    [problem] = memory.take_problems()
    assert "does not verify with a trusted key" in problem


def test_a_large_memory_feeds_a_handful_and_still_catches_everything(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=list(range(1, 51))))
    assert len(memory.records(ORIGIN)) == 50

    report = run(memory, full_bundle(tmp_path, "again"))
    assert report.status == "verified"
    assert len([c for c in report.checkpoints if c.source.startswith(SOURCE_PREFIX)]) == 6

    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)
    assert "log_continues" in kinds(run(memory, older))

    report = run(memory, rewritten_bundle(tmp_path))
    assert report.status == "failed"
    assert {"fork", "chain_mismatch"} <= kinds(report)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_rewrite_is_caught_exactly_when_a_remembered_size_above_it_is_exported(
    tmp_path: Path, data: st.DataObject
) -> None:
    n = next(_COUNTER)
    memory_sizes = data.draw(st.sets(st.integers(1, 50), min_size=1, max_size=12), label="memory")
    last = data.draw(st.integers(0, 49), label="last")
    rewritten_seq = data.draw(st.integers(0, last), label="rewritten")
    own = data.draw(st.sets(st.integers(1, last + 1), max_size=4), label="own") | {last + 1}
    memory = CheckpointMemory(folder=tmp_path / f"memory{n}", clock=lambda: FIRST_SEEN)
    seen(
        memory,
        write_bundle(tmp_path / f"log{n}", LEAVES, checkpoint_sizes=sorted(memory_sizes), key=KEY),
    )
    history = list(LEAVES)
    history[rewritten_seq] = make_entry(rewritten_seq, note="rewritten")
    bundle = write_bundle(
        tmp_path / f"b{n}",
        history[: last + 1],
        checkpoint_sizes=sorted(own),
        key=KEY,
        all_leaves=history,
    )
    assert run(None, bundle).status == "verified"  # re-signed: alone it is consistent
    report = run(memory, bundle)
    caught = any(rewritten_seq < size <= last + 1 for size in memory_sizes)
    assert (report.status == "failed") == caught, [f.message for f in report.findings]


def test_nothing_is_remembered_from_a_bundle_that_contradicts_memory(tmp_path: Path) -> None:
    memory = fixed_memory()
    seen(memory, full_bundle(tmp_path, sizes=[16, 32]))
    before = memory.records(ORIGIN)
    history = list(LEAVES)
    history[20] = make_entry(20, note="rewritten")
    # Agrees at 16, forks at 32, and brings a size memory has not seen (50).
    forked = write_bundle(tmp_path / "forked", history, checkpoint_sizes=[16, 32, 50], key=KEY)
    report = run(memory, forked)
    assert "fork" in kinds(report)
    assert memory.remember(report, ORIGIN) == 0
    assert memory.records(ORIGIN) == before
    # Same when only a remembered size between its own checkpoints contradicts it.
    memory_24 = fixed_memory(folder=tmp_path / "m24")
    seen(memory_24, full_bundle(tmp_path, "at24", sizes=[24]))
    rewritten = write_bundle(tmp_path / "rw16", history, checkpoint_sizes=[16, 50], key=KEY)
    report = run(memory_24, rewritten)
    assert "chain_mismatch" in kinds(report)
    assert memory_24.remember(report, ORIGIN) == 0
    assert [r.size for r in memory_24.records(ORIGIN)] == [24]
