"""The log header's sort arrow points the way the rows run: ▼ newest first (issue 13.9)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionHeader, QTableView

from auditviewer.ui.models.table_model import COL_SEQ
from auditviewer.ui.widgets.log_header import LogHeader
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake

DESC = Qt.SortOrder.DescendingOrder
ASC = Qt.SortOrder.AscendingOrder


def arrow_points_down(header: Any, section: int) -> bool:
    """Render the header and read the sort arrow's shape from its pixels: the rightmost
    mark in the section (columns of dark pixels up to a clear column) is the arrow, and a
    ▼ is wider in its top row than in its bottom row."""
    header.viewport().update()
    image = QImage(header.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    header.render(image)
    left = header.sectionViewportPosition(section)
    right = left + header.sectionSize(section)

    def dark(x: int, y: int) -> bool:
        return QColor(image.pixel(x, y)).lightness() < 160  # the light theme's dark arrow

    def inked(x: int) -> bool:
        return any(dark(x, y) for y in range(image.height()))

    x = right - 3  # inside the section's border
    while x > left and not inked(x):
        x -= 1
    arrow_right = x
    while x > left and inked(x):
        x -= 1
    columns = range(x + 1, arrow_right + 1)
    widths = [n for y in range(image.height()) if (n := sum(dark(c, y) for c in columns))]
    assert len(widths) >= 2, "no sort arrow drawn"
    assert widths[0] != widths[-1]
    return widths[0] > widths[-1]


@pytest.mark.parametrize(("order", "down"), [(DESC, True), (ASC, False)])
def test_the_arrow_points_down_for_a_descending_sort(qtbot: Any, order: Qt.SortOrder, down: bool) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    view.setHorizontalHeader(LogHeader(view))
    view.setModel(QStandardItemModel(3, 2))
    view.setSortingEnabled(True)
    view.resize(400, 200)
    view.horizontalHeader().setSortIndicator(0, order)
    view.show()
    qtbot.waitExposed(view)
    assert arrow_points_down(view.horizontalHeader(), 0) is down


def test_the_option_painted_with_says_sortdown_for_descending(qtbot: Any) -> None:
    header = LogHeader()
    qtbot.addWidget(header)
    header.setModel(QStandardItemModel(1, 2))
    header.setSortIndicatorShown(True)
    header.setSortIndicator(1, DESC)
    option = QStyleOptionHeader()
    header.initStyleOptionForIndex(option, 1)
    assert option.sortIndicator == QStyleOptionHeader.SortIndicator.SortDown
    other = QStyleOptionHeader()
    header.initStyleOptionForIndex(other, 0)
    assert other.sortIndicator == QStyleOptionHeader.SortIndicator.None_


def test_the_window_shows_seq_newest_first_with_a_down_arrow(qtbot: Any) -> None:
    window = shown_window(qtbot, fake_loader)
    open_fake(qtbot, window)
    header = window.table.horizontalHeader()
    assert isinstance(header, LogHeader)
    assert window.model.sort_state() == (COL_SEQ, DESC)
    assert header.sortIndicatorSection() == COL_SEQ
    assert arrow_points_down(header, COL_SEQ)


def test_the_arrow_follows_an_order_the_header_did_not_set(qtbot: Any) -> None:
    """A finding's entries are shown in log order (ascending), then another workspace opens
    newest first: the arrow says so each time (the screenshot's ▲ on a newest-first log)."""
    window = shown_window(qtbot, fake_loader)
    open_fake(qtbot, window)
    header = window.table.horizontalHeader()
    window.filtering.set_state(window.state.with_(sort_key="seq", descending=False))
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (COL_SEQ, ASC)
    assert not arrow_points_down(header, COL_SEQ)
    open_fake(qtbot, window)
    qtbot.waitUntil(window.is_idle, timeout=10_000)
    assert window.state.descending
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (COL_SEQ, DESC)
    assert arrow_points_down(header, COL_SEQ)
