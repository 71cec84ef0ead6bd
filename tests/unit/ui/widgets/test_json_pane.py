"""Metadata pane: tree, text, changes; copying; plain text only."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from auditviewer.ui.models.json_model import JSON_PATH_ROLE
from auditviewer.ui.widgets.json_pane import TAB_CHANGES, TAB_TREE, MetadataPane, pretty_json

ENTRY = {
    "seq": 3,
    "time": "2026-08-10T01:14:41.087Z",
    "category": "Nakama Deployment",
    "action": "Update",
    "id": "evt_1",
    "metadata": {"image": {"before": "r:3.20.0", "after": "r:3.26.0"}, "note": "<b>hi</b>\u202e"},
}
LEAF = '{"seq":3}'


def make(qtbot: Any) -> MetadataPane:
    pane = MetadataPane()
    qtbot.addWidget(pane)
    pane.resize(500, 500)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def test_empty_then_entry(qtbot: Any) -> None:
    pane = make(qtbot)
    assert pane.placeholder.isVisible()
    assert not pane.copy_entry_button.isEnabled()
    pane.set_entry(ENTRY, leaf=LEAF, state="verified")
    assert pane.title.text() == "Nakama Deployment Update"
    assert pane.title.textFormat() == Qt.TextFormat.PlainText
    assert pane.verdict.text() == "✔ verified"
    assert "verified" not in pane.subtitle.text()
    assert pane.tabs.currentIndex() == TAB_CHANGES
    assert pane.tabs.tabText(TAB_CHANGES) == "Changes (1)"
    assert "⟨U+202E⟩" in pane.text.toPlainText()
    assert "<b>hi</b>" in pane.text.toPlainText()


def test_no_changes_falls_back_to_tree(qtbot: Any) -> None:
    pane = make(qtbot)
    pane.set_entry({"metadata": {"plan": "pro"}})
    assert pane.tabs.currentIndex() == TAB_TREE


def test_copy_value_path_entry(qtbot: Any) -> None:
    pane = make(qtbot)
    pane.set_entry(ENTRY, leaf=LEAF)
    pane.tabs.setCurrentIndex(TAB_TREE)
    model = pane.tree_model
    meta = next(
        model.index(r, 0) for r in range(model.rowCount())
        if model.index(r, 0).data(JSON_PATH_ROLE) == "$.metadata"
    )
    image = model.index(0, 0, meta)
    before = model.index(0, 0, image)
    pane.tree.setCurrentIndex(before)
    assert pane.copy_value_button.isEnabled()
    with qtbot.waitSignal(pane.copied):
        pane.copy_value_button.click()
    assert QGuiApplication.clipboard().text() == '"r:3.20.0"'  # JSON: exact, escaped
    pane.copy_path_button.click()
    assert QGuiApplication.clipboard().text() == "$.metadata.image.before"
    pane.copy_entry_button.click()
    assert QGuiApplication.clipboard().text() == LEAF
    pane.clear()
    assert pane.entry() is None


def test_pretty_json_visible() -> None:
    assert pretty_json({"a": "\u2066x"}) == '{\n  "a": "⟨U+2066⟩x"\n}'


def test_the_entry_time_follows_the_windows_time_setting(qtbot: Any) -> None:
    """Issue 13.12: one time setting for the whole window, the zone named."""
    from auditviewer.core.times import format_time, parse_rfc3339_ms, zone_name

    pane = MetadataPane()
    qtbot.addWidget(pane)
    stored = "2026-11-19T12:35:42.600Z"
    pane.set_entry({"seq": 7, "time": stored, "id": "evt_1", "metadata": {}})
    assert pane.subtitle.full_text() == "seq 7  ·  2026-11-19 12:35:42.600 UTC  ·  evt_1"
    pane.set_utc(False)
    ms = parse_rfc3339_ms(stored)
    local = f"{format_time(ms, False, millis=True)} {zone_name(False)}"
    assert local in pane.subtitle.full_text()
    assert "Time as stored: 2026-11-19T12:35:42.600Z" in pane.subtitle.toolTip()
    pane.set_entry({"seq": 8, "time": "not a time\u202e", "metadata": {}})
    assert "not a time" in pane.subtitle.full_text()
    assert "\u202e" not in pane.subtitle.toolTip()  # the stored text made visible


def test_the_text_view_rewraps_only_when_empty(qtbot: Any) -> None:
    """Changing the wrap mode lays the held text out again on the GUI thread: a large
    entry's one line of TEXT_LIMIT characters took 0.2 s when a search cleared the pane
    (issue 17.3). Every change of mode happens with the view empty."""
    from auditviewer.ui.widgets.json_pane import TEXT_LIMIT

    pane = make(qtbot)
    held: list[int] = []
    change_mode = pane.text.setLineWrapMode

    def spy(mode: Any) -> None:
        held.append(pane.text.document().characterCount() - 1)  # Qt counts a final separator
        change_mode(mode)

    pane.text.setLineWrapMode = spy  # type: ignore[method-assign]
    large = {**ENTRY, "metadata": {f"k{index}": "v" * 20 for index in range(2 * TEXT_LIMIT // 20)}}
    pane.set_entry(large)  # shown cut, unwrapped
    assert not pane.show_all_button.isHidden()
    assert pane.text.document().characterCount() > TEXT_LIMIT // 2
    pane.clear()  # what a search's new view does to the selection
    pane.set_entry(large)
    pane.set_entry(ENTRY)  # small: formatted, wrapped
    pane.set_entry(large)
    pane.show_all_text()
    assert len(held) >= 4
    assert held == [0] * len(held), held
    assert pane.text.toPlainText() == pretty_json(large)
