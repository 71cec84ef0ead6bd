"""JsonTreeModel: structure, paths, visible text; qtmodeltester."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.models.json_model import (
    JSON_PATH_ROLE,
    JSON_VALUE_ROLE,
    JsonTreeModel,
    child_path,
)

ENTRY = {
    "seq": 7,
    "actor": {"email": "a@b.example", "type": "user"},
    "metadata": {"image": {"before": "x:1", "after": "x:2"}, "list": [1, {"k": None}],
                 "odd key": "\u202eevil"},
}


def test_model_tester(qtmodeltester: Any) -> None:
    model = JsonTreeModel()
    model.set_value(ENTRY)
    qtmodeltester.check(model)
    model.set_value([1, 2, [3]])
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)


def test_paths_values_and_visible_text() -> None:
    model = JsonTreeModel()
    model.set_value(ENTRY)
    assert model.rowCount() == 3
    meta = model.index(2, 0)
    assert meta.data() == "metadata"
    assert meta.siblingAtColumn(1).data() == "{3}"
    image = model.index(0, 0, meta)
    assert image.data(JSON_PATH_ROLE) == "$.metadata.image"
    assert image.data(JSON_VALUE_ROLE) == '{"before":"x:1","after":"x:2"}'
    odd = model.index(2, 1, meta)
    assert odd.data() == "⟨U+202E⟩evil"
    assert odd.data(JSON_PATH_ROLE) == '$.metadata["odd key"]'
    lst = model.index(1, 0, meta)
    assert model.index(1, 0, lst).data(JSON_PATH_ROLE) == "$.metadata.list[1]"
    assert model.index(0, 0, lst).data() == "[0]"


def test_child_path() -> None:
    assert child_path("$", "a") == "$.a"
    assert child_path("$", 3) == "$[3]"
    assert child_path("$", 'x"y') == '$["x\\"y"]'


def test_tooltip_is_escaped() -> None:
    model = JsonTreeModel()
    model.set_value({"v": "<img src=x>"})
    tip = model.index(0, 1).data(3)
    assert "<img" not in tip and "&lt;img src=x&gt;" in tip
