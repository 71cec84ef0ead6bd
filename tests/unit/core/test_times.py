"""RFC 3339 read and written in one place, with one rule for times without an offset (core/times.py).

A time read from an input names a moment only with its offset (``Z`` or
``±hh:mm``); without one it is no time at all — for the parser, the
time-regression check, the store's ``time`` column (a ``query`` CSV cell) and the
Parquet export's ``time`` column alike.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.cli import main
from auditviewer.core.times import (
    format_rfc3339,
    format_rfc3339_ms,
    parse_rfc3339,
    parse_rfc3339_ms,
)
from auditviewer.integrity.time_watch import TimeWatch
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer(b"times")

MOMENTS = {
    "2026-09-14T08:31:22.512Z": datetime(2026, 9, 14, 8, 31, 22, 512000, UTC),
    "2026-09-14t08:31:22z": datetime(2026, 9, 14, 8, 31, 22, tzinfo=UTC),
    "2026-09-14 10:31:22+02:00": datetime(2026, 9, 14, 8, 31, 22, tzinfo=UTC),
    "2026-09-14T08:31:22-00:00": datetime(2026, 9, 14, 8, 31, 22, tzinfo=UTC),
    "2026-09-14T08:31:22.123456789Z": datetime(2026, 9, 14, 8, 31, 22, 123456, UTC),
}
NOT_TIMES = [
    "2026-09-14T08:31:22",  # no offset: names no moment
    "2026-09-14T08:31:22.512",  # no offset
    "2026-09-14 08:31:22",  # no offset
    "2026-09-14T08:31:22+0000",  # ISO 8601 basic offset, not RFC 3339
    "20260914T083122Z",  # ISO 8601 basic format
    "2026-09-14T08:31Z",  # no seconds
    "2026-09-14",  # a date
    "2026-02-30T00:00:00Z",  # no such day
    "2026-09-14T08:31:22+24:00",  # no such offset
    "\uff12026-09-14T08:31:22Z",  # a fullwidth digit
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "",
]


@pytest.mark.parametrize("text", sorted(MOMENTS))
def test_rfc3339_times_are_moments_in_utc(text: str) -> None:
    moment = parse_rfc3339(text)
    assert moment == MOMENTS[text] and moment is not None and moment.tzinfo is UTC
    assert parse_rfc3339_ms(text) == int(MOMENTS[text].timestamp() * 1000)


@pytest.mark.parametrize("text", NOT_TIMES)
def test_anything_else_is_not_a_time(text: str) -> None:
    assert parse_rfc3339(text) is None and parse_rfc3339_ms(text) is None


def test_times_are_written_one_way() -> None:
    moment = datetime(2026, 9, 14, 10, 31, 22, 512345, timezone(timedelta(hours=2)))
    assert format_rfc3339(moment) == "2026-09-14T08:31:22Z"
    assert format_rfc3339(moment, millis=True) == "2026-09-14T08:31:22.512Z"
    assert format_rfc3339_ms(1_789_000_000_999) == "2026-09-10T00:26:40Z"
    assert parse_rfc3339(format_rfc3339(moment)) == moment.replace(microsecond=0)
    with pytest.raises(ValueError, match="names no moment"):
        format_rfc3339(datetime(2026, 9, 14, 8, 31, 22))


def _regressions(times: list[str]) -> list[int]:
    watch = TimeWatch()
    leaves = [make_entry(i, time=t) for i, t in enumerate(times)]
    watch.add(pa.array(range(len(times)), pa.int64()), pa.array(leaves, pa.binary()))
    return [f.seq or 0 for f in watch.findings() if f.kind == "time_regression"]


def test_no_time_regression_is_claimed_from_a_time_without_offset() -> None:
    # Read as UTC, 08:00:00 would go back from 09:00:00+00:00; it names no moment, so nothing is claimed.
    assert _regressions(["2026-09-14T09:00:00+00:00", "2026-09-14T08:00:00"]) == []
    assert _regressions(["2026-09-14T09:00:00+00:00", "2026-09-14T08:00:00+0000"]) == []
    assert _regressions(["2026-09-14T09:00:00+00:00", "2026-09-14T10:00:00+02:00"]) == [1]


def test_the_store_and_the_parquet_export_follow_the_same_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The store derives its column inside DuckDB (store/store.py, _ENTRY_TIME); it differs in corners
    # no entry of a real log has (lowercase t/z refused, minutes without seconds taken), left out here.
    texts = [t for t in [*MOMENTS, *NOT_TIMES[:5]] if t.isupper() or not t[-1].isalpha()]
    assert "2026-09-14T08:31:22" in texts and "2026-09-14T08:31:22+0000" in texts
    bundle = write_bundle(
        tmp_path / "b", [make_entry(i, time=t) for i, t in enumerate(texts)], checkpoint_sizes=[len(texts)], key=KEY
    )
    assert main(["query", str(bundle), "--format", "csv", "--trust", KEY.verifier_string, "--quiet"]) == 0
    cells = [row["time"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))]
    expected = [format_rfc3339(m, millis=True) if (m := parse_rfc3339(t)) else "" for t in texts]
    assert cells == expected
    out = tmp_path / "x.parquet"
    assert main(["export", str(bundle), "--out", str(out), "--trust", KEY.verifier_string, "--quiet"]) == 0
    table = pq.read_table(out, columns=["time", "time_text"]).to_pylist()
    assert [row["time_text"] for row in table] == texts
    assert [row["time"] for row in table] == [parse_rfc3339(t) for t in texts]


def test_format_range_drops_a_shared_date() -> None:
    from auditviewer.core.times import HOUR_MS, format_range

    assert format_range(0, HOUR_MS, True) == "1970-01-01 00:00:00 – 01:00:00"
    assert format_range(0, 25 * HOUR_MS, True) == "1970-01-01 00:00:00 – 1970-01-02 01:00:00"
