"""Parallel Parquet reading holds a bounded read-ahead, whatever the file's size.

A job's batches are held whole until the reading loop takes them, and a few jobs are
in flight, so the memory a read holds is bounded by the bytes of a job: at most
``_MAX_JOB_BYTES`` plus one row group, by construction (a 10M-entry file was read in
jobs of an eighth of the file each, 800 MB decoded, issue 12).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.input.formats import parquet
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.parquet import _MAX_JOB_BYTES, _job_ranges, read_parquet_entries
from tests.helpers.bundle_builder import make_entry

MB = 1024 * 1024


def _check_ranges(sizes: list[int], ranges: list[range]) -> None:
    assert [i for r in ranges for i in r] == list(range(len(sizes)))  # every group once, in order
    for r in ranges:
        assert sum(sizes[i] for i in r) <= _MAX_JOB_BYTES + max(sizes)


@pytest.mark.parametrize(
    "sizes",
    [
        [42 * MB] * 153,  # the realistic 10M sample: 153 row groups of 65,536 rows
        [600 * MB] * 10,  # row groups over the cap: one per job
        [1 * MB] * 5000 + [300 * MB] + [7] * 1000,
        [0] * 20 + [5 * MB] * 400,
    ],
)
def test_no_job_holds_more_than_the_cap_and_one_row_group(sizes: list[int]) -> None:
    ranges = _job_ranges(sizes, 8)
    _check_ranges(sizes, ranges)
    # Readers opened stay linear in the bytes: never more jobs than needed for the cap.
    assert len(ranges) <= max(8, -(-sum(sizes) // _MAX_JOB_BYTES))


def test_small_files_keep_a_few_jobs_per_worker() -> None:
    sizes = [MB] * 40
    assert len(_job_ranges(sizes, 8)) == 8
    tiny = [10] * 400_000  # one-row row groups: still a handful of readers, not one per group
    assert len(_job_ranges(tiny, 8)) == 8


def test_a_threaded_read_gets_jobs_of_at_most_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 400
    table = pa.table({"seq": pa.array(range(n), pa.int64()), "entry": [make_entry(i).decode() for i in range(n)]})
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=20)
    sizes = [pq.ParquetFile(path).metadata.row_group(i).total_byte_size for i in range(n // 20)]
    expected = list(read_parquet_entries(path, label="e", workers=1))
    # A cap of one row group: every job the threads read is at most two.
    monkeypatch.setattr(parquet, "_MAX_JOB_BYTES", max(sizes))
    jobs: list[range] = []
    real = parquet._read_row_groups

    def recording(path: Path, metadata: object, row_groups: range, *args: object) -> list[LeafBatch]:
        jobs.append(row_groups)
        return real(path, metadata, row_groups, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parquet, "_read_row_groups", recording)
    batches = list(read_parquet_entries(path, label="e", workers=2, parallel_min_bytes=0))
    if parquet.NATIVE is not None:
        assert len(jobs) >= len(sizes) // 2 and max(len(r) for r in jobs) <= 2
    assert pa.Table.from_batches([b.table for b in batches]).equals(
        pa.Table.from_batches([b.table for b in expected])
    )
