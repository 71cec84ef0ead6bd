"""The annotations store: star, tags, notes, undo, made on other content, concurrency, crashes, damage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import auditviewer.core.atomic as atomic
from auditviewer.casework.annotations import (
    STAR,
    Annotation,
    AnnotationError,
    AnnotationStore,
    parse_annotations,
    tag_matcher,
)
from auditviewer.casework.entries import leaf_hashes
from auditviewer.core.errors import ExportError
from auditviewer.workspace.loading import load
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle

H1 = "1" * 64
H2 = "2" * 64
H3 = "3" * 64


def store(tmp_path: Path, author: str = "hana") -> AnnotationStore:
    return AnnotationStore(ORIGIN, folder=tmp_path / "casework", author=author)


def test_star_tags_and_note_are_kept_in_the_spec_shape(tmp_path: Path) -> None:
    s = store(tmp_path)
    assert s.annotate([(1, H1), (2, H2)], add_tags=["phishing"], star=True) == 2
    assert s.annotate([(1, H1)], note="first sign of it") == 1
    again = store(tmp_path)  # a new process reads the file
    first, second = again.all()
    assert (first.seq, first.tags, first.note, first.starred) == (1, ("phishing", STAR), "first sign of it", True)
    assert second.note == "" and second.author == "hana"
    lines = again.path.read_bytes().splitlines()
    obj = json.loads(lines[0])
    assert list(obj) == ["seq", "leaf_hash", "tags", "note", "author", "time"]
    assert obj["time"].endswith("Z") and obj["leaf_hash"] == H1


def test_an_annotation_with_nothing_left_is_removed(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["x"])
    s.annotate([(1, H1)], remove_tags=["x"])
    assert s.all() == []


def test_author_defaults_to_the_environment_then_the_user_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "examiner-7")
    assert AnnotationStore(ORIGIN, folder=tmp_path).author == "examiner-7"
    monkeypatch.delenv("AUDITVIEWER_AUTHOR")
    import getpass

    assert AnnotationStore(ORIGIN, folder=tmp_path).author == getpass.getuser()


def test_undo_restores_the_last_change_only(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["a"])
    s.annotate([(1, H1), (2, H2)], add_tags=["b"], note="n")
    assert s.undo() == 2
    assert [(a.seq, a.tags, a.note) for a in s.all()] == [(1, ("a",), "")]
    assert s.undo() == 1
    assert s.all() == []
    assert s.undo() is None


def test_undo_leaves_a_later_change_by_someone_else_alone(tmp_path: Path) -> None:
    mine = store(tmp_path)
    mine.annotate([(1, H1)], add_tags=["a"])
    # Another process (same person) changes the record afterwards, bypassing this journal.
    records = [json.loads(line) for line in mine.path.read_bytes().splitlines()]
    records[0]["note"] = "edited elsewhere"
    mine.path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert mine.undo() == 0
    assert mine.all()[0].note == "edited elsewhere"


def test_lookup_by_tag_wildcard_star_and_note(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["exfil-2026"], note="Bucket made PUBLIC")
    s.annotate([(2, H2)], add_tags=["exfil-test"], star=True)
    s.annotate([(3, H3)], add_tags=["other"])
    assert [a.seq for a in s.find(tag="exfil-*")] == [1, 2]
    assert [a.seq for a in s.find(tag="EXFIL-2*")] == [1]
    assert [a.seq for a in s.find(starred=True)] == [2]
    assert [a.seq for a in s.find(note="public")] == [1]
    assert s.tag_counts() == [("exfil-2026", 1), ("exfil-test", 1), ("other", 1), (STAR, 1)]
    assert s.tag_counts("ex") == [("exfil-2026", 1), ("exfil-test", 1)]
    assert tag_matcher("a*c")("abbc") and not tag_matcher("a*c")("abd")
    assert not tag_matcher("a.c")("abc")  # only '*' is special


def test_bad_tags_are_refused_with_a_reason(tmp_path: Path) -> None:
    s = store(tmp_path)
    for bad in ("two words", "", "a\u202eb", "x" * 101, "wild*"):
        with pytest.raises(AnnotationError):
            s.annotate([(1, H1)], add_tags=[bad])
    assert s.all() == []


def _two_exports(tmp_path: Path) -> tuple[Path, Path]:
    key = signer()
    leaves = [make_entry(i) for i in range(6)]
    changed = list(leaves)
    changed[3] = make_entry(3, metadata={"image": {"before": "nakama:3.21.0", "after": "evil:1"}})
    a = write_bundle(tmp_path / "a", leaves, checkpoint_sizes=[6], key=key)
    b = write_bundle(tmp_path / "b", changed, checkpoint_sizes=[6], key=key)
    return a, b


def test_made_on_other_content_across_two_exports_of_one_log(tmp_path: Path) -> None:
    a, b = _two_exports(tmp_path)
    with load([a], []) as loaded:
        assert loaded.workspace.origin == ORIGIN
        hashes_a = leaf_hashes(loaded.store)
    with load([b], []) as loaded:
        hashes_b = leaf_hashes(loaded.store)
    assert hashes_a[2] == hashes_b[2] and hashes_a[3] != hashes_b[3]
    s = store(tmp_path)
    s.annotate([(2, hashes_a[2][0]), (3, hashes_a[3][0])], add_tags=["seen"], note="image change")
    # Opened from the other export: entry 2 is the same bytes, entry 3 is not.
    (same,) = s.for_entry(2, hashes_b[2][0])
    (other,) = s.for_entry(3, hashes_b[3][0])
    assert not same.other_content and same.annotation.note == "image change"
    assert other.other_content and other.annotation.leaf_hash == hashes_a[3][0]
    # From the export it was made on, it is not.
    assert not s.for_entry(3, bytes.fromhex(hashes_a[3][0]))[0].other_content


def test_a_crash_mid_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["kept"])
    before = s.path.read_bytes()
    real = atomic._write

    def half_then_fail(file: object, data: bytes | bytearray | memoryview) -> int:
        real(file, bytes(data)[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_write", half_then_fail)
    with pytest.raises(ExportError, match="disk is full"):
        s.annotate([(2, H2)], add_tags=["lost"])
    monkeypatch.undo()
    assert s.path.read_bytes() == before
    assert [p.name for p in s.folder.iterdir() if p.name.startswith(".partial-")] == []
    assert [a.seq for a in store(tmp_path).all()] == [1]


def test_a_process_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["kept"])
    before = s.path.read_bytes()
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        import auditviewer.core.atomic as atomic
        from auditviewer.casework.annotations import AnnotationStore
        real = atomic._write
        def die(file, data):
            real(file, bytes(data)[:10])
            os._exit(9)  # power loss: no cleanup at all
        atomic._write = die
        AnnotationStore({ORIGIN!r}, folder=Path({str(s.folder)!r}), author="hana").annotate([(2, {H2!r})], add_tags=["x"])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == 9
    assert s.path.read_bytes() == before
    # The partial the dead process left is swept by the next write.
    s.annotate([(3, H3)], add_tags=["after"])
    assert [a.seq for a in s.all()] == [1, 3]
    assert not [p for p in s.folder.iterdir() if p.name.startswith(".partial-")]


def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "casework"
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from auditviewer.casework.annotations import AnnotationStore
        folder, author, origin = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
        s = AnnotationStore(origin, folder=folder, author=author)
        for seq in range(40):
            s.annotate([(seq, format(seq, "064x"))], add_tags=[author])
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(folder), who, ORIGIN]) for who in ("ann", "bob")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    records = AnnotationStore(ORIGIN, folder=folder, author="x").all()
    assert len(records) == 80
    assert {(a.author, a.seq) for a in records} == {(w, s) for w in ("ann", "bob") for s in range(40)}


def test_a_damaged_file_is_set_aside_named_and_nothing_saved_is_lost(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["one"])
    s.annotate([(2, H2)], add_tags=["two"])
    good = s.path.read_bytes().splitlines()
    damaged = good[0] + b"\n{not json\n" + good[1] + b"\n"
    s.path.write_bytes(damaged)
    fresh = store(tmp_path)
    assert [a.seq for a in fresh.all()] == [1, 2]
    (problem,) = fresh.take_problems()
    assert f"{fresh.path} line 2" in problem and "not JSON" in problem
    (aside,) = [p for p in fresh.folder.iterdir() if p.name.endswith(".corrupt")]
    assert aside.read_bytes() == damaged and aside.name in problem
    fresh.annotate([(3, H3)], add_tags=["three"])
    assert [a.seq for a in store(tmp_path).all()] == [1, 2, 3]


def test_import_is_strict_and_names_the_line(tmp_path: Path) -> None:
    line = json.dumps({"seq": 1, "leaf_hash": H1, "tags": ["x"], "note": "", "author": "a", "time": "2026-01-01T00:00:00Z"})
    for bad, why in (
        (line.replace('"x"', '"x y"'), "one word"),
        (line.replace('"a"', '""'), "author"),
        (line.replace("2026-01-01T00:00:00Z", "yesterday"), "RFC 3339"),
        (line.replace('"seq": 1', '"seq": true'), "seq"),
        (line[:-1] + ', "extra": 1}', "unknown member"),
        (line[:-1] + ', "seq": 2}', "duplicate key"),
        ("[1]", "not a JSON object"),
    ):
        with pytest.raises(AnnotationError if why not in ("duplicate key", "not a JSON object") else Exception) as info:
            parse_annotations((line + "\n" + bad + "\n").encode(), label="team.jsonl")
        assert "team.jsonl line 2" in str(info.value) and why in str(info.value)


def test_import_merges_duplicates_later_time_wins(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.annotate([(1, H1)], add_tags=["mine"])
    old = Annotation(1, H1, ("theirs",), "", "bob", "2026-01-01T00:00:00Z")
    new = Annotation(1, H1, ("theirs", "later"), "n", "bob", "2026-01-02T00:00:00Z")
    result = s.import_annotations([old, new, old])
    assert (result.added, result.replaced, result.unchanged) == (1, 0, 0)
    assert s.import_annotations([old]).unchanged == 1
    assert {a.author: a.tags for a in s.all()} == {"hana": ("mine",), "bob": ("theirs", "later")}
    assert s.undo() == 1  # an import is a change like any other
    assert [a.author for a in s.all()] == ["hana"]


def test_an_origin_never_names_a_path(tmp_path: Path) -> None:
    s = AnnotationStore("../../etc/passwd", folder=tmp_path / "c", author="a")
    s.annotate([(0, H1)], add_tags=["x"])
    assert s.path.parent == tmp_path / "c" and os.path.basename(s.path).endswith(".jsonl")


def test_limits_name_the_file_line_and_limit(tmp_path: Path) -> None:
    from auditviewer.casework.files import CaseworkFileError
    from auditviewer.core.limits import Limits

    small = Limits(max_annotation_line_bytes=200, max_note_chars=5, max_tags=1, max_tag_chars=3)
    line = {"seq": 1, "leaf_hash": H1, "tags": ["x"], "note": "", "author": "a", "time": "2026-01-01T00:00:00Z"}
    cases = [
        ({**line, "note": "x" * 300}, "max_annotation_line_bytes"),
        ({**line, "note": "toolong"}, "max_note_chars"),
        ({**line, "tags": ["a", "b"]}, "max_tags"),
        ({**line, "tags": ["abcd"]}, "max_tag_chars"),
    ]
    for obj, limit in cases:
        with pytest.raises(CaseworkFileError) as info:
            parse_annotations((json.dumps(obj) + "\n").encode(), label="in.jsonl", limits=small)
        assert "in.jsonl line 1" in str(info.value) and limit in str(info.value)
    with pytest.raises(CaseworkFileError, match="max_casework_file_bytes"):
        parse_annotations(b"x" * 10, label="in.jsonl", limits=Limits(max_casework_file_bytes=5))


def test_cells_rows_and_the_slice_file_of_a_store(tmp_path: Path) -> None:
    from auditviewer.casework.annotations import annotation_cells, parse_annotations
    from auditviewer.store.store import AnnotationRow

    hana = AnnotationStore("o", folder=tmp_path, author="hana")
    chen = AnnotationStore("o", folder=tmp_path, author="chen")
    hana.annotate([(3, "a" * 64)], add_tags=["x"], star=True, note="first")
    chen.annotate([(3, "a" * 64)], add_tags=["x", "y"], note="second")
    chen.annotate([(9, "b" * 64)], add_tags=["z"])
    found = hana.by_seq()[3]
    assert annotation_cells(found) == ("★ x y", "chen: second\nhana: first")  # star first, tags once
    assert hana.cells(3) == annotation_cells(found) and hana.cells(4) == ("", "")
    assert hana.store_rows() == [
        AnnotationRow(seq=3, leaf_hash="a" * 64, tags=("x", "y"), note="second", author="chen"),
        AnnotationRow(seq=3, leaf_hash="a" * 64, tags=("x", "★"), note="first", author="hana"),
        AnnotationRow(seq=9, leaf_hash="b" * 64, tags=("z",), note="", author="chen"),
    ]
    carried = parse_annotations(hana.annotations_file([9, 9, 5]), label="slice")
    assert [(a.seq, a.author) for a in carried] == [(9, "chen")]
    assert hana.annotations_file([5]) == b""


def test_a_change_on_thousands_of_entries_can_be_undone_later(tmp_path: Path) -> None:
    # One journal line per change: 3,000 records' before and after pass the per-line limit of
    # the annotations file (256 KiB), which the journal's lines must not be held to.
    store = AnnotationStore("o", folder=tmp_path, author="hana")
    entries = [(seq, format(seq, "064x")) for seq in range(3_000)]
    store.annotate(entries, add_tags=["bulk"], note="a selection")
    again = AnnotationStore("o", folder=tmp_path, author="hana")  # read from the files
    assert again.can_undo() and not again.problems
    assert again.undo() == 3_000
    assert again.all() == [] and not again.problems


def test_the_journal_keeps_the_newest_changes_within_its_budget(tmp_path: Path) -> None:
    from dataclasses import replace

    from auditviewer.core.limits import DEFAULT_LIMITS

    limits = replace(DEFAULT_LIMITS, max_casework_file_bytes=40_000)  # a journal budget of 10,000 bytes
    store = AnnotationStore("o", folder=tmp_path, author="hana", limits=limits)
    for n in range(6):
        store.annotate([(seq, format(seq, "064x")) for seq in range(n * 10, n * 10 + 10)], add_tags=[f"t{n}"])
    assert store.undo_path.stat().st_size <= 10_000
    undone = 0
    while store.undo() is not None:
        undone += 1
    assert 0 < undone < 6  # the oldest went first
    assert {a.tags for a in store.all()} == {(f"t{n}",) for n in range(6 - undone)}
