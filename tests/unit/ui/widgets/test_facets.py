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


LONG = [("Nakama Deployment Configuration", 1234), ("Satori Deployment", 45678), ("Billing", 3)]


def test_counts_stay_in_view_without_a_horizontal_scrollbar(qtbot: Any) -> None:
    """Defect 13.12: long category names are elided, their counts stay visible."""
    facet = FacetList("Category")
    qtbot.addWidget(facet)
    facet.model.set_counts(LONG)
    facet.resize(150, 200)
    facet.show()
    qtbot.waitExposed(facet)
    view = facet.view
    assert not view.horizontalScrollBar().isVisible()
    for row in range(facet.model.rowCount()):
        rect = view.visualRect(facet.model.index(row))
        assert rect.right() <= view.viewport().width()
    facet.resize(320, 200)  # wider, then narrower again: still fits
    facet.resize(140, 200)
    qtbot.wait(10)
    assert view.horizontalScrollBar().maximum() == 0
    assert view.visualRect(facet.model.index(0)).right() <= view.viewport().width()
    tip = facet.model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Billing" in tip and "3 entries" in tip


def test_clear_follows_quiet_changes(qtbot: Any) -> None:
    """Defect 13.12: Clear is disabled with nothing ticked, even when cleared quietly."""
    facet = FacetList("Action")
    qtbot.addWidget(facet)
    facet.model.set_counts([("Update", 5), ("Create", 3)])
    facet.model.set_checked({"Update"}, notify=False)  # restored, as the window does
    assert facet.clear_button.isEnabled()
    facet.model.set_checked((), notify=False)  # the window's Clear all
    assert not facet.clear_button.isEnabled()
    facet.model.setData(facet.model.index(0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert facet.clear_button.isEnabled()


def test_check_boxes_visible_in_a_dark_palette(qtbot: Any) -> None:
    """Defect 13.12: an unticked box stands out from a dark list."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QStyle, QStyleFactory, QStyleOptionViewItem

    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#2b2b2b"),
                         (QPalette.ColorRole.Base, "#1f1f1f"),
                         (QPalette.ColorRole.Text, "#e6e6e6"),
                         (QPalette.ColorRole.WindowText, "#e6e6e6")):
        dark.setColor(role, QColor(colour))
    facet = FacetList("Category")
    qtbot.addWidget(facet)
    style = QStyleFactory.create("Fusion")
    for w in (facet, facet.view, facet.view.viewport()):
        w.setStyle(style)
    facet.setPalette(dark)
    facet.model.set_counts([("Nakama Deployment", 10), ("Satori Deployment", 4)])
    facet.resize(220, 120)
    facet.show()
    qtbot.waitExposed(facet)
    image = facet.view.viewport().grab().toImage()
    index = facet.model.index(0)
    opt = QStyleOptionViewItem()
    facet.view.itemDelegate().initStyleOption(opt, index)
    opt.rect = facet.view.visualRect(index)
    opt.widget = facet.view
    box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, facet.view)
    base = QColor("#1f1f1f").lightness()
    y = box.center().y()
    edge = max(abs(image.pixelColor(x, y).lightness() - base)
               for x in range(box.left(), box.left() + 4))
    assert edge >= 60, edge
