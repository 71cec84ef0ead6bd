"""The scopes and their tree, Qt-free (``workspace/scopes.py``): built and read without PySide6."""

from __future__ import annotations

import subprocess
import sys

from auditviewer.workspace.scopes import ALL, ResourceCount, Scope, build_tree


def test_tree_groups_title_resources_and_org_records_without_qt() -> None:
    code = (
        "import sys\n"
        "from auditviewer.workspace.scopes import ResourceCount, build_tree\n"
        "rows = [ResourceCount('t1', 'Dragon', 'nakama_deployment', 'd1', 'prod', 7),\n"
        "        ResourceCount(None, None, 'organization', 'o1', 'Acme', 2)]\n"
        "org = build_tree(rows, 'Acme').children[0]\n"
        "print([(c.label, c.count) for c in org.children])\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('Dragon', 7), ('Organization records', 2)]"


def test_resource_node_selects_its_resource_and_unknown_types_get_a_label() -> None:
    rows = [
        ResourceCount("t1", "Dragon", "leaderboard_thing", "x1", None, 3),
        ResourceCount(None, None, None, None, None, 1),
    ]
    org = build_tree(rows).children[0]
    assert org.scope == Scope("all", label="Organization") and org.count == 4
    by_label = {c.label: c for c in org.children}
    group = by_label["Dragon"].children[0]
    assert group.label == "Leaderboard thing" and group.scope is None
    leaf = group.children[0]
    assert leaf.label == "x1"  # no name: the id
    assert leaf.scope is not None and leaf.scope.kind == "resource"
    assert (leaf.scope.resource_type, leaf.scope.resource_id) == ("leaderboard_thing", "x1")
    assert "Other" not in by_label  # the row naming nothing is counted by the organization
    assert ALL.is_all and not leaf.scope.is_all


def test_rows_naming_nothing_count_towards_the_organization() -> None:
    """Issue 13.6: a plain export's entries name no resource; the tree still counts them."""
    root = build_tree([ResourceCount(None, None, None, None, None, 200)], "Organization")
    org = root.children[0]
    assert org.count == 200 and org.children == []
    mixed = build_tree([
        ResourceCount(None, None, None, None, None, 5),
        ResourceCount(None, None, "user", "usr_1", "hana", 2),
    ]).children[0]
    assert mixed.count == 7 and [c.label for c in mixed.children] == ["Users"]
