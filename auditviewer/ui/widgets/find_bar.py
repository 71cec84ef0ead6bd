"""Find without filtering: highlight a text in the log table and jump between its
rows, as lnav's ``/`` with ``n`` / ``N`` does, while the view keeps every row.

``FindBar(table)`` floats in the table's top right corner (a child of the view, so
the window needs no layout for it) and installs on the table:

* ``/`` (table focused) opens it; Escape in it closes it and clears the highlight;
* ``n`` / ``N`` (table focused), F3 / Shift+F3 (anywhere in the window), Enter /
  Shift+Enter (in the bar): the next / previous row holding the text, wrapping at
  the ends; the row is made current, so the entry pane follows;
* :class:`FindDelegate` tints every occurrence in the cells painted (only visible
  cells are painted, so highlighting costs nothing per row of the log).

Matching is case-insensitive on the text a cell shows. Jumping reads rows through
the model's ``row_texts(row)`` when it has one (the log's paged model fetches the
pages it needs), else through ``data()``; at most ``MAX_SCAN_ROWS`` rows, and for at
most ``SCAN_BUDGET_S`` seconds, are read per jump, so a rare text in a million rows
never freezes the window: the bar says how far it looked and the next press goes on
from there (``benchmarks/bench_find_bar.py`` measures it). A window with a faster
way (the store can find the next match in SQL) hands it in with
:meth:`FindBar.set_locator`.

The window hooks it with one line, ``self.find_bar = FindBar(self.table)``, and may
put :meth:`FindBar.open` in its Edit menu.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
#: Rows read per jump, at most, before the bar reports how far it looked ...
MAX_SCAN_ROWS = 50_000
#: ... and seconds spent reading them (a press never freezes the window for longer;
#: about 1,500 rows of the paged log model, fetched from the store, per 0.3 s).
SCAN_BUDGET_S = 0.3
#: (text, from row, forward) → the next row holding the text, or None.
Locator = Callable[[str, int, bool], int | None]
BAR_WIDTH = 420  # px, when the table is wide enough
MATCH_LIGHT = QColor(255, 214, 0, 140)
MATCH_DARK = QColor(255, 190, 0, 110)


def find_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """(start, end) of every case-insensitive occurrence of ``needle`` in ``text``."""
    if not needle or not text:
        return []
    hay, pin = text.casefold(), needle.casefold()
    if len(hay) != len(text):  # casefolding changed lengths (ß → ss): no offsets to trust
        return [(0, len(text))] if pin in hay else []
    out = []
    at = hay.find(pin)
    while at >= 0:
        out.append((at, at + len(pin)))
        at = hay.find(pin, at + len(pin))
    return out


class FindDelegate(QStyledItemDelegate):
    """Paints cells as usual, then tints each occurrence of the find text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.needle = ""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        if not self.needle:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        spans = find_spans(opt.text, self.needle)
        if not spans:
            return
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            return
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        dark = opt.palette.color(opt.palette.ColorRole.Base).lightness() < 128
        tint = MATCH_DARK if dark else MATCH_LIGHT
        painter.save()
        painter.setClipRect(text_rect)
        fm = opt.fontMetrics
        shown = fm.elidedText(opt.text, opt.textElideMode, text_rect.width() - 2 * margin)
        left_aligned = not (
            opt.displayAlignment & (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignHCenter)
        )
        if not left_aligned or shown != opt.text:
            # Not laid out from the left edge, or cut: mark the cell, not the letters.
            painter.fillRect(text_rect.adjusted(1, 2, -1, -2), tint)
        else:
            for start, end in spans:
                x = text_rect.left() + margin + fm.horizontalAdvance(opt.text[:start])
                width = fm.horizontalAdvance(opt.text[start:end])
                painter.fillRect(QRect(x, text_rect.top() + 2, width, text_rect.height() - 4), tint)
        painter.restore()


