"""The readers hand on a malformed line's bytes with its problem (issue 13, defect 8):
the viewer shows the line from there instead of reading the file again. Each is
cut to ``max_raw_line_bytes`` + 1 (so a longer one shows it was cut), at most
``max_malformed_lines`` per problem, on every reading path."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.core.limits import Limits
from auditviewer.core.native import NATIVE
from auditviewer.input.formats import jsonl
from auditviewer.input.formats.parquet import read_parquet_entries
from tests.helpers.bundle_builder import make_entry

LIMITS = Limits(max_entry_bytes=2_000, max_raw_line_bytes=16, max_malformed_lines=2)
LONG = b"x" * 40
LINES = [
    make_entry(0),
    b"",  # 2: blank
    b"\x1b[2J not json",  # 3
    make_entry(1),
    b"#a",  # 5..7: a run of one problem
    b"#b",
    b"#c",
    LONG,  # 8: cut to 17 bytes
    b"z" * 2_500,  # 9: past the entry limit
    make_entry(2),
]


def _problems(monkeypatch: pytest.MonkeyPatch, native: bool, workers: int) -> dict[int, list[bytes]]:
    if not native:
        monkeypatch.setattr(jsonl, "NATIVE", None)
    data = b"\n".join(LINES) + b"\n"
    batches = list(
        jsonl.read_jsonl(
            io.BytesIO(data).read, source="f", limits=LIMITS, workers=workers,
            segment_bytes=64, parallel_min_bytes=0,
        )
    )
    assert [s for b in batches for s in b.table.column("seq").to_pylist()] == [0, 1, 2]
    out: dict[int, list[bytes]] = {}
    for batch in batches:
        for problem in batch.problems:
            assert problem.seq is None
            out[problem.line] = problem.raw
    return out


@pytest.mark.parametrize(
    ("native", "workers"),
    [pytest.param(True, 1, marks=pytest.mark.native), (False, 1), (False, 2)],
)
def test_each_reading_path_hands_on_the_lines_bytes(
    monkeypatch: pytest.MonkeyPatch, native: bool, workers: int
) -> None:
    if native and NATIVE is None:
        pytest.fail("the C extension is not built")
    problems = _problems(monkeypatch, native, workers)
    assert problems[2] == [b""]
    assert problems[3] == [b"\x1b[2J not json"]
    assert problems[5] == [b"#a", b"#b"]  # a run keeps its first max_malformed_lines lines
    assert problems[8] == [LONG[:17]]
    assert problems[9] == [b"z" * 17]


def test_a_parquet_row_without_a_seq_hands_on_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    table = pa.table(
        {
            "seq": pa.array([0, None, 2], pa.int64()),
            "entry": pa.array([make_entry(0), b"\x00raw row" * 4, make_entry(2)], pa.binary()),
        }
    )
    pq.write_table(table, path)
    problems = [p for b in read_parquet_entries(path, label="e", limits=LIMITS) for p in b.problems]
    assert [(p.line, p.raw) for p in problems] == [(2, [(b"\x00raw row" * 4)[:17]])]
