"""EntryTableModel over a window source: paging, LRU, badges, TSV; qtmodeltester."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from PySide6.QtCore import Qt

from auditviewer.ui.models.table_model import (
    COL_ACTOR,
    COL_EVENT,
    COL_STATE,
    COL_SUMMARY,
    COL_TIME,
    COLUMN_COUNT,
    MAX_PAGES,
    PAGE_SIZE,
    EntryTableModel,
)

BASE_MS = 1_760_000_000_000


class FakeSource:
    """A window source over a generated Arrow table (what the store hands out)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls: list[tuple[int, int]] = []

    def count(self) -> int:
        return self.n

    def window(self, start: int, count: int) -> pa.Table:
        self.calls.append((start, count))
        seqs = list(range(start, min(self.n, start + count)))
        return pa.table(
            {
                "seq": pa.array(seqs, pa.int64()),
                "time_ms": pa.array([BASE_MS + s * 1000 for s in seqs], pa.int64()),
                "category": ["Nakama Deployment"] * len(seqs),
                "action": ["Update"] * len(seqs),
                "actor_email": [f"user{s}@acme.example\u202e" for s in seqs],
                "resource_name": ["dragon-prod-1"] * len(seqs),
                "title_name": ["Dragon Tactics"] * len(seqs),
                "metadata": ['{"image":{"before":"r:3.21.0","after":"r:3.22.0"}}'] * len(seqs),
                "state": [("verified", "failed", "unverified")[s % 3] for s in seqs],
            }
        )


def test_model_tester(qtmodeltester: Any) -> None:
    model = EntryTableModel()
    qtmodeltester.check(model)
    model.set_source(FakeSource(1000))
    qtmodeltester.check(model)
    model.set_source(FakeSource(3))
    qtmodeltester.check(model)


def test_display_and_roles() -> None:
    model = EntryTableModel()
    model.set_source(FakeSource(10))
    assert model.rowCount() == 10 and model.columnCount() == COLUMN_COUNT
    assert model.index(0, COL_EVENT).data() == "Nakama Deployment Update"
    assert model.index(1, COL_ACTOR).data() == "user1@acme.example⟨U+202E⟩"
    assert model.index(0, COL_SUMMARY).data() == "image 3.21.0 → 3.22.0"
    assert model.index(0, COL_STATE).data() == "✔"
    assert model.index(1, COL_STATE).data() == "✖"
    assert model.index(2, COL_STATE).data() == "◐"
    assert model.index(0, COL_TIME).data() == "2025-10-09 08:53:20"
    assert model.headerData(COL_TIME, Qt.Orientation.Horizontal) == "Time"


def test_paging_and_lru() -> None:
    source = FakeSource(1_000_000)
    model = EntryTableModel()
    model.set_source(source)
    assert source.calls == []
    assert model.seq_at(999_999) == 999_999
    assert source.calls == [(999_936, 64)]
    model.seq_at(999_998)
    assert len(source.calls) == 1
    for page in range(MAX_PAGES + 10):
        model.seq_at(page * PAGE_SIZE)
    assert model.cached_pages() == MAX_PAGES


def test_retention_marker(qtbot: Any) -> None:
    """An icon from resources/, not ⌛ (no installed font draws it: issue 13.12)."""
    from PySide6.QtGui import QIcon

    model = EntryTableModel()
    model.set_retention_cutoff(BASE_MS + 5000)
    model.set_source(FakeSource(10))
    assert model.index(0, COL_STATE).data() == "✔"
    icon = model.index(0, COL_STATE).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.pixmap(16, 16).toImage().isNull()
    assert not icon.pixmap(16, 16).toImage().allGray()  # drawn, not blank
    assert model.index(9, COL_STATE).data() == "✔"
    assert model.index(9, COL_STATE).data(Qt.ItemDataRole.DecorationRole) is None
    assert "retention" in model.index(0, COL_STATE).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "retention" in model.index(0, COL_TIME).data(Qt.ItemDataRole.ToolTipRole)


