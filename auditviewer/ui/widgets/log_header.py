"""The log table's header: a sort arrow that points the way the table runs.

Qt's :class:`QHeaderView` gives a section sorted in ascending order the style
option ``SortDown`` and a descending one ``SortUp``, and Fusion (the style of
the light and dark themes, and of Linux) draws ``SortUp`` as ▲: a newest-first
log showed "Seq ▲" (issue 13, defect 9). Changing the option in
``initStyleOption`` does nothing, because :meth:`QHeaderView.paintSection` sets
the sort indicator afterwards, per section, in ``initStyleOptionForIndex``; that
is the method overridden here.

The convention the viewer keeps, whatever the style: **▼ descending** (the
largest value, the newest entry, at the top, values falling down the table),
**▲ ascending**. :func:`indicator_for` says which option gives that arrow, and
``tests/unit/ui/widgets/test_log_header.py`` renders the header to an image and
reads the arrow's direction from its pixels.

:attr:`LogHeader.resizedByPerson` tells a width the person dragged from one the
viewer set (fitting columns to their content, restoring, stretching the last
section): the window stops fitting columns once the person has chosen widths.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView, QStyleOptionHeader, QWidget

Indicator = QStyleOptionHeader.SortIndicator


def indicator_for(order: Qt.SortOrder) -> Indicator:
    """The style option that draws ▼ for a descending and ▲ for an ascending sort."""
    return Indicator.SortDown if order == Qt.SortOrder.DescendingOrder else Indicator.SortUp


class LogHeader(QHeaderView):
    """A horizontal header whose sort arrow follows :func:`indicator_for`."""

    #: A section was resized by a drag of its handle (not by the viewer).
    resizedByPerson = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("logHeader")
        self.sectionResized.connect(self._resized)

    def last_visible(self) -> int:
        """The logical index of the last section shown (the one stretched), or -1."""
        for visual in range(self.count() - 1, -1, -1):
            logical = self.logicalIndex(visual)
            if not self.isSectionHidden(logical):
                return logical
        return -1

    def _resized(self, logical: int, _old: int, _new: int) -> None:
        # The stretched last section follows the window (a splitter dragged): not a choice.
        stretched = self.stretchLastSection() and logical == self.last_visible()
        if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton and not stretched:
            self.resizedByPerson.emit(logical)

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logicalIndex: int) -> None:
        super().initStyleOptionForIndex(option, logicalIndex)
        if option.sortIndicator != Indicator.None_:
            option.sortIndicator = indicator_for(self.sortIndicatorOrder())
