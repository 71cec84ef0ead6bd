"""Time range bar: presets relative to the newest entry, custom range, UTC/local."""

from __future__ import annotations

from typing import Any

from auditviewer.core.times import DAY_MS, format_time, parse_rfc3339_ms, zone_name
from auditviewer.ui.widgets.time_range import PRESET_7D, PRESET_CUSTOM, TimeRangeBar

NEWEST = parse_rfc3339_ms("2026-10-19T12:00:00Z") or 0
OLDEST = NEWEST - 60 * DAY_MS


def make(qtbot: Any) -> TimeRangeBar:
    bar = TimeRangeBar()
    qtbot.addWidget(bar)
    bar.set_bounds(OLDEST, NEWEST)
    bar.show()
    return bar


def test_preset_relative_to_newest(qtbot: Any) -> None:
    bar = make(qtbot)
    with qtbot.waitSignal(bar.rangeChanged) as sig:
        bar.select_preset(PRESET_7D)
    assert sig.args == [(NEWEST + 1 - 7 * DAY_MS, NEWEST + 1)]
    with qtbot.waitSignal(bar.rangeChanged) as sig:
        bar.clear_button.click()
    assert sig.args == [(None, None)]


def test_custom_range(qtbot: Any) -> None:
    bar = make(qtbot)
    with qtbot.waitSignal(bar.rangeChanged) as sig:
        bar.set_range(OLDEST, OLDEST + DAY_MS)
    assert sig.args == [(OLDEST, OLDEST + DAY_MS)]
    assert bar.preset_key() == PRESET_CUSTOM
    assert bar.start_edit.isVisible()
    assert bar.time_range() == (OLDEST, OLDEST + DAY_MS)


def test_utc_toggle(qtbot: Any) -> None:
    bar = make(qtbot)
    assert bar.utc() and bar.utc_button.text() == "UTC"
    with qtbot.waitSignal(bar.utcChanged) as sig:
        bar.utc_button.click()
    assert sig.args == [False]
    # The zone is named (issue 13.12), e.g. "Local (CET)".
    assert bar.utc_button.text() == f"Local ({zone_name(False)})"


def test_format_time() -> None:
    assert format_time(NEWEST, True) == "2026-10-19 12:00:00"
    assert format_time(NEWEST + 87, True, millis=True) == "2026-10-19 12:00:00.087"
    assert format_time(None, True) == ""


def shown_range(bar: TimeRangeBar) -> tuple[int, int]:
    return (bar.start_edit.dateTime().toMSecsSinceEpoch(),
            bar.end_edit.dateTime().toMSecsSinceEpoch())


def test_refreshed_bounds_keep_a_dragged_range_in_the_fields(qtbot: Any) -> None:
    """Defect 13.2: the fields show the range in force, not the workspace's span."""
    bar = make(qtbot)
    start, end = OLDEST + 20 * DAY_MS, OLDEST + 40 * DAY_MS
    bar.set_range(start, end)  # the timeline's drag
    bar.set_bounds(OLDEST, NEWEST)  # every refresh sends the bounds again
    assert bar.time_range() == (start, end)
    assert shown_range(bar) == (start, end)
    bar.set_bounds(OLDEST, NEWEST + DAY_MS)  # more rows loaded
    assert bar.time_range() == (start, end)
    assert shown_range(bar) == (start, end)


def test_custom_starts_from_the_range_in_force(qtbot: Any) -> None:
    bar = make(qtbot)
    bar.select_preset(PRESET_7D)
    got: list[object] = []
    bar.rangeChanged.connect(got.append)
    bar.select_preset(PRESET_CUSTOM)
    seven_days = (NEWEST + 1 - 7 * DAY_MS, NEWEST + 1)
    # The same filter, so no signal; the fields show those 7 days.
    assert got == []
    assert bar.time_range() == seven_days
    assert shown_range(bar) == seven_days
    bar.clear()
    assert bar.time_range() == (None, None)
    bar.select_preset(PRESET_CUSTOM)
    assert shown_range(bar) == (OLDEST, NEWEST + 1000)
