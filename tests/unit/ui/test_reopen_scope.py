"""Reopening (another bundle, or the same after trusting a key) leaves no scope node
highlighted from before: the tree follows the new workspace's scope (issue 13.3)."""

from __future__ import annotations

from typing import Any

from auditviewer.workspace.scopes import Scope
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake

STAGING = Scope("resource", resource_type="nakama_deployment", resource_id="dep_0010",
                label="Deployment dragon-staging-10")


def test_reopening_clears_the_scope_selection(qtbot: Any) -> None:
    w = shown_window(qtbot, fake_loader)
    open_fake(qtbot, w)
    w.scope_tree.setCurrentIndex(w.scope_tree.scope_model.find(STAGING))
    qtbot.waitUntil(lambda: w.model.rowCount() < 3000 and w.is_idle())
    open_fake(qtbot, w)  # the same paths again, as trusting a key does
    qtbot.waitUntil(lambda: w.model.rowCount() == 3000 and w.is_idle())
    tree = w.scope_tree
    assert tree.scope().is_all
    assert tree.currentIndex() == tree.scope_model.index(0, 0)
    # Clicking the node highlighted before the reload scopes to it again.
    tree.setCurrentIndex(tree.scope_model.find(STAGING))
    qtbot.waitUntil(lambda: w.model.rowCount() < 3000 and w.is_idle())
    assert w.breadcrumb.text().endswith("▸ dragon-staging-10")
