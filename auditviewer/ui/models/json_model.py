"""A collapsible tree of one JSON value (an entry), as a Qt item model.

Keys and values are shown as plain, visible text (see :mod:`auditviewer.core.display`);
``JSON_PATH_ROLE`` gives each node's JSONPath (``$.metadata.image.before``)
and ``JSON_VALUE_ROLE`` its value as compact JSON text, for copying.

Nodes are made lazily, a page of ``CHILD_PAGE`` children at a time, when a
view first asks for a parent's rows: selecting an entry with a million keys
costs one page, not a million nodes on the GUI thread. Nothing is cut
silently: a parent with more children than are made shows a last row
"… N more (not shown)" (``MORE_ROLE`` is true on it); :meth:`fetch_more` on that
row makes the next page (the pane does it on a double-click), and the JSON
tab shows the whole entry.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from auditviewer.core.display import cell_text, json_text, plain_tooltip
from auditviewer.ui.models.tree_model import TreeModel

COLUMN_KEY = 0
COLUMN_VALUE = 1
COLUMN_COUNT = 2
HEADERS = ("Key", "Value")

JSON_PATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
JSON_VALUE_ROLE = int(Qt.ItemDataRole.UserRole) + 2
MORE_ROLE = int(Qt.ItemDataRole.UserRole) + 3

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHILD_PAGE = 500  # children made at a time (a page); the rest on request

Index = QModelIndex | QPersistentModelIndex


class JsonNode:
    __slots__ = ("children", "key", "more", "parent", "path", "row", "value")

    def __init__(
        self, key: str | int | None, value: Any, parent: JsonNode | None, row: int, path: str
    ) -> None:
        self.key = key
        self.value = value
        self.parent = parent
        self.row = row
        self.path = path
        #: None until a view asks (made a page at a time).
        self.children: list[JsonNode] | None = None
        #: The "… N more" row under this node, once made.
        self.more: JsonNode | None = None

    def size(self) -> int:
        """How many children the value has (made or not)."""
        value = self.value
        return len(value) if isinstance(value, (dict, list)) else 0


def child_path(parent: str, key: str | int) -> str:
    """JSONPath of ``key`` under ``parent``: ``$.a``, ``$.a[0]``, ``$["a b"]``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json_text(key)}]"  # control and invisible characters escaped


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def value_text(value: Any) -> str:
    """How a node's value reads in the Value column (strings unquoted)."""
    if isinstance(value, dict):
        return f"{{{len(value)}}}"
    if isinstance(value, list):
        return f"[{len(value)}]"
    if isinstance(value, str):
        return value
    return compact_json(value)


class JsonTreeModel(TreeModel[JsonNode]):
    """Read-only tree of a JSON value; replace it with :meth:`set_value`."""

    node_type = JsonNode
    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(JsonNode(None, None, None, 0, "$"), parent)

    # -- content ---------------------------------------------------------
    def set_value(self, value: Any) -> None:
        self.set_root(JsonNode(None, value, None, 0, "$"))

    def clear(self) -> None:
        self.set_root(JsonNode(None, None, None, 0, "$"))

    def children_of(self, node: JsonNode) -> list[JsonNode]:
        return self._children(node)

    def child_at(self, node: JsonNode, row: int) -> JsonNode:
        children = self._children(node)
        return children[row] if row < len(children) else self._more_node(node)

    def _children(self, node: JsonNode) -> list[JsonNode]:
        if node.children is None:
            node.children = []
            self._make(node, CHILD_PAGE)
        return node.children

    def _make(self, node: JsonNode, count: int) -> int:
        """Make the next ``count`` children of ``node``; returns how many were made."""
        assert node.children is not None
        value = node.value
        start = len(node.children)
        items: list[tuple[str | int, Any]]
        if isinstance(value, dict):
            items = [(str(k), v) for k, v in islice(value.items(), start, start + count)]
        elif isinstance(value, list):
            items = list(enumerate(value[start : start + count], start))
        else:
            return 0
        for row, (key, sub) in enumerate(items, start):
            node.children.append(JsonNode(key, sub, node, row, child_path(node.path, key)))
        return len(items)

    def hidden_count(self, node: JsonNode) -> int:
        """Children of ``node`` not made (yet)."""
        return node.size() - len(self._children(node))

    def _more_node(self, node: JsonNode) -> JsonNode:
        if node.more is None:
            node.more = JsonNode(None, None, node, 0, node.path)
        node.more.row = len(self._children(node))
        return node.more

    def is_more(self, index: Index) -> bool:
        node = self.node(index)
        return node.parent is not None and node.parent.more is node

    def fetch_more(self, index: Index, count: int = CHILD_PAGE) -> int:
        """On a "… N more" row: make the next ``count`` children of its parent."""
        if not index.isValid() or not self.is_more(index):
            return 0
        node = self.node(index)
        parent = node.parent
        assert parent is not None
        parent_index = self.parent(index)
        first = len(self._children(parent))
        add = min(count, parent.size() - first)
        if add <= 0:
            return 0
        self.beginInsertRows(parent_index, first, first + add - 1)
        self._make(parent, add)
        node.row = len(self._children(parent))
        self.endInsertRows()
        if self.hidden_count(parent) == 0:
            self.beginRemoveRows(parent_index, node.row, node.row)
            parent.more = None
            self.endRemoveRows()
        return add

    # -- QAbstractItemModel ----------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        if parent.isValid() and self.is_more(parent):
            return 0
        shown = len(self._children(node))
        return shown + (1 if shown < node.size() else 0)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        if parent.isValid() and (parent.column() != 0 or self.is_more(parent)):
            return False
        return self.node(parent).size() > 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        if self.is_more(index):
            return self._more_data(node, index.column(), role)
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == COLUMN_KEY:
                return cell_text(node.key if isinstance(node.key, str) else f"[{node.key}]")
            return cell_text(value_text(node.value))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == COLUMN_VALUE:
            if isinstance(node.value, (dict, list)):
                return None
            return plain_tooltip(value_text(node.value))
        if role == JSON_PATH_ROLE:
            return node.path
        if role == JSON_VALUE_ROLE:
            if isinstance(node.value, str):
                return node.value
            return compact_json(node.value)
        return None

    def _more_data(self, node: JsonNode, column: int, role: int) -> Any:
        parent = node.parent
        assert parent is not None
        hidden = self.hidden_count(parent)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COLUMN_KEY:
                return f"… {hidden:,} more (not shown)"
            return f"double-click to show {min(hidden, CHILD_PAGE):,} more; the JSON tab shows all"
        if role == MORE_ROLE:
            return True
        if role == JSON_PATH_ROLE:
            return None
        return None
