"""Metadata columns in the table model (issue 13, feature 3): after the fixed columns,
their values from the source's window (``meta_0``…), never parsed here; qtmodeltester."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from PySide6.QtCore import Qt

from auditviewer.ui.models.table_model import COLUMN_COUNT, EntryTableModel
from tests.unit.ui.models.test_table_model import FakeSource


class MetaSource(FakeSource):
    """A source whose windows carry the metadata columns its ``meta`` names."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.meta: tuple[tuple[str, ...], ...] = ()

    def window(self, start: int, count: int) -> pa.Table:
        table = super().window(start, count)
        for i, path in enumerate(self.meta):
            values = [f"{'.'.join(path)}={seq}\u202e" for seq in table.column("seq").to_pylist()]
            table = table.append_column(f"meta_{i}", pa.array(values, pa.string()))
        return table


def test_meta_columns_pass_the_model_tester(qtmodeltester: Any) -> None:
    model = EntryTableModel()
    source = MetaSource(300)
    model.set_source(source)
    model.set_meta_columns((("image", "after"),))
    qtmodeltester.check(model)
    model.set_meta_columns((("image", "after"), ("plan",)))
    qtmodeltester.check(model)
    model.set_meta_columns((("plan",),))
    qtmodeltester.check(model)
    model.set_meta_columns(())
    qtmodeltester.check(model)


def test_values_come_from_the_window_and_are_shown_safely(qtbot: Any) -> None:
    model = EntryTableModel()
    source = MetaSource(300)
    model.set_source(source)
    assert model.columnCount() == COLUMN_COUNT
    with qtbot.waitSignal(model.columnsInserted):
        model.set_meta_columns((("image", "after"), ("plan",)))
    assert model.columnCount() == COLUMN_COUNT + 2
    assert source.meta == (("image", "after"), ("plan",))  # the next window reads them
    assert model.headerData(COLUMN_COUNT, Qt.Orientation.Horizontal) == "meta.image.after"
    seq = model.seq_at(5)
    shown = model.index(5, COLUMN_COUNT + 1).data()
    assert shown.startswith(f"plan={seq}") and "\u202e" not in shown  # made visible
    assert model.cell_as_copied(5, COLUMN_COUNT) == f"image.after={seq}\\u202e"
    with qtbot.waitSignal(model.columnsRemoved):
        model.set_meta_columns((("plan",),))
    assert model.index(5, COLUMN_COUNT).data().startswith(f"plan={seq}")


def test_rows_as_tsv_name_the_meta_columns() -> None:
    model = EntryTableModel()
    model.set_source(MetaSource(10))
    model.set_meta_columns((("plan",),))
    lines = model.rows_as_tsv([0], [1, COLUMN_COUNT]).splitlines()
    assert lines[0] == "Time\tmeta.plan"
    assert lines[1].endswith(f"plan={model.seq_at(0)}\\u202e")


def test_a_seeded_page_without_the_columns_is_not_kept() -> None:
    model = EntryTableModel()
    old = FakeSource(10)  # a page read before the columns were chosen
    model.set_source(MetaSource(10))
    model.set_meta_columns((("plan",),))
    model.seed_pages({0: old.window(0, 10)})
    assert not model.is_loaded(0)


def test_sorting_a_meta_column_asks_the_store_and_keeps_the_new_order() -> None:
    model = EntryTableModel()
    model.set_source(MetaSource(10))
    model.set_meta_columns((("plan",),))
    asked: list[tuple[str, bool]] = []
    model.sortRequested.connect(lambda key, desc: asked.append((key, desc)))
    model.sort(COLUMN_COUNT, Qt.SortOrder.AscendingOrder)
    assert asked == [("meta.plan", False)]
    assert model.sort_state() == (COLUMN_COUNT, Qt.SortOrder.AscendingOrder)


def test_columns_removed_at_the_end_are_removed_not_reset(qtbot: Any, qtmodeltester: Any) -> None:
    """The window's header keeps its state through a removal (a reset re-makes it)."""
    model = EntryTableModel()
    model.set_source(MetaSource(20))
    model.set_meta_columns((("a",), ("b",), ("c",)))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.columnsRemoved) as removed:
        model.set_meta_columns((("a",),))
    assert removed.args[1:] == [COLUMN_COUNT + 1, COLUMN_COUNT + 2]
    assert not resets
    qtmodeltester.check(model)
