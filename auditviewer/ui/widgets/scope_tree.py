"""Per-resource logs: the sidebar tree Organization ▸ Titles ▸ deployments,
builders, Satori deployments (and users, billing), each with its entry count.
Selecting a node scopes the log to it.

The highlighted node always follows the scope in force (``scope()``): a tree rebuilt
with new counts selects that scope's node again, or nothing when the scope has no
node in it; ``clear()`` (another workspace, the same one reloaded after trusting a
key) forgets the scope along with the tree, so no node stays highlighted from
before and clicking it scopes again.

The Qt model and view only: what a node selects (``Scope``), the store's rows
(``ResourceCount``) and the tree built from them (``build_tree``) are Qt-free, in
:mod:`auditviewer.workspace.scopes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from auditviewer.core.display import cell_text, plain_tooltip
from auditviewer.ui.models.tree_model import TreeModel
from auditviewer.workspace.scopes import ALL, ResourceCount, Scope, ScopeNode, build_tree

Index = QModelIndex | QPersistentModelIndex


class ScopeTreeModel(TreeModel[ScopeNode]):
    node_type = ScopeNode
    headers = ("Scope", "Entries")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(ScopeNode("", 0, None), parent)

    def set_rows(self, rows: Iterable[ResourceCount], org_name: str = "Organization") -> None:
        self.set_root(build_tree(rows, org_name))

    def children_of(self, node: ScopeNode) -> list[ScopeNode]:
        return node.children

    def find(self, scope: Scope) -> QModelIndex:
        """The index of the node selecting ``scope`` (or invalid)."""
        stack = [(self._root, QModelIndex())]
        while stack:
            node, idx = stack.pop()
            for i, child in enumerate(node.children):
                cidx = self.index(i, 0, idx)
                if child.scope == scope or (
                    child.scope is not None and scope.kind == child.scope.kind == "resource"
                    and child.scope.resource_type == scope.resource_type
                    and child.scope.resource_id == scope.resource_id
                ) or (
                    child.scope is not None and scope.kind == child.scope.kind == "title"
                    and child.scope.title_id == scope.title_id
                ):
                    return cidx
                stack.append((child, cidx))
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        n = self.node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(n.label, 80) if index.column() == 0 else f"{n.count:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and n.scope is None:
            f = QFont()
            f.setItalic(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            if n.scope is None:
                return "A group: select one of its resources"
            # The whole name: the view elides it in the middle where the pane is narrow.
            return plain_tooltip(f"{n.label}\n{n.count:,} entries")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{cell_text(n.label, 80)}, {n.count} entries"
        return None


class ScopeDelegate(QStyledItemDelegate):
    """Resources elided in the middle (the view's mode), every other node at its end."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.column() == 0:
            node = index.internalPointer()
            is_resource = (
                isinstance(node, ScopeNode) and node.scope is not None
                and node.scope.kind == "resource"
            )
            if not is_resource:
                option.textElideMode = Qt.TextElideMode.ElideRight


class ScopeTree(QTreeView):
    """Emits ``scopeSelected(Scope)`` when a node that selects something is chosen."""

    scopeSelected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scopeTree")
        self.scope_model = ScopeTreeModel(self)
        self.setModel(self.scope_model)
        self.setUniformRowHeights(True)
        # "dragon-prod-1" and "dragon-prod-2" differ at their end: a resource's name
        # keeps both ends; titles and groups ("Satori deployments") read from the left.
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegate(ScopeDelegate(self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Scope: organization, titles and resources")
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(64)  # counts fit without measuring every row
        self.selectionModel().currentChanged.connect(self._current_changed)
        self._scope: Scope = ALL

    def set_rows(self, rows: Iterable[ResourceCount], org_name: str = "Organization") -> None:
        self.blockSignals(True)
        self.scope_model.set_rows(rows, org_name)
        self.blockSignals(False)
        org = self.scope_model.index(0, 0)
        if org.isValid():
            self.expand(org)
            for i in range(self.scope_model.rowCount(org)):
                child = self.scope_model.index(i, 0, org)
                if self.scope_model.node(child).scope is not None:
                    self.expand(child)  # titles open, groups closed
        self.select_scope(self._scope, emit=False)

    def clear(self) -> None:
        """No tree and no scope: the workspace is closed (a new one shows everything)."""
        self.scope_model.set_root(ScopeNode("", 0, None))
        self._scope = ALL
        self._unselect()

    def scope(self) -> Scope:
        return self._scope

    def select_scope(self, scope: Scope, *, emit: bool = True) -> None:
        idx = self.scope_model.index(0, 0) if scope.is_all else self.scope_model.find(scope)
        self._scope = scope
        if not idx.isValid():
            self._unselect()  # never leave another node highlighted
            return
        self.blockSignals(not emit)
        try:
            self.setCurrentIndex(idx)
            self.scrollTo(idx)
        finally:
            self.blockSignals(False)

    def _unselect(self) -> None:
        model = self.selectionModel()
        model.blockSignals(True)
        try:
            model.clear()
        finally:
            model.blockSignals(False)
        self.viewport().update()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        node = self.scope_model.node(current)
        if node.scope is None:
            return
        if node.scope != self._scope:
            self._scope = node.scope
            self.scopeSelected.emit(node.scope)

    def breadcrumb(self) -> str:
        idx = self.currentIndex()
        if not idx.isValid():
            return self._scope.label
        return " ▸ ".join(self.scope_model.node(idx).path)
