"""Issue 11.6 and 11.9: hostile Parquet shapes.

Duplicate column names are one clear error naming the file (never a KeyError
traceback), and files of one-row row groups are read in time linear in their row
groups: the footer is parsed once and shared, never once per row group.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.cli import main
from auditviewer.core.errors import LimitError
from auditviewer.core.limits import Limits
from auditviewer.input.formats.parquet import read_parquet_entries
from tests.helpers.bundle_builder import make_entry


def _write(path: Path, names: list[str], n: int = 3, *, row_group_size: int | None = None) -> Path:
    seqs = pa.array(range(n), pa.int64())
    entries = pa.array([make_entry(i).decode() for i in range(n)])
    arrays = [seqs if name == "seq" else entries for name in names]
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path, row_group_size=row_group_size)
    return path


@pytest.mark.parametrize("names", [["seq", "seq", "entry"], ["seq", "entry", "entry"], ["entry", "seq", "entry", "seq"]])
def test_duplicate_column_names_are_a_clear_error_naming_the_file(
    tmp_path: Path, names: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "dup.parquet", names)
    assert main(["verify", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["status"] == "error"
    assert "dup.parquet" in report["error"] and "columns named" in report["error"]
    assert "Traceback" not in captured.err and "dup.parquet" in captured.err


def test_duplicate_columns_in_a_bundle_entry_file_and_through_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "dup.parquet", ["seq", "entry", "entry"])
    assert main(["query", str(path)]) == 2
    err = capsys.readouterr().err
    assert "dup.parquet" in err and '2 columns named "entry"' in err


def _footer_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parses: list[int] = []
    real = pq.ParquetFile

    def counting(source: object, *args: object, metadata: object = None, **kwargs: object) -> pq.ParquetFile:
        if metadata is None:
            parses.append(1)
        return real(source, *args, metadata=metadata, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "ParquetFile", counting)
    return parses


@pytest.mark.parametrize("workers", [1, 2])
def test_one_row_row_groups_parse_the_footer_once(
    tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "groups.parquet", ["seq", "entry"], n=400, row_group_size=1)
    assert pq.ParquetFile(path).metadata.num_row_groups == 400
    expected = list(read_parquet_entries(path, label="g", workers=1))
    parses = _footer_parses(monkeypatch)
    batches = list(read_parquet_entries(path, label="g", workers=workers, parallel_min_bytes=0))
    # With threads the footer parsed once is shared; worker processes (no C extension)
    # open one reader per job, a few per worker, never one per row group.
    assert len(parses) <= 1 + workers * 4
    # Tiny row groups are checked in runs: a handful of batches, not one per row group.
    assert len(batches) <= 1 + workers * 4
    rows = [r for b in batches for r in b.table.to_pylist()]
    assert [r["seq"] for r in rows] == list(range(400))
    assert [r["line"] for r in rows] == list(range(1, 401))
    assert pa.Table.from_batches([b.table for b in batches]).equals(
        pa.Table.from_batches([b.table for b in expected])
    )


def test_row_groups_past_the_limit_are_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "groups.parquet", ["seq", "entry"], n=20, row_group_size=1)
    with pytest.raises(LimitError, match=r"groups.parquet.*20 row groups.*max_parquet_row_groups"):
        list(read_parquet_entries(path, label="groups.parquet", limits=Limits(max_parquet_row_groups=10)))
    batches = list(read_parquet_entries(path, label="g", limits=Limits(max_parquet_row_groups=20)))
    assert sum(b.num_rows for b in batches) == 20


def test_the_first_row_group_is_read_as_a_job_of_its_own() -> None:
    """The viewer shows rows once the first job is back: it is one row group, whatever
    the rest are split into; every row group is still read once, in order."""
    from auditviewer.input.formats.parquet import _first_alone, _job_ranges

    for sizes, jobs in (([100] * 16, 8), ([100] * 3, 1), ([5, 500, 5, 5], 2), ([100], 4), ([], 4)):
        ranges = _first_alone(_job_ranges(sizes, jobs))
        assert [i for r in ranges for i in r] == list(range(len(sizes)))
        if sizes:
            assert len(ranges[0]) == 1
