"""Before/after view: pairs found, change split, delegate paints; qtmodeltester."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.widgets.diff_view import (
    SPLIT_ROLE,
    ChangesModel,
    DiffView,
    find_changes,
    split_change,
)

ENTRY = {
    "metadata": {
        "config": {"session.token_expiry_sec": {"after": 3600, "before": 7200}},
        "image": {"after": "reg/nakama:3.26.0", "before": "reg/nakama:3.20.0"},
        "same": {"before": "a", "after": "a"},
        "region": "eu-west",
    }
}


def test_find_changes() -> None:
    changes = find_changes(ENTRY["metadata"])
    assert [c.path for c in changes] == [
        '$.metadata.config["session.token_expiry_sec"]',
        "$.metadata.image",
        "$.metadata.same",
    ]
    assert [c.changed for c in changes] == [True, True, False]


def test_split_change() -> None:
    assert split_change("reg/nakama:3.20.0", "reg/nakama:3.26.0") == (
        ("reg/nakama:3.2", "0", ".0"),
        ("reg/nakama:3.2", "6", ".0"),
    )
    assert split_change("abc", "abc") == (("abc", "", ""), ("abc", "", ""))


def test_model(qtmodeltester: Any) -> None:
    model = ChangesModel()
    model.set_entry(ENTRY)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.index(1, 0).data() == "image"
    assert model.index(1, 1).data() == "reg/nakama:3.20.0"
    assert model.index(1, 2).data(SPLIT_ROLE) == ("reg/nakama:3.2", "6", ".0")
    assert model.index(2, 2).data(SPLIT_ROLE) is None
    model.set_entry({"metadata": {}})
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_view_shows_and_paints(qtbot: Any) -> None:
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(600, 200)
    view.set_entry(ENTRY)
    view.show()
    qtbot.waitExposed(view)
    assert view.has_changes()
    assert view.table.isVisible() and not view.empty.isVisible()
    view.grab()  # runs the delegate's paint
    view.set_entry({"metadata": {"plan": "pro"}})
    assert not view.has_changes() and view.empty.isVisible()
