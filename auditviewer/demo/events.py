"""The sample's event makers: for each kind of event, the metadata it carries.

Each maker is named for the event it makes (``_deployment_image_change``,
``_member_invitation`` …) and takes the random source, the resource and the
world. :data:`TEMPLATES` pairs each with its category and action, its relative
frequency and the pools of :class:`~auditviewer.demo.world.World` its resource and
actor come from; :data:`COVERAGE` names the rare events placed in every export so
that each category and action occurs; :func:`template_table` turns the weights
into one lookup per entry.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditviewer.demo.world import REGIONS, Resource, World, random_hex

_NAKAMA_VERSIONS = ("3.20.1", "3.21.0", "3.21.1", "3.22.0", "3.23.0", "3.24.2", "3.25.0")
_TIERS = ("nano", "small", "medium", "large", "xlarge")
_SATORI_PLANS = ("Starter", "Growth", "Scale")
_BILLING_PLANS = ("Starter", "Growth", "Scale", "Enterprise")
_ROLES = ("viewer", "developer", "admin")
_CONFIG_CHANGES: tuple[tuple[str, Any, Any], ...] = (
    ("session.token_expiry_sec", 7200, 3600),
    ("session.refresh_token_expiry_sec", 86400, 604800),
    ("logger.level", "INFO", "DEBUG"),
    ("logger.level", "DEBUG", "WARN"),
    ("socket.max_message_size_bytes", 4096, 8192),
    ("socket.ping_period_ms", 15000, 10000),
    ("match.max_empty_sec", 0, 300),
    ("runtime.js_entrypoint", "build/index.js", "dist/main.js"),
    ("runtime.env.FEATURE_CLANS", "false", "true"),
    ("leaderboard.callback_queue_size", 65536, 131072),
    ("console.max_message_size_bytes", 4194304, 8388608),
    ("tracker.event_queue_size", 1024, 4096),
)
_REBOOT_REASONS = (
    "manual restart",
    "apply configuration",
    "scheduled maintenance window",
    "node out of memory",
    "health check failed",
)
_SATORI_FLAGS = ("double_xp_weekend", "new_store_layout", "halloween_event", "starter_pack_v2")


# Event templates: a plausible category/action pair, the pools it picks its
# resource and actor from, and how its metadata looks.

EventMaker = Callable[[random.Random, Resource, World], dict[str, Any]]


def _image(version: str) -> str:
    return f"registry.heroiclabs.com/acme/nakama:{version}"


def _step(rng: random.Random, seq: tuple[Any, ...]) -> tuple[Any, Any]:
    i = rng.randrange(len(seq) - 1)
    return seq[i], seq[i + 1]


def _other_title(rng: random.Random, res: Resource, world: World) -> dict[str, str]:
    others = [t.title for t in world.resources["title"] if t.title != res.title]
    title = rng.choice(others)
    assert title is not None
    return title


def _commit(rng: random.Random) -> str:
    return random_hex(rng, 40)


def _month(world: World, rng: random.Random) -> tuple[str, str]:
    """A whole month in the three before the export: (first day, last day)."""
    back = rng.randrange(1, 4)
    year, month = world.exported_at.year, world.exported_at.month - back
    while month < 1:
        year, month = year - 1, month + 12
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def _deployment_image_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    if rng.random() < 0.5:
        before, after = _step(rng, _NAKAMA_VERSIONS)
        images = {"before": _image(before), "after": _image(after)}
    else:
        # A custom server image from the title's builder, tagged by build.
        repo = f"registry.heroiclabs.com/acme/{res.info['slug']}-server"
        month = rng.randrange(8, 12)
        b, a = sorted(rng.sample(range(1, 60), 2))
        images = {
            "before": f"{repo}:2026.{month}.{b}-{random_hex(rng, 7)}",
            "after": f"{repo}:2026.{month}.{a}-{random_hex(rng, 7)}",
        }
    return {"image": images, "strategy": rng.choice(("rolling", "rolling", "recreate"))}


def _deployment_config_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    changes = rng.sample(_CONFIG_CHANGES, rng.choice((1, 1, 1, 2)))
    config: dict[str, Any] = {}
    for key, before, after in changes:
        config[key] = (
            {"before": before, "after": after}
            if rng.random() < 0.7
            else {
                "before": after,
                "after": before,
            }
        )
    return {"config": config}


def _deployment_scaling(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    base = int(res.info.get("tier", 1))
    up = rng.random() < 0.6
    before, after = (base, base + 1) if up else (base + 1, base)
    nodes_before = rng.randrange(2, 5)
    meta: dict[str, Any] = {
        "tier": {"before": _TIERS[before], "after": _TIERS[after]},
        "nodes": {"before": nodes_before, "after": nodes_before + (1 if up else -1)},
    }
    if rng.random() < 0.5:
        meta["reason"] = rng.choice(
            ("CPU above 80% for 10 minutes", "scheduled scale-down", "launch weekend")
        )
    return meta


def _deployment_reboot(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"reason": rng.choice(_REBOOT_REASONS), "nodes": rng.randrange(1, 4)}


def _deployment_creation(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {
        "region": res.info["region"],
        "tier": _TIERS[int(res.info.get("tier", 0))],
        "image": _image(rng.choice(_NAKAMA_VERSIONS[-3:])),
        "nodes": 1,
        "database": {"engine": "CockroachDB", "version": rng.choice(("23.2", "24.1"))},
    }


def _deployment_deletion(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {
        "region": res.info["region"],
        "reason": rng.choice(("preview environment closed", "pull request merged")),
    }


def _deployment_data_export(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    start, end = _month(world, rng)
    kind = rng.choice(("logs", "logs", "metrics"))
    return {"export": {"kind": kind, "from": start, "to": end, "format": "ndjson"}}


def _transfer_to_another_title(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"title": {"before": res.title, "after": _other_title(rng, res, world)}}


def _builder_creation(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {
        "repository": res.info["repository"],
        "branch": rng.choice(("main", "develop")),
        "nakama_version": rng.choice(_NAKAMA_VERSIONS[-3:]),
        "go_version": rng.choice(("1.22", "1.23")),
    }


def _builder_branch_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    branch = ("main", f"release/2026.{rng.randrange(8, 12)}")
    before, after = branch if rng.random() < 0.5 else branch[::-1]
    return {"repository": res.info["repository"], "branch": {"before": before, "after": after}}


def _builder_deletion(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"repository": res.info["repository"], "reason": "experiment finished"}


def _build_triggered(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    branch = rng.choice(("main", "main", "main", "develop", f"feature/{random_hex(rng, 4)}"))
    commit = _commit(rng)
    return {
        "trigger": rng.choice(("push", "push", "push", "manual", "tag")),
        "repository": res.info["repository"],
        "branch": branch,
        "commit": commit,
        "build": {
            "id": f"build_{random_hex(rng, 10)}",
            "image": f"registry.heroiclabs.com/acme/{res.info['slug']}-server:{commit[:7]}",
        },
    }


def _build_trigger_removal(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"trigger": {"event": "tag", "pattern": "v*"}, "repository": res.info["repository"]}


def _builder_config_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    pick = rng.randrange(3)
    if pick == 0:
        before, after = _step(rng, _NAKAMA_VERSIONS)
        return {"nakama_version": {"before": before, "after": after}}
    if pick == 1:
        return {"build_args": {"GOFLAGS": {"before": "-mod=vendor", "after": "-mod=mod"}}}
    return {"go_version": {"before": "1.22", "after": "1.23"}}


def _title_creation(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"name": res.name, "platforms": ["ios", "android"]}


def _title_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    if rng.random() < 0.5:
        before, after = _step(rng, REGIONS)
        return {"settings": {"default_region": {"before": before, "after": after}}}
    return {"name": {"before": res.name.replace("-", " "), "after": res.name}}


def _title_deletion(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"name": res.name, "reason": "prototype archived"}


def _member_invitation(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"role": {"before": None, "after": res.info["role"]}, "invitation": "accepted"}


def _member_role_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    before, after = _step(rng, _ROLES)
    if rng.random() < 0.3:
        before, after = after, before
    return {"role": {"before": before, "after": after}}


def _member_removal(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"role": {"before": res.info["role"], "after": None}}


def _member_list_export(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"export": {"kind": "members", "format": "csv"}}


def _billing_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    if rng.random() < 0.6:
        before, after = _step(rng, _BILLING_PLANS)
        return {"plan": {"before": before, "after": after}}
    return {
        "payment_method": {
            "before": f"card ending {rng.randrange(1000, 9999)}",
            "after": f"card ending {rng.randrange(1000, 9999)}",
        }
    }


def _invoice_export(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    start, _ = _month(world, rng)
    return {"export": {"kind": "invoices", "period": start[:7], "format": "pdf"}}


def _satori_creation(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"region": res.info["region"], "plan": "Starter"}


def _satori_change(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    pick = rng.randrange(3)
    if pick == 0:
        before, after = _step(rng, _SATORI_PLANS)
        return {"plan": {"before": before, "after": after}}
    if pick == 1:
        on = rng.random() < 0.6
        return {"feature_flag": {"name": rng.choice(_SATORI_FLAGS), "before": not on, "after": on}}
    return {"config": {"events.retention_days": {"before": 30, "after": 90}}}


def _satori_reboot(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"reason": rng.choice(_REBOOT_REASONS[:3])}


def _satori_deletion(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    return {"region": res.info["region"], "reason": "sandbox no longer needed"}


def _satori_events_export(rng: random.Random, res: Resource, world: World) -> dict[str, Any]:
    start, end = _month(world, rng)
    return {"export": {"kind": "events", "from": start, "to": end, "format": "parquet"}}


@dataclass(frozen=True, slots=True)
class Template:
    category: str
    action: str
    weight: float  # relative frequency
    resources: str  # pool in World.resources
    actors: str  # pool in World.actors
    meta: EventMaker


TEMPLATES: tuple[Template, ...] = (
    Template("Nakama Deployment", "Update", 14, "deployment", "ops", _deployment_image_change),
    Template("Nakama Deployment", "Update", 12, "deployment", "ops", _deployment_config_change),
    Template("Nakama Deployment", "Update", 8, "deployment", "scaling", _deployment_scaling),
    Template("Nakama Deployment", "Reboot", 6, "deployment", "reboot", _deployment_reboot),
    Template("Nakama Deployment", "Create", 1.5, "deployment_ephemeral", "ops", _deployment_creation),
    Template("Nakama Deployment", "Delete", 1, "deployment_ephemeral", "ops", _deployment_deletion),
    Template("Nakama Deployment", "Export", 1, "deployment", "anyone", _deployment_data_export),
    Template("Nakama Deployment Transfer", "Transfer", 0.4, "deployment", "admins", _transfer_to_another_title),
    Template("Nakama Builder", "Create", 0.4, "builder_ephemeral", "people", _builder_creation),
    Template("Nakama Builder", "Update", 2, "builder", "people", _builder_branch_change),
    Template("Nakama Builder", "Delete", 0.3, "builder_ephemeral", "people", _builder_deletion),
    Template("Nakama Builder Trigger", "Add", 16, "builder", "trigger", _build_triggered),
    Template("Nakama Builder Trigger", "Delete", 0.4, "builder", "people", _build_trigger_removal),
    Template("Nakama Builder Configuration", "Update", 3, "builder", "people", _builder_config_change),
    Template("Nakama Builder Transfer", "Transfer", 0.3, "builder", "admins", _transfer_to_another_title),
    Template("Organization Title", "Create", 0.2, "title_ephemeral", "admins", _title_creation),
    Template("Organization Title", "Update", 0.6, "title", "admins", _title_change),
    Template("Organization Title", "Delete", 0.1, "title_ephemeral", "admins", _title_deletion),
    Template("Organization User", "Add", 0.8, "user_contractor", "admins", _member_invitation),
    Template("Organization User", "Update", 0.8, "user", "admins", _member_role_change),
    Template("Organization User", "Delete", 0.4, "user_contractor", "admins", _member_removal),
    Template("Organization User", "Export", 0.2, "organization", "admins", _member_list_export),
    Template("Organization Billing", "Update", 0.4, "billing", "billing", _billing_change),
    Template("Organization Billing", "Export", 0.4, "billing", "billing", _invoice_export),
    Template("Satori Deployment", "Create", 0.3, "satori_sandbox", "people", _satori_creation),
    Template("Satori Deployment", "Update", 4, "satori", "people", _satori_change),
    Template("Satori Deployment", "Reboot", 0.8, "satori", "reboot", _satori_reboot),
    Template("Satori Deployment", "Delete", 0.2, "satori_sandbox", "people", _satori_deletion),
    Template("Satori Deployment", "Export", 0.5, "satori", "anyone", _satori_events_export),
)


def _template_index(category: str, action: str) -> int:
    return next(i for i, t in enumerate(TEMPLATES) if (t.category, t.action) == (category, action))


# Placed evenly through every export of enough entries, so that each of the 10
# categories and 7 actions occurs at least once however rare it is by weight.
COVERAGE = tuple(
    _template_index(c, a)
    for c, a in (
        ("Nakama Deployment", "Reboot"),
        ("Nakama Deployment Transfer", "Transfer"),
        ("Nakama Builder", "Create"),
        ("Nakama Builder Trigger", "Add"),
        ("Nakama Builder Configuration", "Update"),
        ("Nakama Builder Transfer", "Transfer"),
        ("Organization Title", "Update"),
        ("Organization User", "Add"),
        ("Organization Billing", "Export"),
        ("Satori Deployment", "Delete"),
    )
)

TABLE_BITS = 12


def template_table() -> list[int]:
    """Template indices repeated by weight: one random lookup picks a template."""
    size = 1 << TABLE_BITS
    total = sum(t.weight for t in TEMPLATES)
    table: list[int] = []
    for i, t in enumerate(TEMPLATES):
        table.extend([i] * max(1, round(t.weight / total * size)))
    # Rounding leaves the table a few slots off; trim or pad with the commonest.
    common = max(range(len(TEMPLATES)), key=lambda i: TEMPLATES[i].weight)
    while len(table) > size:
        table.remove(common)
    table.extend([common] * (size - len(table)))
    return table
