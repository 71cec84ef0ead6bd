"""Timeline: a histogram of the filtered entries over time; drag across it to
set the time range, double-click to clear it.

Hovering a bar shows its time span and count (:meth:`Timeline.bar_at`). The axis
can be zoomed into the selection and back out again (context menu, ``+`` / ``-``;
:meth:`zoom_to_selection`, :meth:`zoom_out`): zooms stack, and ``zoomChanged``
tells the window the span shown, so it may ask for finer bins over it. Until the
first bins arrive (a workspace still loading) the chart says "Loading…", not
that there is nothing to chart; :meth:`clear` returns to that state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from auditviewer.core.times import DAY_MS, HOUR_MS, format_range, format_time

AXIS_HEIGHT = 16
MIN_DRAG_PX = 4
MIN_ZOOM_MS = 1000  # the narrowest span the axis zooms into
LOADING_TEXT = "Loading…"
EMPTY_TEXT = "No entries to chart"


class Timeline(QWidget):
    """``set_bins(bins, bin_ms)`` with ``bins = [(start_ms, count), ...]``.

    Emits ``rangeSelected(start_ms, end_ms)`` after a drag,
    ``rangeCleared()`` on double-click, and ``zoomChanged(lo_ms, hi_ms)`` when the
    axis is zoomed (``(None, None)``: back to the whole span).
    """

    rangeSelected = Signal(object, object)
    rangeCleared = Signal()
    zoomChanged = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Timeline of entries")
        self.setToolTip(
            "Drag to set the time range; double-click to clear it; "
            "right-click (or + and -) to zoom into the selection and back out"
        )
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._bins: list[tuple[int, int]] = []
        self._known = False  # no bins yet: the workspace is loading
        self._bin_ms = 1
        self._full = (0, 1)  # the whole span
        self._zooms: list[tuple[int, int]] = []  # spans zoomed into, innermost last
        self._lo = 0
        self._hi = 1
        self._selection: tuple[int, int] | None = None
        self._drag_from: int | None = None
        self._drag_to: int | None = None
        self._utc = True

    def sizeHint(self) -> QSize:
        return QSize(600, 72)

    # -- data ------------------------------------------------------------
    def set_bins(
        self,
        bins: Sequence[tuple[int, int]],
        bin_ms: int,
        span: tuple[int, int] | None = None,
    ) -> None:
        """Bins of ``bin_ms`` each; ``span`` (ms) fixes the x axis (else the bins' extent)."""
        self._bins = [(int(s), int(c)) for s, c in bins]
        self._known = True
        self._bin_ms = max(1, int(bin_ms))
        if span is not None:
            self._full = (int(span[0]), max(int(span[1]), int(span[0]) + 1))
        elif self._bins:
            self._full = (self._bins[0][0], self._bins[-1][0] + self._bin_ms)
        else:
            self._full = (0, 1)
        # A zoom outside the new span means nothing any more.
        lo, hi = self._full
        if any(z[1] <= lo or z[0] >= hi for z in self._zooms):
            self._zooms.clear()
            self.zoomChanged.emit(None, None)
        self._set_axis()

    def clear(self) -> None:
        """No bins, no selection, no zoom: a workspace is on its way."""
        self._bins = []
        self._known = False
        self._selection = None
        self._drag_from = self._drag_to = None
        self._zooms.clear()
        self._full = (0, 1)
        self._set_axis()

    def bins(self) -> list[tuple[int, int]]:
        return list(self._bins)

    def placeholder(self) -> str | None:
        """What the chart says instead of bars (None when it has bars)."""
        if not self._known:
            return LOADING_TEXT
        if not any(c > 0 for _, c in self._bins):
            return EMPTY_TEXT
        return None

    # -- zoom ------------------------------------------------------------
    def axis_span(self) -> tuple[int, int]:
        """The span the x axis shows: the whole, or the innermost zoom."""
        return self._lo, self._hi

    def is_zoomed(self) -> bool:
        return bool(self._zooms)

    def can_zoom_in(self) -> bool:
        sel = self._selection
        return sel is not None and sel[1] - sel[0] >= MIN_ZOOM_MS and sel != self.axis_span()

    def zoom_to_selection(self) -> bool:
        """Zoom the axis into the selection; False when there is none to zoom into."""
        if not self.can_zoom_in():
            return False
        assert self._selection is not None
        self._zooms.append(self._selection)
        self._set_axis()
        self.zoomChanged.emit(self._lo, self._hi)
        return True

    def zoom_out(self) -> bool:
        """Back out one zoom; False when showing the whole span already."""
        if not self._zooms:
            return False
        self._zooms.pop()
        self._set_axis()
        if self._zooms:
            self.zoomChanged.emit(self._lo, self._hi)
        else:
            self.zoomChanged.emit(None, None)
        return True

    def zoom_reset(self) -> None:
        if self._zooms:
            self._zooms.clear()
            self._set_axis()
            self.zoomChanged.emit(None, None)

    def _set_axis(self) -> None:
        self._lo, self._hi = self._zooms[-1] if self._zooms else self._full
        self.update()

    def bar_at(self, x: float) -> tuple[int, int, int] | None:
        """(start ms, end ms, count) of the bar under ``x``, or None off the bars."""
        if not self._bins:
            return None
        ms = self.x_to_ms(x)
        for start, count in self._bins:
            if start <= ms < start + self._bin_ms:
                return start, start + self._bin_ms, count
        return None

    def bar_text(self, x: float) -> str | None:
        bar = self.bar_at(x)
        if bar is None:
            return None
        start, end, count = bar
        return (
            f"{format_range(start, end, self._utc)}\n"
            f"{count:,} entr{'y' if count == 1 else 'ies'}"
        )

    def set_selection(self, start_ms: int | None, end_ms: int | None) -> None:
        self._selection = None if start_ms is None or end_ms is None else (start_ms, end_ms)
        self.update()

    def set_utc(self, utc: bool) -> None:
        self._utc = utc
        self.update()

    # -- geometry --------------------------------------------------------
    def _plot(self) -> QRectF:
        return QRectF(4, 4, max(1, self.width() - 8), max(1, self.height() - 8 - AXIS_HEIGHT))

    def x_to_ms(self, x: float) -> int:
        plot = self._plot()
        frac = min(1.0, max(0.0, (x - plot.left()) / plot.width()))
        return int(self._lo + frac * (self._hi - self._lo))

    def ms_to_x(self, ms: int) -> float:
        plot = self._plot()
        return plot.left() + (ms - self._lo) / (self._hi - self._lo) * plot.width()

    # -- painting --------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        plot = self._plot()
        bar = pal.color(QPalette.ColorRole.Highlight)
        bar.setAlpha(200)
        shown = [(st, c) for st, c in self._bins if st + self._bin_ms > self._lo and st < self._hi]
        peak = max((c for _, c in shown), default=0)
        placeholder = self.placeholder()
        if placeholder is None and peak > 0:
            painter.save()
            painter.setClipRect(plot)
            for start, count in shown:
                if count <= 0:
                    continue
                x0 = self.ms_to_x(start)
                x1 = self.ms_to_x(start + self._bin_ms)
                h = max(1.0, plot.height() * count / peak)
                painter.fillRect(
                    QRectF(x0, plot.bottom() - h, max(1.0, x1 - x0 - 0.5), h), bar
                )
            painter.restore()
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), placeholder or EMPTY_TEXT)
        if self._zooms:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                plot.adjusted(0, 0, -2, 0),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                "zoomed (− to zoom out)",
            )
        # selection (committed or being dragged)
        sel = None
        if self._drag_from is not None and self._drag_to is not None:
            sel = (min(self._drag_from, self._drag_to), max(self._drag_from, self._drag_to))
        elif self._selection is not None:
            sel = self._selection
        if sel is not None:
            x0 = max(plot.left(), self.ms_to_x(sel[0]))
            x1 = min(plot.right(), self.ms_to_x(sel[1]))
            shade = QColor(pal.color(QPalette.ColorRole.Highlight))
            shade.setAlpha(60)
            painter.fillRect(QRectF(x0, plot.top(), max(1.0, x1 - x0), plot.height()), shade)
            painter.setPen(pal.color(QPalette.ColorRole.Highlight))
            painter.drawLine(QPointF(x0, plot.top()), QPointF(x0, plot.bottom()))
            painter.drawLine(QPointF(x1, plot.top()), QPointF(x1, plot.bottom()))
        # axis: first and last time, and a middle tick
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        if self._bins:
            fm = painter.fontMetrics()
            y = int(plot.bottom()) + 2
            span = self._hi - self._lo
            fmt_short = span > 2 * DAY_MS
            labels = [
                (plot.left(), self._lo, Qt.AlignmentFlag.AlignLeft),
                (plot.center().x(), (self._lo + self._hi) // 2, Qt.AlignmentFlag.AlignHCenter),
                (plot.right(), self._hi, Qt.AlignmentFlag.AlignRight),
            ]
            for x, ms, align in labels:
                text = format_time(ms, self._utc)
                if fmt_short:
                    text = text[:10]
                elif span > 2 * HOUR_MS:
                    text = text[:16]
                w = fm.horizontalAdvance(text)
                left = x if align == Qt.AlignmentFlag.AlignLeft else (
                    x - w if align == Qt.AlignmentFlag.AlignRight else x - w / 2
                )
                painter.drawText(
                    QRectF(left, y, w + 2, AXIS_HEIGHT),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                    text,
                )
        painter.end()

    # -- mouse -----------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._bins:
            ms = self.x_to_ms(event.position().x())
            self._drag_from = ms
            self._drag_to = ms
            self._press_x = event.position().x()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_to = self.x_to_ms(event.position().x())
            self.update()
        else:
            text = self.bar_text(event.position().x())
            if text is not None:
                QToolTip.showText(event.globalPosition().toPoint() + QPoint(8, 8), text, self)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.button() == Qt.MouseButton.LeftButton:
            end = self.x_to_ms(event.position().x())
            start = self._drag_from
            moved = abs(event.position().x() - getattr(self, "_press_x", 0.0))
            self._drag_from = self._drag_to = None
            if moved >= MIN_DRAG_PX:
                lo, hi = min(start, end), max(start, end)
                self._selection = (lo, hi)
                self.rangeSelected.emit(lo, hi)
            self.update()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._drag_from = self._drag_to = None
        self._selection = None
        self.update()
        self.rangeCleared.emit()
        event.accept()

    # -- zoom by keyboard and menu ----------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and self.zoom_to_selection():
            event.accept()
            return
        if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) and self.zoom_out():
            event.accept()
            return
        super().keyPressEvent(event)

    def zoom_menu(self) -> QMenu:
        """Zoom to selection / Zoom out / Whole span, enabled as they apply."""
        menu = QMenu(self)
        zoom_in = menu.addAction("Zoom to Selection", self.zoom_to_selection)
        zoom_in.setShortcut("+")
        zoom_in.setEnabled(self.can_zoom_in())
        zoom_out = menu.addAction("Zoom Out", self.zoom_out)
        zoom_out.setShortcut("-")
        zoom_out.setEnabled(self.is_zoomed())
        whole = menu.addAction("Show the Whole Span", self.zoom_reset)
        whole.setEnabled(self.is_zoomed())
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.zoom_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()
