"""``auditviewer notes list|export|import|add|undo``: the annotations of a log from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.casework.annotations import AnnotationStore
from auditviewer.cli import main
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle


def _bundles(tmp_path: Path) -> tuple[str, str]:
    key = signer()
    leaves = [make_entry(i) for i in range(5)]
    changed = list(leaves)
    changed[2] = make_entry(2, actor={"email": "mallory@example.com", "type": "user"})
    a = write_bundle(tmp_path / "a", leaves, checkpoint_sizes=[5], key=key)
    b = write_bundle(tmp_path / "b", changed, checkpoint_sizes=[5], key=key)
    return str(a), str(b)


def test_add_list_export_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    a, _ = _bundles(tmp_path)
    assert main(["notes", "add", a, "--seq", "1", "--seq", "2", "--tag", "suspect", "--star", "--note", "look\u202eat me"]) == 0
    capsys.readouterr()
    assert main(["notes", "list", ORIGIN]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "suspect" in out[0] and "★" in out[0] and "hana" in out[0]
    assert "\u202e" not in out[0] and "⟨U+202E⟩" in out[0]  # the note made visible, never obeyed
    target = tmp_path / "notes.jsonl"
    assert main(["notes", "export", a, "--out", str(target)]) == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(o["seq"], o["tags"], o["author"]) for o in lines] == [(1, ["suspect", "★"], "hana"), (2, ["suspect", "★"], "hana")]
    assert main(["notes", "export", a, "--out", str(target)]) == 2  # no overwrite without --force
    assert main(["notes", "undo", a]) == 0
    assert AnnotationStore(ORIGIN).all() == []
    assert main(["notes", "undo", a]) == 0 and "nothing to undo" in capsys.readouterr().out


def test_list_with_another_export_flags_other_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _bundles(tmp_path)
    assert main(["notes", "add", a, "--seq", "1", "--seq", "2", "--tag", "x"]) == 0
    capsys.readouterr()
    assert main(["notes", "list", b]) == 0
    captured = capsys.readouterr()
    one, two = captured.out.splitlines()
    assert "OTHER CONTENT" not in one and "MADE ON OTHER CONTENT" in two
    assert "1 annotation(s) were made on other content" in captured.err


def test_import_is_all_or_nothing_and_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = {"seq": 1, "leaf_hash": "a" * 64, "tags": ["t"], "note": "", "author": "bob", "time": "2026-01-01T00:00:00.000Z"}
    source = tmp_path / "team.jsonl"
    source.write_text(json.dumps(good) + "\n" + json.dumps({**good, "seq": -1}) + "\n")
    assert main(["notes", "import", ORIGIN, str(source)]) == 2
    err = capsys.readouterr().err
    assert f"{source} line 2" in err and "'seq'" in err and "Traceback" not in err
    assert AnnotationStore(ORIGIN).all() == []
    source.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    assert main(["notes", "import", ORIGIN, str(source)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["notes", "import", ORIGIN, str(source)]) == 0
    assert "(1 distinct): 0 new, 0 replaced by a later version, 1 already there" in capsys.readouterr().out
    assert [a.author for a in AnnotationStore(ORIGIN).all()] == ["bob"]


def test_add_to_a_missing_seq_or_a_plain_origin_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = _bundles(tmp_path)
    assert main(["notes", "add", a, "--seq", "99", "--tag", "x"]) == 2
    assert "seq 99" in capsys.readouterr().err
    assert main(["notes", "add", "no-such-origin", "--seq", "1", "--tag", "x"]) == 2
    assert "no such bundle" in capsys.readouterr().err
    assert main(["notes", "add", a, "--seq", "1", "--tag", "two words"]) == 2
    assert "one word" in capsys.readouterr().err


def test_a_damaged_file_is_a_warning_naming_file_and_line_and_nothing_is_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, _ = _bundles(tmp_path)
    assert main(["notes", "add", a, "--seq", "1", "--seq", "3", "--tag", "kept"]) == 0
    path = AnnotationStore(ORIGIN).path
    path.write_bytes(path.read_bytes().replace(b'"seq":3', b'"seq":"three"'))
    capsys.readouterr()
    assert main(["notes", "list", ORIGIN]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1  # the good line
    assert f"warning: {path} line 2: 'seq'" in captured.err and ".corrupt" in captured.err
    (aside,) = path.parent.glob("*.corrupt")
    assert b'"seq":"three"' in aside.read_bytes()


def test_query_terms_and_columns_of_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    a, _ = _bundles(tmp_path)
    assert main(["notes", "add", a, "--seq", "1", "--seq", "3", "--tag", "exfil-1", "--note", "bucket\u202e public"]) == 0
    assert main(["notes", "add", a, "--seq", "3", "--star"]) == 0
    capsys.readouterr()
    for query, count in (("tag:exfil-*", 2), ("starred:yes", 1), ("note:public", 2), ("annotated:no", 3), ("-tag:exfil-1 seq:0..2", 2)):
        assert main(["query", a, "-q", query, "--count"]) == 0
        assert capsys.readouterr().out.strip() == str(count), query
    assert main(["query", a, "-q", "starred:yes", "--format", "csv"]) == 0
    header, row, *_ = capsys.readouterr().out.splitlines()
    assert header.endswith(",metadata,tags,note")
    assert row.endswith(',★ exfil-1,hana: bucket\u202e public')  # a pipe: the exact text, as plain exports
    assert main(["query", a, "-q", "tag:exfil-1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[-1] == "tags" and table[1].split()[-1] == "exfil-1" and "★ exfil-1" in table[2]


def test_query_without_annotations_keeps_its_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = _bundles(tmp_path)
    assert main(["query", a, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(",metadata")
    assert main(["query", a, "-q", "annotated:yes", "--count"]) == 0
    assert capsys.readouterr().out.strip() == "0"
