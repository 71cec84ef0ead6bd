"""The one tree-model base (``ui/models/tree_model.py``) the JSON and scope trees share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from auditviewer.ui.models.json_model import JsonTreeModel
from auditviewer.ui.models.tree_model import TreeModel
from auditviewer.ui.widgets.scope_tree import ScopeTreeModel


@dataclass(eq=False)
class Node:
    name: str
    parent: Node | None = None
    row: int = 0
    children: list[Node] = field(default_factory=list)


def tree(*names: str) -> Node:
    root = Node("")
    for i, name in enumerate(names):
        child = Node(name, root, i)
        child.children = [Node(f"{name}.{j}", child, j) for j in range(2)]
        root.children.append(child)
    return root


class NamesModel(TreeModel[Node]):
    node_type = Node
    headers = ("Name",)

    def children_of(self, node: Node) -> list[Node]:
        return node.children

    def rowCount(self, parent: Any = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return self.node(index).name
        return None


def test_a_small_tree_on_the_base_is_a_valid_model(qtmodeltester: Any) -> None:
    model = NamesModel(tree("a", "b"))
    qtmodeltester.check(model)
    b1 = model.index(1, 0, model.index(1, 0))
    assert b1.data() == "b.1" and model.parent(b1).data() == "b"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    held = QPersistentModelIndex(b1)
    old_node = model.node(b1)
    model.set_root(tree("c"))
    qtmodeltester.check(model)
    assert not held.isValid()  # the reset invalidated it ...
    assert old_node.name == "b.1"  # ... and the node it pointed at was kept alive
    assert model._previous.children[1].children[1] is old_node


def test_the_json_and_scope_trees_share_it() -> None:
    assert issubclass(JsonTreeModel, TreeModel) and issubclass(ScopeTreeModel, TreeModel)
    assert JsonTreeModel().headerData(1, Qt.Orientation.Horizontal) == "Value"
    assert ScopeTreeModel().headerData(1, Qt.Orientation.Horizontal) == "Entries"
