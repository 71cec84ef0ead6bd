"""The evidence report (HTML): verdict and what it rests on, selection, entries with hashes,
notes and made-on-other-content, the sender's claims kept apart, hostile text escaped,
and a re-run command that gives the same heads."""

from __future__ import annotations

import base64
import html as htmllib
import json
import re
import shlex
from pathlib import Path

import pytest

from auditviewer.casework.annotations import AnnotationStore
from auditviewer.casework.evidence import EvidenceError, gather_evidence
from auditviewer.cli import main
from auditviewer.core.limits import Limits
from tests.helpers.bundle_builder import (
    ORIGIN,
    heads_of,
    leaf_hash,
    make_entry,
    signer,
    write_bundle,
)

HOSTILE = "<script>alert(1)</script>\u202eevil"


def _bundle(tmp_path: Path) -> tuple[Path, list[bytes], str]:
    key = signer()
    leaves = [make_entry(i) for i in range(6)]
    leaves[1] = make_entry(1, actor={"email": HOSTILE, "type": "user"})
    folder = write_bundle(tmp_path / "case", leaves, checkpoint_sizes=[3, 6], key=key)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["organization"] = {"id": "org_x", "name": "<img src=http://tracker.example/x>Acme"}
    manifest["query"] = "claimed-by-sender"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder, leaves, key.verifier_string


def _annotate(leaves: list[bytes]) -> None:
    store = AnnotationStore(ORIGIN, author="hana")
    store.annotate([(4, leaf_hash(leaves[4]))], add_tags=["case-7"], note="<b>bold</b> claim")
    # Entry 2 was annotated on other bytes (another export of the log held something else).
    store.annotate([(2, leaf_hash(b'{"seq":2,"other":true}'))], add_tags=["case-7"], star=True)


