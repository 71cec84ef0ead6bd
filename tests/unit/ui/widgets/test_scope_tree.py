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
