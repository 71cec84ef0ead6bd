"""A collapsible tree of one JSON value (an entry), as a Qt item model.

Keys and values are shown as plain, visible text (see :mod:`auditviewer.core.text`);
``JSON_PATH_ROLE`` gives each node's JSONPath (``$.metadata.image.before``)
and ``JSON_VALUE_ROLE`` its value as compact JSON text, for copying.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from auditviewer.core.text import cell_text, plain_tooltip

COLUMN_KEY = 0
COLUMN_VALUE = 1
COLUMN_COUNT = 2
HEADERS = ("Key", "Value")

JSON_PATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
JSON_VALUE_ROLE = int(Qt.ItemDataRole.UserRole) + 2

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_NODES = 50_000  # a pathological entry is cut, never allowed to hang the pane

Index = QModelIndex | QPersistentModelIndex


class JsonNode:
    __slots__ = ("children", "key", "parent", "path", "row", "value")

    def __init__(
        self, key: str | int | None, value: Any, parent: JsonNode | None, row: int, path: str
    ) -> None:
        self.key = key
        self.value = value
        self.parent = parent
        self.row = row
        self.path = path
        self.children: list[JsonNode] = []


def child_path(parent: str, key: str | int) -> str:
    """JSONPath of ``key`` under ``parent``: ``$.a``, ``$.a[0]``, ``$["a b"]``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


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


class JsonTreeModel(QAbstractItemModel):
    """Read-only tree of a JSON value; replace it with :meth:`set_value`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = JsonNode(None, None, None, 0, "$")
        self._previous = self._root
        self._count = 0

    # -- content ---------------------------------------------------------
    def set_value(self, value: Any) -> None:
        self.beginResetModel()
        self._previous = self._root  # indexes held across a reset stay readable
        self._count = 0
        self._root = JsonNode(None, value, None, 0, "$")
        self._build(self._root)
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._previous = self._root
        self._root = JsonNode(None, None, None, 0, "$")
        self.endResetModel()

    def _build(self, node: JsonNode) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            value = current.value
            items: list[tuple[str | int, Any]]
            if isinstance(value, dict):
                items = [(str(k), v) for k, v in value.items()]
            elif isinstance(value, list):
                items = list(enumerate(value))
            else:
                continue
            for row, (key, sub) in enumerate(items):
                if self._count >= MAX_NODES:
                    break
                self._count += 1
                child = JsonNode(key, sub, current, row, child_path(current.path, key))
                current.children.append(child)
                stack.append(child)

    def node(self, index: Index) -> JsonNode:
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, JsonNode)
            return node
        return self._root

    # -- QAbstractItemModel ----------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self.node(parent)
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return COLUMN_COUNT

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
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