class FindBar(QFrame):
    """The find bar over ``view``; ``matchFound(row)`` after each successful jump."""

    matchFound = Signal(int)

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.setObjectName("findBar")
        self.view = view
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("findText")
        self.edit.setPlaceholderText("Find in the log (not a filter)")
        self.edit.setAccessibleName("Find in the log")
        self.edit.setClearButtonEnabled(True)
        self.prev_button = QToolButton(self)
        self.prev_button.setText("▲")
        self.prev_button.setToolTip("Previous match (N, Shift+F3)")
        self.next_button = QToolButton(self)
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (n, F3)")
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Escape)")
        self.close_button.setAutoRaise(True)
        self.status = QLabel(self)
        self.status.setObjectName("findStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.status)
        layout.addWidget(self.close_button)

        self.delegate = FindDelegate(view)
        view.setItemDelegate(self.delegate)
        self._locator: Locator | None = None
        self._resume: tuple[str, int, bool] | None = None  # where a cut-short scan stopped
        self._fresh = True  # a new text: the current row counts as the first match

        self.edit.textChanged.connect(self._text_changed)
        self.edit.returnPressed.connect(self.find_next)
        self.next_button.clicked.connect(self.find_next)
        self.prev_button.clicked.connect(self.find_previous)
        self.close_button.clicked.connect(self.close_find)
        self._shortcuts = [
            self._shortcut("/", view, self.open, Qt.ShortcutContext.WidgetShortcut),
            self._shortcut("n", view, self.find_next, Qt.ShortcutContext.WidgetShortcut),
            self._shortcut("Shift+N", view, self.find_previous, Qt.ShortcutContext.WidgetShortcut),
            self._shortcut("F3", view, self.find_next, Qt.ShortcutContext.WindowShortcut),
            self._shortcut(
                "Shift+F3", view, self.find_previous, Qt.ShortcutContext.WindowShortcut
            ),
            self._shortcut(
                "Shift+Return", self.edit, self.find_previous, Qt.ShortcutContext.WidgetShortcut
            ),
        ]
        # The view, and its viewport: a scroll bar appearing narrows only the viewport.
        self._viewport = view.viewport()
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)
        # Escape in the bar is the bar's, even where the window binds Escape too
        # (a second shortcut would make the key ambiguous, and neither would run).
        self.edit.installEventFilter(self)
        self.hide()

    @staticmethod
    def _shortcut(
        keys: str, parent: QWidget, slot: Callable[[], object], context: Qt.ShortcutContext
    ) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), parent)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)
        return shortcut

    # -- API -------------------------------------------------------------
    def text(self) -> str:
        return self.edit.text()

    def set_locator(self, locator: Locator | None) -> None:
        """A faster way to find the next row (else the model's rows are read)."""
        self._locator = locator

    def open(self, text: str | None = None) -> None:
        """Show the bar with the cursor in it (``text`` to find, if given)."""
        if text is not None:
            self.edit.setText(text)
        self._place()
        self.show()
        self.raise_()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def close_find(self) -> None:
        self.hide()
        self.edit.clear()
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def find_next(self) -> int | None:
        return self._jump(True)

    def find_previous(self) -> int | None:
        return self._jump(False)

    # -- internals -------------------------------------------------------
    def _text_changed(self, text: str) -> None:
        self.delegate.needle = text
        self._resume = None
        self._fresh = True
        self.status.clear()
        self.view.viewport().update()

    def _jump(self, forward: bool) -> int | None:
        needle = self.edit.text()
        if not needle:
            if not self.isVisible():
                self.open()
            return None
        model = self.view.model()
        count = model.rowCount() if model is not None else 0
        if count == 0:
            self.status.setText("No rows")
            return None
        current = self.view.currentIndex()
        here = current.row() if current.isValid() else (-1 if forward else count)
        if self._fresh and current.isValid():
            here -= 1 if forward else -1  # a new text: start at the current row itself
        self._fresh = False
        if self._resume is not None and self._resume[0] == needle and self._resume[2] == forward:
            here = self._resume[1]
        self._resume = None
        if self._locator is not None:
            row = self._locator(needle, here, forward)
            wrapped = row is not None and (row <= here if forward else row >= here)
        else:
            row, wrapped, looked = self._scan(needle, here, forward, count)
            if row is None and looked < count:
                self._resume = (needle, (here + (looked if forward else -looked)) % count, forward)
                self.status.setText(f"Not in the next {looked:,} rows; again to go on")
                return None
        if row is None:
            self.status.setText("No match")
            return None
        column = max(current.column(), 0) if current.isValid() else 0
        index = model.index(row, column)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.status.setText(f"Row {row + 1:,} of {count:,}" + (" (wrapped)" if wrapped else ""))
        self.view.viewport().update()
        self.matchFound.emit(row)
        return row

    def _scan(self, needle: str, here: int, forward: bool, count: int) -> tuple[int | None, bool, int]:
        """(row, wrapped, rows looked at), at most ``MAX_SCAN_ROWS`` rows read."""
        model = self.view.model()
        texts_of = getattr(model, "row_texts", None)
        columns = model.columnCount()
        pin = needle.casefold()
        step = 1 if forward else -1
        limit = min(count, MAX_SCAN_ROWS)
        deadline = time.monotonic() + SCAN_BUDGET_S
        for looked in range(1, limit + 1):
            if looked % 64 == 0 and time.monotonic() > deadline:
                return None, False, looked - 1
            row = (here + step * looked) % count
            if texts_of is not None:
                texts = texts_of(row)
                cells = texts if texts is not None else ()
            else:
                cells = tuple(str(model.index(row, c).data() or "") for c in range(columns))
            if any(pin in cell.casefold() for cell in cells):
                wrapped = (row <= here) if forward else (row >= here)
                return row, wrapped, looked
        return None, False, limit

    def _place(self) -> None:
        """The top right corner of the table's viewport."""
        viewport = self.view.viewport()
        top_right = viewport.mapTo(self.view, viewport.rect().topRight())
        self.setMinimumWidth(0)
        self.setMaximumWidth(16_777_215)
        wanted = max(BAR_WIDTH, self.sizeHint().width())
        width = max(200, min(wanted, viewport.width() - 8))
        self.setFixedWidth(width)
        self.setFixedHeight(self.sizeHint().height())
        self.move(top_right.x() - width - 4, top_right.y() + 4)

    @staticmethod
    def _is_escape(event: QEvent) -> bool:
        return (
            event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            (watched is self.view or watched is self._viewport)
            and event.type() == QEvent.Type.Resize
            and self.isVisible()
        ):
            self._place()
        elif watched is self.edit and self._is_escape(event):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                self.close_find()
                return True
        return super().eventFilter(watched, event)
