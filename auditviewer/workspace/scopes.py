"""The scopes of the per-resource logs, and their tree: Qt-free.

A :class:`Scope` is what one node of the viewer's sidebar selects (everything, one
title, one resource); :class:`ResourceCount` is one row of the store's scope counts;
:func:`build_tree` arranges those rows as Organization ▸ Titles ▸ groups (deployments,
builders, Satori deployments, users, billing) ▸ resources, counts summed upwards;
a row naming neither a title nor a resource (every entry of a plain export) counts
towards the organization only.
The session (:mod:`.session`) filters by a ``Scope`` and answers ``ResourceCount``
rows; the Qt model and view over the tree stay in ``ui/widgets/scope_tree.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

#: resource type → (group label, order) under a title or the organization.
GROUPS = {
    "nakama_deployment": ("Deployments", 0),
    "nakama_builder": ("Builders", 1),
    "satori_deployment": ("Satori deployments", 2),
    "user": ("Users", 3),
    "billing": ("Billing", 4),
    "title": ("Title records", 5),
    "organization": ("Organization records", 6),
}
NO_TITLE = "No title"


@dataclass(frozen=True, slots=True)
class Scope:
    """What a node selects: everything, one title, or one resource (``type`` + ``id``)."""

    kind: str  # "all" | "title" | "resource" | "type"
    title_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    label: str = "Organization"

    @property
    def is_all(self) -> bool:
        return self.kind == "all"


ALL = Scope("all")


@dataclass(slots=True)
class ScopeNode:
    label: str
    count: int
    scope: Scope | None  # None: a grouping node only
    children: list[ScopeNode] = field(default_factory=list)
    parent: ScopeNode | None = None
    row: int = 0
    path: tuple[str, ...] = ()  # labels from the root, for the breadcrumb


@dataclass(frozen=True, slots=True)
class ResourceCount:
    """One row of the store's scope counts."""

    title_id: str | None
    title_name: str | None
    resource_type: str | None
    resource_id: str | None
    resource_name: str | None
    count: int


def build_tree(rows: Iterable[ResourceCount], org_name: str = "Organization") -> ScopeNode:
    """Organization ▸ titles ▸ groups ▸ resources (counts summed upwards)."""
    root = ScopeNode("", 0, None)
    org = ScopeNode(org_name or "Organization", 0, Scope("all", label=org_name or "Organization"))
    titles: dict[str | None, ScopeNode] = {}
    groups: dict[tuple[str | None, str], ScopeNode] = {}
    title_names: dict[str | None, str] = {}
    data = list(rows)
    for r in data:
        if r.title_id is not None and r.title_name:
            title_names[r.title_id] = r.title_name
    for r in data:
        org.count += r.count
        if r.title_id is None and r.resource_type is None and r.resource_id is None:
            continue  # naming nothing: counted by the organization, no node of its own
        rtype = r.resource_type or "other"
        if rtype in ("title", "organization") and r.title_id is None:
            title_key: str | None = None
        else:
            title_key = r.title_id
        # Users and billing belong to the organization, not to a title.
        if rtype in ("user", "billing", "organization"):
            title_key = None
        if title_key is None:
            parent = org
        else:
            found = titles.get(title_key)
            if found is None:
                name = title_names.get(title_key) or title_key
                found = ScopeNode(
                    name, 0, Scope("title", title_id=title_key, label=f"Title {name}")
                )
                titles[title_key] = found
            parent = found
            parent.count += r.count
        gkey = (title_key, rtype)
        group = groups.get(gkey)
        if group is None:
            glabel = GROUPS.get(rtype, (rtype.replace("_", " ").capitalize(), 9))[0]
            group = ScopeNode(glabel, 0, None)
            groups[gkey] = group
            parent.children.append(group)
        group.count += r.count
        name = r.resource_name or r.resource_id or "(unnamed)"
        if r.resource_id is None and r.resource_type is None:
            group.children.append(ScopeNode(name, r.count, None))
        else:
            group.children.append(
                ScopeNode(
                    name,
                    r.count,
                    Scope(
                        "resource",
                        title_id=None,
                        resource_type=r.resource_type,
                        resource_id=r.resource_id,
                        label=f"{GROUPS.get(rtype, (rtype, 0))[0].rstrip('s')} {name}",
                    ),
                )
            )
    for title in sorted(titles.values(), key=lambda n: n.label.casefold()):
        org.children.append(title)

    def order(node: ScopeNode) -> None:
        def key(n: ScopeNode) -> tuple[int, int, str]:
            if n.scope is not None and n.scope.kind == "title":
                return (1, 0, n.label.casefold())
            if n.scope is None and n.children:
                rtype = next((t for t, (lab, _) in GROUPS.items() if lab == n.label), "")
                return (0 if rtype not in ("user", "billing", "organization") else 2,
                        GROUPS.get(rtype, ("", 9))[1], n.label)
            return (0, 0, n.label.casefold())

        node.children.sort(key=key)
        for i, child in enumerate(node.children):
            child.parent = node
            child.row = i
            child.path = (*node.path, child.label) if node.label else (child.label,)
            order(child)

    root.children = [org]
    order(root)
    return root
