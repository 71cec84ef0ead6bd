"""One line of an entry file read again as raw bytes (a malformed_entry finding's line)."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from auditviewer.core.errors import InputError
from auditviewer.core.limits import Limits
from auditviewer.input.containers import open_container
from auditviewer.input.formats.batches import LeafBatch, Problem, make_batch
from auditviewer.workspace.raw_lines import Cancelled, KeptLines, RawLine, read_raw_line

LINES = [b'{"seq":0}', b"not json \x1b[31m", b"", b'{"seq":2}']


def label_of(path: Path, member: str) -> str:
    container = open_container(path)
    try:
        return next(container.label(n) for n in container.names() if member.endswith(n))
    finally:
        container.close()


def test_a_line_of_a_folders_file(tmp_path: Path) -> None:
    (tmp_path / "b" / "entries").mkdir(parents=True)
    (tmp_path / "b" / "entries" / "part-00000.jsonl").write_bytes(b"\n".join(LINES) + b"\n")
    label = label_of(tmp_path / "b", "entries/part-00000.jsonl")
    raw = read_raw_line([str(tmp_path / "b")], label, 2)
    assert (raw.data, raw.cut, raw.line) == (b"not json \x1b[31m", False, 2)
    assert read_raw_line([str(tmp_path / "b")], label, 3).data == b""
    assert read_raw_line([str(tmp_path / "b")], label, 4).data == b'{"seq":2}'
    with pytest.raises(InputError, match="has no line 9"):
        read_raw_line([str(tmp_path / "b")], label, 9)


def test_a_line_in_a_zip_and_in_gzip_cut_at_the_limit(tmp_path: Path) -> None:
    long_line = b"x" * 5000
    body = gzip.compress(b"\n".join([b"a", long_line, b"c"]) + b"\n")
    bundle = tmp_path / "b.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("entries/part-00000.jsonl.gz", body)
    label = label_of(bundle, "entries/part-00000.jsonl.gz")
    raw = read_raw_line([str(bundle)], label, 2, limit=1000)
    assert raw.data == b"x" * 1000 and raw.cut
    assert read_raw_line([str(bundle)], label, 3).data == b"c"


def test_a_file_not_among_the_inputs_or_a_cancelled_read(tmp_path: Path) -> None:
    single = tmp_path / "e.jsonl"
    single.write_bytes(b"\n".join(LINES) + b"\n")
    with pytest.raises(InputError, match="not among the opened inputs"):
        read_raw_line([str(single)], "elsewhere.jsonl", 1)
    with pytest.raises(Cancelled):
        read_raw_line([str(single)], label_of(single, "e.jsonl"), 2, cancelled=lambda: True)
    with pytest.raises(InputError):
        read_raw_line([str(single)], label_of(single, "e.jsonl"), 0)


def _batch(source: str, problems: list[Problem]) -> LeafBatch:
    return make_batch(source, [], [], [], problems=problems)


def test_kept_lines_keep_the_readers_bytes_within_the_bounds() -> None:
    limits = Limits(max_raw_line_bytes=4, max_malformed_lines=3)
    kept = KeptLines(limits)
    kept.add_batch(_batch("a.jsonl", [
        Problem(2, "not JSON", raw=[b"ab", b"abcdefgh"], count=2),  # lines 2 and 3 (3 cut: 5 bytes kept)
        Problem(5, "seq mismatch", seq=7, raw=[b"no"]),  # an entry with a seq: not a malformed line
    ]))
    kept.add_batch(_batch("b.jsonl", [Problem(1, "blank", raw=[b""]), Problem(9, "x", raw=[b"past"])]))
    assert len(kept) == 3  # the bound: b.jsonl line 9 was not kept
    assert kept.get("a.jsonl", 2) == RawLine("a.jsonl", 2, b"ab", False)
    assert kept.get("a.jsonl", 3) == RawLine("a.jsonl", 3, b"abcd", True)
    assert kept.get("b.jsonl", 1) == RawLine("b.jsonl", 1, b"", False)
    assert kept.get("a.jsonl", 5) is None and kept.get("b.jsonl", 9) is None
