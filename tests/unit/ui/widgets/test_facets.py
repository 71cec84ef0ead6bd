"""Facet lists: counts, multi-select, one-click clear; qtmodeltester."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.ui.widgets.facets import COUNT_ROLE, FacetList, FacetModel


def test_model(qtmodeltester: Any, qtbot: Any) -> None:
    model = FacetModel()
    model.set_counts([("Update", 5), ("Create", 3)])
    qtmodeltester.check(model)
    assert model.values() == ["Create", "Update"]
    with qtbot.waitSignal(model.selectionChanged) as sig:
        model.setData(model.index(1), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert sig.args == [frozenset({"Update"})]
    # Ticked value stays listed with 0 when the filter leaves none of it.
    model.set_counts([("Create", 2)])
    qtmodeltester.check(model)
    assert model.values() == ["Create", "Update"]
    assert model.index(1).data(COUNT_ROLE) == 0
    model.set_counts([("Create", 1), ("Update", 9)])
    assert model.index(1).data(COUNT_ROLE) == 9
    model.clear_checked()
    assert model.checked() == frozenset()
    model.set_counts([(None, 1)])
    assert model.index(0).data() == "(none)"


def test_widget_clear_is_one_click(qtbot: Any) -> None:
    facet = FacetList("Category")
    qtbot.addWidget(facet)
    facet.model.set_counts([("Nakama Deployment", 10), ("Satori Deployment", 4)])
    facet.show()
    qtbot.waitExposed(facet)
    assert not facet.clear_button.isEnabled()
    facet.model.set_checked({"Satori Deployment"})
    assert facet.clear_button.isEnabled()
    facet.grab()
    with qtbot.waitSignal(facet.model.selectionChanged) as sig:
        facet.clear_button.click()
    assert sig.args == [frozenset()]
