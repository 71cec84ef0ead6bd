"""Search bar: applies valid queries, marks the column of a malformed one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.core.errors import QueryError
from auditviewer.ui.widgets.search_bar import SearchBar


def check(text: str) -> None:
    if "(" in text and ")" not in text:
        raise QueryError("unclosed parenthesis", column=text.index("(") + 1, query=text)


def make(qtbot: Any) -> SearchBar:
    bar = SearchBar(check)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def test_enter_applies(qtbot: Any) -> None:
    bar = make(qtbot)
    with qtbot.waitSignal(bar.queryApplied) as sig:
        qtbot.keyClicks(bar.edit, "image:3.22")
        qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert sig.args == ["image:3.22"]
    assert bar.applied_text() == "image:3.22"


def test_typing_applies_after_pause(qtbot: Any) -> None:
    bar = make(qtbot)
    with qtbot.waitSignal(bar.queryApplied, timeout=2000):
        qtbot.keyClicks(bar.edit, "hana")


def test_error_marks_column_and_is_not_applied(qtbot: Any) -> None:
    bar = make(qtbot)
    applied: list[str] = []
    bar.queryApplied.connect(applied.append)
    bar.set_text("a (b")
    assert applied == []
    assert bar.error() is not None and bar.error().column == 3  # type: ignore[union-attr]
    assert bar.error_label.isVisible()
    assert bar.error_label.text() == "Column 3: unclosed parenthesis"
    assert bar.error_label.textFormat() == Qt.TextFormat.PlainText
    bar.set_text("a (b)")
    assert applied == ["a (b)"]
    assert not bar.error_label.isVisible()


def test_escape_clears(qtbot: Any) -> None:
    bar = make(qtbot)
    bar.set_text("x")
    with qtbot.waitSignal(bar.queryApplied) as sig:
        qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert sig.args == [""]
    assert bar.text() == ""


def test_help_toggles(qtbot: Any) -> None:
    bar = make(qtbot)
    assert not bar.help_label.isVisible()
    bar.help_button.click()
    assert bar.help_label.isVisible()


def test_the_help_names_every_status_the_language_takes() -> None:
    from auditviewer.query.sql import STATUSES
    from auditviewer.ui.widgets.search_bar import SYNTAX_HELP

    assert "status:malformed" in SYNTAX_HELP
    assert all(status in SYNTAX_HELP for status in STATUSES)
