"""Before/after view: pairs found, change split, delegate paints; qtmodeltester."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.widgets.diff_view import (
    SPLIT_ROLE,
    ChangesModel,
    DiffView,
    find_changes,
    fit_change,
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


IMAGE = ("registry.heroiclabs.com/nakama:3.24.2", "registry.heroiclabs.com/nakama:3.25.0")


def test_narrow_cell_keeps_the_change() -> None:
    """Defect 13.4: the differing part shows at any width (the common prefix elided)."""
    from PySide6.QtGui import QFont, QFontMetrics

    fm = QFontMetrics(QFont())
    before, after = split_change(*IMAGE)
    assert fit_change(after, fm, 10_000) == after  # what fits is unchanged
    whole = "".join(after)
    for width in (fm.horizontalAdvance(whole) - 1, fm.horizontalAdvance("…co/nakama:3.25.0"), 90):
        for parts in (before, after):
            prefix, middle, suffix = fit_change(parts, fm, width)
            assert middle == parts[1]  # the change, whole
            assert prefix.startswith("…") and parts[0].endswith(prefix[1:])
            assert fm.horizontalAdvance(prefix + middle + suffix) <= width
    assert "".join(fit_change(after, fm, fm.horizontalAdvance("…co/nakama:3.25.0"))).endswith(
        "3.25.0")
    # Narrower than the change itself: the change, elided, still comes first.
    prefix, middle, suffix = fit_change(("x" * 30, "y" * 40, "z"), fm, 60)
    assert prefix == "…" and middle.startswith("y") and suffix == ""
    assert fm.horizontalAdvance(prefix + middle) <= 60


def test_suffix_shares_the_room() -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    fm = QFontMetrics(QFont())
    parts = ("p" * 40, "CHANGED", "s" * 40)
    width = fm.horizontalAdvance("CHANGED") + 120
    prefix, middle, suffix = fit_change(parts, fm, width)
    assert middle == "CHANGED" and prefix.startswith("…") and suffix.endswith("…")
    assert fm.horizontalAdvance(prefix + middle + suffix) <= width
