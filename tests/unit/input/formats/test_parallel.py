"""The fast and parallel entry readers give exactly what the plain line-by-line reading gives.

The reference below is the reader as it was before segments, fast paths and
worker processes: split_lines, then check_leaf on every line. Every shortcut
must agree with it on good files and on every kind of bad line.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.core.limits import Limits
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.entry import check_leaf, fast_seqs
from auditviewer.input.formats.jsonl import iter_segments, read_jsonl, split_lines
from auditviewer.input.formats.parquet import read_parquet_entries
from auditviewer.integrity.chain import ZERO_HEAD, extend, extend_runs, leaf_hash
from auditviewer.integrity.leaves import LeafCollector
from tests.helpers.bundle_builder import make_entry

LIMITS = Limits(max_entry_bytes=2_000, max_json_depth=8)


def _reference(data: bytes, limits: Limits) -> tuple[list[tuple[int, bytes, int]], list[tuple[Any, ...]]]:
    rows: list[tuple[int, bytes, int]] = []
    problems: list[tuple[Any, ...]] = []
    for number, leaf in split_lines(io.BytesIO(data).read, source="f", limits=limits):
        if not leaf:
            problems.append((number, "blank line (entry files have none)", None, "malformed_entry"))
            continue
        check = check_leaf(leaf, limits=limits)
        if check.seq is None:
            problems.append((number, check.problem or "unreadable entry", None, "malformed_entry"))
            continue
        rows.append((check.seq, leaf, number))
        if check.problem:
            problems.append((number, check.problem, check.seq, "malformed_entry"))
    return rows, problems


def _flatten(batches: list[LeafBatch]) -> tuple[list[tuple[int, bytes, int]], list[tuple[Any, ...]]]:
    rows: list[tuple[int, bytes, int]] = []
    problems: list[tuple[Any, ...]] = []
    for batch in batches:
        table = batch.table
        seqs, leaves, lines = (table.column(i).to_pylist() for i in range(3))
        hashes = table.column(4).to_pylist()
        assert hashes == [leaf_hash(leaf) for leaf in leaves]
        rows.extend(zip(seqs, leaves, lines, strict=True))
        # A run of one problem on consecutive lines is one Problem with a count: one a line here.
        problems.extend((p.line + k, p.message, p.seq, p.kind) for p in batch.problems for k in range(p.count))
    return rows, problems


def _messy_file() -> bytes:
    deep = b'{"seq":5,"x":' + b"[" * 20 + b"]" * 20 + b"}"
    lines = [
        make_entry(0),
        make_entry(1) + b"\r",  # CRLF: the CR stays in the leaf, which then does not end with "}": malformed
        b"",  # blank
        make_entry(2).replace(b'"action":"Update"', b'"action":"Update","action":"Delete"'),  # duplicate key
        b"\xff\xfe not utf-8",
        b"[1,2,3]",
        make_entry(3, pad="x" * 5_000),  # over the entry limit, ends within a read
        deep,  # too deep
        make_entry(4).replace(b'"actor":{', b'"actor":7,"zactor":{'),  # actor not an object: kept, with a problem
        b'{"seq": 6, "id": "a", "time": "t", "category": "c", "action": "a", "actor": {}, "metadata": {}}',
        json.dumps({"seq": 7, "id": "é", "time": "t", "category": "c", "action": "a", "actor": {}, "metadata": {}})
        .encode(),  # \\u escapes: not canonical, still good
        make_entry(8, note="caf\u00e9 \u2028 \U0001f600"),
        b'{"seq":9,"n":1e400}',
        b'{"seq":-3}',
        b'{"seq":true}',
    ]
    good = [make_entry(seq) for seq in range(10, 400)]
    return b"\n".join(lines + good + [make_entry(400), b"x" * 9_000, make_entry(401)]) + b"\n" + make_entry(402)


@pytest.mark.parametrize("segment_bytes", [1, 700, 4096, 1 << 20])
@pytest.mark.parametrize("workers", [1, 2])
def test_reader_matches_the_line_by_line_reference(segment_bytes: int, workers: int) -> None:
    data = _messy_file()
    expected = _reference(data, LIMITS)
    batches = list(
        read_jsonl(
            io.BytesIO(data).read,
            source="f",
            limits=LIMITS,
            batch_lines=50,
            workers=workers,
            segment_bytes=segment_bytes,
            parallel_min_bytes=0,
        )
    )
    assert _flatten(batches) == expected
    assert any(p for b in batches for p in b.problems)


def test_parallel_and_inline_batches_are_identical() -> None:
    data = _messy_file() * 3
    kwargs: dict[str, Any] = {"source": "f", "limits": LIMITS, "batch_lines": 64, "segment_bytes": 8192}
    inline = list(read_jsonl(io.BytesIO(data).read, workers=1, **kwargs))
    parallel = list(read_jsonl(io.BytesIO(data).read, workers=2, parallel_min_bytes=0, **kwargs))
    assert len(inline) == len(parallel)
    for a, b in zip(inline, parallel, strict=True):
        assert a.table.equals(b.table)
        assert a.problems == b.problems


@pytest.mark.parametrize("tail", [b"", b"\n", b"\n\n", b"\r\n"])
def test_line_ends_and_lines_longer_than_a_read(tail: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditviewer.input.formats.jsonl as jsonl

    monkeypatch.setattr(jsonl, "CHUNK", 1000)  # lines span several reads
    body = b"\n".join([make_entry(0), b"y" * 4_500, make_entry(1), b"z" * 2_500 + b"\r", make_entry(2)]) + tail
    expected = _reference(body, LIMITS)
    got = _flatten(list(read_jsonl(io.BytesIO(body).read, source="f", limits=LIMITS, workers=1, segment_bytes=1)))
    assert got == expected
    lines = [number for number, _ in split_lines(io.BytesIO(body).read, source="f", limits=LIMITS)]
    segments = list(iter_segments(io.BytesIO(body).read, limits=LIMITS, size=1))
    assert sum(s.count(b"\n") for s in segments) == len(lines)


def test_fast_seqs_never_accepts_what_check_leaf_refuses() -> None:
    leaves = [line for line in _messy_file().split(b"\n")]
    for leaf, seq in zip(leaves, fast_seqs(leaves, limits=LIMITS), strict=True):
        if seq is not None:
            check = check_leaf(leaf, limits=LIMITS)
            assert (check.seq, check.problem) == (seq, None)


def test_parquet_fast_path_matches_row_by_row(tmp_path: Path) -> None:
    leaves = [make_entry(s) for s in range(300)]
    leaves[7] = leaves[7].replace(b'"seq":7', b'"seq":70')  # seq_mismatch
    leaves[9] = b'{"seq":9,"seq":9}'
    heads = [bytes([i % 256]) * 32 for i in range(300)]
    heads[3] = b"short"
    table = pa.table(
        {
            "seq": pa.array(range(300), pa.int64()),
            "entry": pa.array(leaves, pa.binary()).cast(pa.string()),
            "head": pa.array(heads, pa.binary()),
        }
    )
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=64)
    inline = list(read_parquet_entries(path, label="p", workers=1))
    parallel = list(read_parquet_entries(path, label="p", workers=2, parallel_min_bytes=0))
    assert len(inline) == len(parallel) == 5
    for a, b in zip(inline, parallel, strict=True):
        assert a.table.equals(b.table)
        assert a.problems == b.problems
    rows = [r for b in inline for r in b.table.to_pylist()]
    assert [r["line"] for r in rows] == list(range(1, 301))
    assert rows[3]["head"] is None and rows[4]["head"] == heads[4]
    kinds = [(p.line, p.kind) for b in inline for p in b.problems]
    assert (8, "seq_mismatch") in kinds and (10, "malformed_entry") in kinds


def test_chain_runs_split_between_processes_agree() -> None:
    hashes = [leaf_hash(make_entry(s)) for s in range(50)]
    starts = [ZERO_HEAD, b"\x01" * 32, b"\x02" * 32]
    counts = [10, 0, 40]
    flat = b"".join(hashes)
    assert extend_runs(starts, counts, flat) == [
        extend(ZERO_HEAD, hashes[:10]),
        b"\x01" * 32,
        extend(b"\x02" * 32, hashes[10:]),
    ]


def test_collector_merges_out_of_order_and_duplicate_batches() -> None:
    from auditviewer.input.formats.batches import make_batch

    collector = LeafCollector()
    leaves = [make_entry(s) for s in range(6)]
    collector.add_batch(make_batch("a", [3, 4, 5], leaves[3:], [1, 2, 3]))
    collector.add_batch(make_batch("b", [0, 1, 2, 4], [*leaves[:3], b"other"], [1, 2, 3, 4]))
    seqs, hashes, recorded = collector.included()
    assert seqs == [0, 1, 2, 3, 4, 5]
    assert hashes == [leaf_hash(leaf) for leaf in leaves]
    assert not recorded
    assert [f.kind for f in collector.findings] == ["seq_conflict"]
    assert collector.findings[0].message.startswith("b:4:")


def test_a_damaged_parquet_file_fails_the_same_way_in_workers(tmp_path: Path) -> None:
    from auditviewer.core.errors import InputError

    table = pa.table(
        {"seq": pa.array(range(300), pa.int64()), "entry": pa.array([make_entry(s) for s in range(300)])}
    )
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=64, compression="none")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2_000] = b"\xff" * 2_000  # a row group's pages, not the footer
    path.write_bytes(bytes(data))
    errors = []
    for workers in (1, 2):
        with pytest.raises(InputError) as info:
            list(read_parquet_entries(path, label="p", workers=workers, parallel_min_bytes=0))
        errors.append((str(info.value), info.value.path))
    assert errors[0] == errors[1]


def test_worker_pool_falls_back_inline_when_it_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.input.formats import parallel

    def no_pool(workers: int) -> object:
        raise OSError("no processes here")

    monkeypatch.setattr(parallel, "_executor", no_pool)
    data = _messy_file()
    got = list(
        read_jsonl(io.BytesIO(data).read, source="f", limits=LIMITS, workers=2, segment_bytes=700, parallel_min_bytes=0)
    )
    assert _flatten(got) == _reference(data, LIMITS)
    assert parallel.split_map(divmod, [(7, 2), (9, 4)], workers=2) == [(3, 1), (2, 1)]


def test_worker_count_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.input.formats.parallel import worker_count

    monkeypatch.setenv("AUDITVIEWER_WORKERS", "1")
    assert worker_count() == 1
    monkeypatch.setenv("AUDITVIEWER_WORKERS", "3")
    assert worker_count() == 3
    monkeypatch.setenv("AUDITVIEWER_WORKERS", "")
    assert worker_count() >= 1
    monkeypatch.setattr("os.getloadavg", lambda: (64.0, 64.0, 64.0))
    assert worker_count() == 1  # no spare CPU: read inline
    monkeypatch.setattr("os.getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert worker_count() == 4


def test_verify_splits_the_chain_between_processes_with_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditviewer.integrity import verify as verify_module
    from auditviewer.workspace.inputs import open_workspace
    from auditviewer.workspace.verification import verify_workspace
    from tests.helpers.bundle_builder import signer, write_bundle

    key = signer()
    leaves = [make_entry(s) for s in range(120)]
    lines = list(leaves)
    lines[40] = lines[40].replace(b'"Update"', b'"Delete"')  # one interval fails
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[16, 32, 64, 100], key=key, entry_lines=lines)

    def report() -> dict[str, Any]:
        workspace = open_workspace([bundle])
        try:
            return verify_workspace(workspace, [key.verifier]).to_json()
        finally:
            workspace.close()

    monkeypatch.setenv("AUDITVIEWER_WORKERS", "1")
    inline = report()
    monkeypatch.setenv("AUDITVIEWER_WORKERS", "2")
    monkeypatch.setattr(verify_module, "PARALLEL_CHAIN_STEPS", 0)
    split = report()
    assert split == inline
    assert inline["status"] == "failed"
    assert [f["kind"] for f in inline["findings"]].count("chain_mismatch") == 1