def _report(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    assert main(["report", *args, "--out", str(out), "--force"]) == 0
    return out.read_text(encoding="utf-8")


def test_the_report_holds_the_verdict_and_what_it_rests_on(tmp_path: Path) -> None:
    folder, leaves, key = _bundle(tmp_path)
    _annotate(leaves)
    page = _report(tmp_path, str(folder), "-q", "seq:1", "--tag", "case-*", "--trust", key)
    assert 'class="status verified">VERIFIED<' in page
    from auditviewer.integrity.keys import parse_verifier_key

    k = parse_verifier_key(key)
    assert k.fingerprint in page and k.id_hex in page
    heads = heads_of(leaves)
    for size in (3, 6):  # every checkpoint's head, in full
        assert base64.b64encode(heads[size - 1]).decode() in page
    sections = re.split(r"<h3>Entry seq ", page)[1:]
    assert [int(s.split("<", 1)[0]) for s in sections] == [1, 2, 4]
    for section, seq in zip(sections, (1, 2, 4), strict=True):
        assert leaf_hash(leaves[seq]).hex() in section  # the leaf hash in full
    # The smallest trusted checkpoint past each seq covers it: 1 and 2 by size 3, 4 by size 6.
    assert "size 3," in sections[0] and "size 3," in sections[1] and "size 6," in sections[2]
    assert "Selected by</td><td>query</td>" in sections[0]
    assert "MADE ON OTHER CONTENT" in sections[1] and "MADE ON OTHER CONTENT" not in sections[2]
    assert "★ starred" in sections[1] and "case-7" in sections[2]
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in sections[2]
    assert "nakama:3.21.0" in sections[2] and "nakama:3.22.0" in sections[2]  # before / after


def test_every_input_string_is_escaped_and_made_visible(tmp_path: Path) -> None:
    folder, _leaves, key = _bundle(tmp_path)
    page = _report(tmp_path, str(folder), "-q", "seq:1", "--trust", key)
    assert "<script" not in page and "<img" not in page and "\u202e" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;⟨U+202E⟩evil" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # The manifest's claims are labelled as such, never the heading.
    assert re.search(r"<h1>Evidence report</h1>", page)
    claims = page.split("<h2>The sender's claims", 1)[1]
    assert "not signed" in claims and "&lt;img src=http://tracker.example/x&gt;Acme" in claims
    assert "claimed-by-sender" in claims
    assert "claimed-by-sender" not in page.split("The sender", 1)[0]


def test_the_rerun_command_gives_the_same_heads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, _leaves, key = _bundle(tmp_path)
    page = _report(tmp_path, str(folder), "-q", "seq:0..5", "--trust", key)
    capsys.readouterr()
    found = re.search(r'<p class="cmd">(.*?)</p>', page, re.S)
    assert found is not None
    command = htmllib.unescape(found.group(1))
    argv = shlex.split(command)
    assert argv[:2] == ["auditviewer", "verify"]
    assert main([*argv[1:], "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "verified"
    for checkpoint in result["checkpoints"]:
        assert checkpoint["head"] in page


def test_without_trust_nothing_is_shown_as_verified(tmp_path: Path) -> None:
    folder, _leaves, _key = _bundle(tmp_path)
    page = _report(tmp_path, str(folder), "-q", "seq:1")
    assert "INCOMPLETE" in page and "none: this entry is unverified" in page
    assert "Trusted keys (0)" in page


def test_too_many_entries_is_a_clear_error(tmp_path: Path) -> None:
    folder, _leaves, _key = _bundle(tmp_path)
    with pytest.raises(EvidenceError, match="6 entries are selected; a report lists at most 2"):
        gather_evidence([folder], [], limits=Limits(max_report_entries=2))


def test_bad_output_name_or_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, _leaves, _key = _bundle(tmp_path)
    assert main(["report", str(folder), "--out", str(tmp_path / "r.txt")]) == 2
    existing = tmp_path / "r.html"
    existing.write_text("keep")
    assert main(["report", str(folder), "--out", str(existing)]) == 2
    assert existing.read_text() == "keep"
    assert main(["report", str(folder), "-q", "seq:(", "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "say .html or .pdf" in err and "--force" in err and "column" in err and "Traceback" not in err


def test_tagged_entries_absent_from_the_inputs_are_named(tmp_path: Path) -> None:
    folder, _leaves, key = _bundle(tmp_path)
    AnnotationStore(ORIGIN, author="hana").annotate([(40, "f" * 64)], add_tags=["case-7"])
    page = _report(tmp_path, str(folder), "--tag", "case-7", "--trust", key)
    assert "1 tagged entry is not in these inputs (seq 40)" in page
    assert "Entries (0)" in page


def test_tags_need_an_origin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(make_entry(0) + b"\n")
    assert main(["report", str(plain), "--tag", "x", "--out", str(tmp_path / "r.html")]) == 2
    assert "no manifest, so no origin" in capsys.readouterr().err
    assert main(["report", str(plain), "--out", str(tmp_path / "r.html")]) == 0
    assert "no integrity data" in (tmp_path / "r.html").read_text()


def test_pdf_without_qt_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    folder, _leaves, _key = _bundle(tmp_path)
    monkeypatch.setitem(sys.modules, "auditviewer.ui.pdf", None)  # as if PySide6 were absent
    assert main(["report", str(folder), "--out", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert "Qt, which is not installed" in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_a_saved_search_gives_query_scope_and_time_range(tmp_path: Path) -> None:
    from auditviewer.casework.searches import SavedSearch, SavedSearches

    folder, _leaves, key = _bundle(tmp_path)
    # make_entry: resource dep_<seq % 3>, one minute apart from 2026-09-01T00:00.
    SavedSearches().save(
        SavedSearch(
            name="dep1 early",
            query="action:Update",
            time_end="2026-09-01T00:05:00Z",
            scope={"type": "resource", "resource_type": "nakama_deployment", "resource_id": "dep_1"},
        )
    )
    page = _report(tmp_path, str(folder), "--saved", "dep1 early", "--trust", key)
    sections = re.split(r"<h3>Entry seq ", page)[1:]
    assert [int(s.split("<", 1)[0]) for s in sections] == [1, 4]
    assert "saved search &#x27;dep1 early&#x27;; resource nakama_deployment dep_1; time from the start to 2026-09-01T00:05:00Z" in page