def test_refresh_count_appends(qtbot: Any) -> None:
    source = FakeSource(10)
    model = EntryTableModel()
    model.set_source(source)
    source.n = 20
    with qtbot.waitSignal(model.rowsInserted):
        model.refresh_count()
    assert model.rowCount() == 20


def test_sort_is_delegated() -> None:
    model = EntryTableModel()
    got: list[tuple[str, bool]] = []
    model.sortRequested.connect(lambda key, desc: got.append((key, desc)))
    model.sort(COL_ACTOR, Qt.SortOrder.AscendingOrder)
    assert got == [("actor", False)]


def test_tsv_with_header() -> None:
    model = EntryTableModel()
    model.set_source(FakeSource(5))
    text = model.rows_as_tsv([1, 0], [COL_TIME, COL_EVENT, COL_STATE])
    lines = text.splitlines()
    assert lines[0] == "Time\tEvent type\tIntegrity"
    assert lines[1] == "2025-10-09 08:53:20.000\tNakama Deployment Update\tverified"
    assert len(lines) == 3


def test_utc_toggle_changes_time() -> None:
    model = EntryTableModel()
    model.set_source(FakeSource(2))
    utc = model.index(0, COL_TIME).data()
    model.set_utc(False)
    assert isinstance(model.index(0, COL_TIME).data(), str)
    model.set_utc(True)
    assert model.index(0, COL_TIME).data() == utc


def test_threaded_source_pages_come_from_the_page_thread(qtbot: Any, qtmodeltester: Any) -> None:
    from auditviewer.ui.refresher import PageFetcher

    class ThreadedSource(FakeSource):
        threaded = True

    fetcher = PageFetcher()
    try:
        model = EntryTableModel()
        model.set_fetcher(fetcher)
        model.set_source(ThreadedSource(1000))
        assert model.index(700, COL_TIME).data() == "…"  # placeholder, no wait
        with qtbot.waitSignal(model.dataChanged, timeout=5000):
            pass
        assert model.is_loaded(700)
        assert model.index(700, COL_EVENT).data() == "Nakama Deployment Update"
        # copying waits for rows it does not have yet
        assert len(model.rows_as_tsv([10, 999], [COL_EVENT]).splitlines()) == 3
        qtmodeltester.check(model)
    finally:
        fetcher.stop()


def test_tags_column_shows_the_persons_annotations_apart(qtmodeltester: Any) -> None:
    from PySide6.QtGui import QFont

    from auditviewer.ui.models.table_model import COL_TAGS, SORT_KEYS, SORTABLE_KEYS, TAGS_TEXT

    model = EntryTableModel()
    model.set_source(FakeSource(10))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.column(), b.column())))
    model.set_annotations({3: ("★ exfil\u202e", "hana: bucket made public"), 5: ("", "chen: odd")})
    assert changed[-1] == (COL_TAGS, COL_TAGS)
    qtmodeltester.check(model)
    assert model.headerData(COL_TAGS, Qt.Orientation.Horizontal) == "Tags"
    assert model.index(3, COL_TAGS).data() == "★ exfil⟨U+202E⟩ ✎"  # visible, never obeyed
    assert model.index(5, COL_TAGS).data() == "✎"
    assert model.index(4, COL_TAGS).data() == ""
    tip = model.index(3, COL_TAGS).data(Qt.ItemDataRole.ToolTipRole)
    assert TAGS_TEXT in tip and "bucket made public" in tip
    font = model.index(3, COL_TAGS).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.italic()  # the person's words: never styled like the log's
    assert model.index(3, COL_TAGS).data(Qt.ItemDataRole.ForegroundRole) is None  # no verified green
    assert SORT_KEYS[COL_TAGS] not in SORTABLE_KEYS
    assert model.cell_as_copied(3, COL_TAGS) == "★ exfil\\u202e\\nhana: bucket made public"
    model.set_annotations({})
    assert model.index(3, COL_TAGS).data() == ""
