"""Times in the window (issue 13): the time filter has one source of truth (13.2: after
a drag on the timeline, the Custom range fields show the dragged range, refresh after
refresh), and one time setting governs the table and the entry pane alike (13.12)."""

from __future__ import annotations

from typing import Any

from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake


def test_timeline_drag_and_the_date_fields_agree(qtbot: Any) -> None:
    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    qtbot.waitUntil(lambda: w.is_idle() and bool(w.timeline.bins()))
    lo, hi = w.timeline.axis_span()
    start, end = lo + (hi - lo) // 3, lo + (hi - lo) // 2
    w.timeline.rangeSelected.emit(start, end)  # what a drag emits
    qtbot.waitUntil(lambda: w.is_idle() and w.model.rowCount() < 3000)
    w.search.set_text("dragon")  # another refresh, bounds sent again
    qtbot.waitUntil(w.is_idle)
    assert (w.state.start_ms, w.state.end_ms) == (start, end)
    assert w.time_range.time_range() == (start, end)
    assert w.time_range.start_edit.dateTime().toMSecsSinceEpoch() == start
    assert w.time_range.end_edit.dateTime().toMSecsSinceEpoch() == end


def test_one_time_setting_for_table_and_entry_pane(qtbot: Any) -> None:
    from auditviewer.core.times import zone_name
    from auditviewer.ui.models.table_model import COL_TIME

    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    qtbot.waitUntil(w.is_idle)
    w.table.selectRow(0)
    qtbot.waitUntil(lambda: w.pane.entry() is not None)
    assert w.pane.subtitle.full_text().count(" UTC") == 1
    w.time_range.utc_button.click()  # to local time
    qtbot.waitUntil(w.is_idle)
    local = zone_name(False)
    assert f" {local}" in w.pane.subtitle.full_text()
    table_time = w.model.index(0, COL_TIME).data()
    assert table_time in w.pane.subtitle.full_text()  # the same wall time in both
