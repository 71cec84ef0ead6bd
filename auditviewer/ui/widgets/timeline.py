"""Timeline: a histogram of the filtered entries over time; drag across it to
set the time range, double-click to clear it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from auditviewer.core.times import DAY_MS, HOUR_MS, format_time

AXIS_HEIGHT = 16
MIN_DRAG_PX = 4


class Timeline(QWidget):
    """``set_bins(bins, bin_ms)`` with ``bins = [(start_ms, count), ...]``.

    Emits ``rangeSelected(start_ms, end_ms)`` after a drag and
    ``rangeCleared()`` on double-click.
    """

    rangeSelected = Signal(object, object)
    rangeCleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Timeline of entries")
        self.setToolTip("Drag to set the time range; double-click to clear it")
        self._bins: list[tuple[int, int]] = []
        self._bin_ms = 1
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
        self._bin_ms = max(1, int(bin_ms))
        if span is not None:
            self._lo, self._hi = int(span[0]), max(int(span[1]), int(span[0]) + 1)
        elif self._bins:
            self._lo = self._bins[0][0]
            self._hi = self._bins[-1][0] + self._bin_ms
        else:
            self._lo, self._hi = 0, 1
        self.update()

    def bins(self) -> list[tuple[int, int]]:
        return list(self._bins)

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
        peak = max((c for _, c in self._bins), default=0)
        if peak > 0:
            for start, count in self._bins:
                if count <= 0:
                    continue
                x0 = self.ms_to_x(start)
                x1 = self.ms_to_x(start + self._bin_ms)
                h = max(1.0, plot.height() * count / peak)
                painter.fillRect(
                    QRectF(x0, plot.bottom() - h, max(1.0, x1 - x0 - 0.5), h), bar
                )
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "No entries to chart")
        # selection (committed or being dragged)
        sel = None
        if self._drag_from is not None and self._drag_to is not None:
            sel = (min(self._drag_from, self._drag_to), max(self._drag_from, self._drag_to))
        elif self._selection is not None:
            sel = self._selection
        if sel is not None:
            x0, x1 = self.ms_to_x(sel[0]), self.ms_to_x(sel[1])
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
        elif self._bins:
            ms = self.x_to_ms(event.position().x())
            count = self._count_at(ms)
            start = self._lo + (ms - self._lo) // self._bin_ms * self._bin_ms
            QToolTip.showText(
                event.globalPosition().toPoint() + QPoint(8, 8),
                f"{format_time(start, self._utc)}: {count:,} entries",
                self,
            )
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

    def _count_at(self, ms: int) -> int:
        for start, count in self._bins:
            if start <= ms < start + self._bin_ms:
                return count
        return 0
