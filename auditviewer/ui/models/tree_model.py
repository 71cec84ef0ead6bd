"""One base for the viewer's read-only trees (the JSON tree, the scope tree).

A tree of Python nodes, each knowing its ``parent`` and its ``row`` under it; an
index points at its node (``internalPointer``) without owning it. The base holds
what every such tree repeated: the node of an index, the parent of an index, the
header, the flags, and the root swapped in by a reset. Swapping keeps the previous
root alive one generation, so an index held across a reset (a view's, a persistent
one) reads stale data instead of freed memory.

A subclass names its node class (``node_type``) and its ``headers``, and says what
the children of a node are (:meth:`children_of`) and which node sits at a row
(:meth:`child_at`, for trees that show a row of their own beyond the children, as
the JSON tree's "… N more").
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Protocol, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class TreeNode(Protocol):
    parent: Any
    row: int


N = TypeVar("N", bound=TreeNode)

FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class TreeModel(QAbstractItemModel, Generic[N]):
    """Read-only tree over nodes of ``node_type``; replace the tree with :meth:`set_root`."""

    node_type: ClassVar[type]
    headers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, root: N, parent: Any = None) -> None:
        super().__init__(parent)
        self._root: N = root
        self._previous: N = root

    # -- the tree --------------------------------------------------------
    def set_root(self, root: N) -> None:
        """A new tree (a reset); the previous root is kept one generation."""
        self.beginResetModel()
        self._previous = self._root
        self._root = root
        self.endResetModel()

    def node(self, index: Index) -> N:
        if index.isValid():
            n = index.internalPointer()
            assert isinstance(n, self.node_type)
            return n  # type: ignore[return-value]
        return self._root

    def children_of(self, node: N) -> list[N]:
        raise NotImplementedError

    def child_at(self, node: N, row: int) -> N:
        return self.children_of(node)[row]

    # -- QAbstractItemModel ----------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self.child_at(self.node(parent), row))

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        up = self.node(index).parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self.headers)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return FLAGS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None
