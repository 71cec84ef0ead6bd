"""Scope tree: organization ▸ titles ▸ groups ▸ resources with counts; qtmodeltester."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.widgets.scope_tree import ScopeTree
from auditviewer.workspace.scopes import ALL, ResourceCount, Scope, build_tree

ROWS = [
    ResourceCount("ttl_1", "Dragon Tactics", "nakama_deployment", "dep_1", "dragon-prod", 10),
    ResourceCount("ttl_1", "Dragon Tactics", "nakama_deployment", "dep_2", "dragon-staging", 5),
    ResourceCount("ttl_1", "Dragon Tactics", "nakama_builder", "bld_1", "builder-1", 3),
    ResourceCount("ttl_2", "Kart Legends", "satori_deployment", "sat_1", "kart-satori", 2),
    ResourceCount(None, None, "user", "usr_1", "hana@acme.example", 4),
    ResourceCount(None, None, "billing", "bill_1", "Acme billing", 1),
]


def test_build_tree_counts() -> None:
    root = build_tree(ROWS, "Acme Games")
    org = root.children[0]
    assert org.label == "Acme Games" and org.count == 25
    labels = [c.label for c in org.children]
    assert labels == ["Dragon Tactics", "Kart Legends", "Users", "Billing"]
    dragon = org.children[0]
    assert dragon.count == 18
    assert [g.label for g in dragon.children] == ["Deployments", "Builders"]
    deployments = dragon.children[0]
    assert deployments.count == 15
    assert deployments.children[0].path == ("Acme Games", "Dragon Tactics", "Deployments",
                                            "dragon-prod")


def test_model_and_selection(qtbot: Any, qtmodeltester: Any) -> None:
    tree = ScopeTree()
    qtbot.addWidget(tree)
    tree.set_rows(ROWS, "Acme Games")
    qtmodeltester.check(tree.scope_model)
    target = Scope("resource", resource_type="nakama_deployment", resource_id="dep_2")
    idx = tree.scope_model.find(target)
    assert idx.isValid() and idx.data() == "dragon-staging"
    assert idx.siblingAtColumn(1).data() == "5"
    with qtbot.waitSignal(tree.scopeSelected) as sig:
        tree.setCurrentIndex(idx)
    assert sig.args[0].resource_id == "dep_2"
    assert tree.breadcrumb() == "Acme Games ▸ Dragon Tactics ▸ Deployments ▸ dragon-staging"
    with qtbot.waitSignal(tree.scopeSelected) as sig:
        tree.select_scope(ALL)
    assert sig.args[0].is_all
    # A new tree (counts under a new filter) keeps the scope selected.
    tree.select_scope(target, emit=False)
    tree.set_rows(ROWS[:2], "Acme Games")
    qtmodeltester.check(tree.scope_model)
    assert tree.currentIndex().data() == "dragon-staging"


STAGING = Scope("resource", resource_type="nakama_deployment", resource_id="dep_2",
                label="Deployment dragon-staging")


def test_cleared_tree_keeps_no_stale_selection(qtbot: Any) -> None:
    """Defect 13.3: another workspace (or the same reloaded) highlights no old node."""
    tree = ScopeTree()
    qtbot.addWidget(tree)
    tree.set_rows(ROWS, "Acme Games")
    tree.setCurrentIndex(tree.scope_model.find(STAGING))
    assert tree.scope().resource_id == "dep_2"
    tree.clear()  # the window closed the workspace
    assert tree.scope().is_all
    tree.set_rows(ROWS, "Acme Games")  # the next workspace's counts
    assert tree.currentIndex() == tree.scope_model.index(0, 0)
    assert tree.selectionModel().selectedRows() == [tree.scope_model.index(0, 0)]
    # Clicking the node that was highlighted before scopes to it again.
    with qtbot.waitSignal(tree.scopeSelected) as sig:
        tree.setCurrentIndex(tree.scope_model.find(STAGING))
    assert sig.args[0].resource_id == "dep_2"


def test_selection_clears_when_the_scope_has_no_node(qtbot: Any) -> None:
    tree = ScopeTree()
    qtbot.addWidget(tree)
    tree.set_rows(ROWS, "Acme Games")
    prod = Scope("resource", resource_type="nakama_deployment", resource_id="dep_1")
    tree.setCurrentIndex(tree.scope_model.find(prod))
    tree.select_scope(STAGING, emit=False)
    tree.set_rows([r for r in ROWS if r.resource_id != "dep_2"], "Acme Games")
    assert tree.scope() == STAGING  # still the filter in force
    assert not tree.currentIndex().isValid()
    assert tree.selectionModel().selectedRows() == []
    assert tree.breadcrumb() == STAGING.label


def test_names_elided_in_the_middle_with_tooltips(qtbot: Any) -> None:
    """Defect 13.12: deployments sharing a prefix stay told apart in a narrow pane."""
    from PySide6.QtCore import Qt

    tree = ScopeTree()
    qtbot.addWidget(tree)
    rows = [ResourceCount("ttl_1", "Dragon Tactics", "nakama_deployment", f"dep_{i}",
                          f"dragon-production-eu-west-{i}", 10 + i) for i in (1, 2)]
    tree.set_rows(rows, "Acme Games")
    assert tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    fm = tree.fontMetrics()
    shown = [fm.elidedText(r.resource_name or "", tree.textElideMode(), 90) for r in rows]
    assert shown[0] != shown[1]  # the end that differs stays visible
    idx = tree.scope_model.find(Scope("resource", resource_type="nakama_deployment",
                                      resource_id="dep_2"))
    tip = idx.data(Qt.ItemDataRole.ToolTipRole)
    assert "dragon-production-eu-west-2" in tip and "12 entries" in tip
    # Titles and groups keep their beginning ("Satori deployments", not "Satori…yments").
    from PySide6.QtWidgets import QStyleOptionViewItem

    delegate = tree.itemDelegate()
    modes = {}
    for index in (idx, idx.parent(), idx.parent().parent()):
        opt = QStyleOptionViewItem()
        opt.textElideMode = tree.textElideMode()
        delegate.initStyleOption(opt, index)
        modes[index.data()] = opt.textElideMode
    assert modes == {"dragon-production-eu-west-2": Qt.TextElideMode.ElideMiddle,
                     "Deployments": Qt.TextElideMode.ElideRight,
                     "Dragon Tactics": Qt.TextElideMode.ElideRight}
