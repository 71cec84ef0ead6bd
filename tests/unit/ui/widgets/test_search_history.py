"""The search bar's history: Up/Down walk it as a shell does, the ▾ menu lists recent searches."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.ui.widgets.search_bar import HISTORY_MENU_ITEMS, SearchBar


def test_up_down_walk_the_history_and_bring_the_draft_back(qtbot: Any) -> None:
    bar = SearchBar()
    qtbot.addWidget(bar)
    applied: list[str] = []
    bar.queryApplied.connect(applied.append)
    bar.set_history(["newest", "older", "oldest"])
    qtbot.keyClicks(bar.edit, "draft")
    bar._timer.stop()
    for expected in ("newest", "older", "oldest", "oldest"):
        qtbot.keyClick(bar.edit, Qt.Key.Key_Up)
        assert bar.text() == expected
    qtbot.keyClick(bar.edit, Qt.Key.Key_Down)
    assert bar.text() == "older"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Down)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Down)
    assert bar.text() == "draft"
    assert applied == []  # walking only shows; Enter runs
    qtbot.keyClick(bar.edit, Qt.Key.Key_Up)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert applied == ["newest"]


def test_the_menu_lists_recent_searches_visibly_and_runs_one(qtbot: Any) -> None:
    bar = SearchBar()
    qtbot.addWidget(bar)
    applied: list[str] = []
    bar.queryApplied.connect(applied.append)
    bar._fill_history_menu()
    assert [a.text() for a in bar.history_menu.actions()] == ["No recent searches on this log"]
    queries = [f"actor:user{i}@*" for i in range(HISTORY_MENU_ITEMS + 5)] + ["evil\u202e & co"]
    bar.set_history(["evil\u202e & co", *queries[:-1]])
    bar._fill_history_menu()
    actions = bar.history_menu.actions()
    assert len(actions) == HISTORY_MENU_ITEMS
    assert actions[0].text() == "evil⟨U+202E⟩ && co"  # visible; & is no accelerator
    actions[2].trigger()
    assert applied == ["actor:user1@*"] and bar.text() == "actor:user1@*"


def test_the_history_button_is_one_drawn_arrow_that_opens_the_filled_menu(qtbot: Any) -> None:
    bar = SearchBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_history(["actor:hana@*"])
    # An arrow the style draws and no menu of the button's own: the style drew its menu
    # indicator beside a "▾" glyph, two arrows in one small button.
    assert bar.history_button.text() == "" and bar.history_button.menu() is None
    assert bar.history_button.arrowType() == Qt.ArrowType.DownArrow
    qtbot.mouseClick(bar.history_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(bar.history_menu.isVisible)
    assert [a.text() for a in bar.history_menu.actions()] == ["actor:hana@*"]
    below = bar.history_button.mapToGlobal(bar.history_button.rect().bottomLeft())
    assert abs(bar.history_menu.pos().y() - below.y()) <= 2
    bar.history_menu.close()
