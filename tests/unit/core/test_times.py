"""Times for people (``core/times.py``): spans shown without repeating a shared date."""

from __future__ import annotations

from auditviewer.core.times import HOUR_MS, format_range


def test_format_range_drops_a_shared_date() -> None:
    assert format_range(0, HOUR_MS, True) == "1970-01-01 00:00:00 – 01:00:00"
    assert format_range(0, 25 * HOUR_MS, True) == "1970-01-01 00:00:00 – 1970-01-02 01:00:00"
