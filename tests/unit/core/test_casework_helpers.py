"""The core helpers case work added: the cross-process lock, the RFC 3339 writer, ``summary.changes``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from auditviewer.core.lock import LockTimeout, exclusive_lock
from auditviewer.core.summary import changes
from auditviewer.core.times import parse_rfc3339_ms, rfc3339_utc


def test_rfc3339_utc_is_utc_with_milliseconds_and_round_trips() -> None:
    moment = datetime(2026, 9, 14, 10, 31, 22, 512_000, tzinfo=timezone(timedelta(hours=2)))
    assert rfc3339_utc(moment) == "2026-09-14T08:31:22.512Z"
    with pytest.raises(ValueError, match="names no moment"):  # one rule: no zone, no moment
        rfc3339_utc(datetime(2026, 1, 1))
    assert parse_rfc3339_ms(rfc3339_utc(moment)) == int(moment.timestamp() * 1000)
    assert rfc3339_utc().endswith("Z") and abs(parse_rfc3339_ms(rfc3339_utc()) / 1000 - datetime.now(UTC).timestamp()) < 5  # type: ignore[operator]


def test_changes_lists_every_before_after_pair_with_full_values() -> None:
    metadata = {
        "image": {"before": "reg/acme/nakama:3.21.0", "after": "reg/acme/nakama:3.22.0"},
        "config": {"tier": {"before": 1, "after": {"size": 2}}},
        "note": "plain",
    }
    assert changes(metadata) == [
        ("image", "reg/acme/nakama:3.21.0", "reg/acme/nakama:3.22.0"),
        ("config.tier", 1, {"size": 2}),
    ]
    assert changes('{"a": {"before": null, "after": true}}') == [("a", None, True)]
    assert changes("not json") == [] and changes(None) == []


def test_the_lock_excludes_another_process_and_times_out_clearly(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from pathlib import Path
                from auditviewer.core.lock import exclusive_lock
                with exclusive_lock(Path({str(lock)!r})):
                    print("held", flush=True)
                    time.sleep(3)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout, match=r"x\.lock: another AuditViewer process"), exclusive_lock(lock, timeout=0.2):
            pass
        start = time.monotonic()
        with exclusive_lock(lock, timeout=30):  # waits for the holder, then gets it
            assert time.monotonic() - start > 0.5
    finally:
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
