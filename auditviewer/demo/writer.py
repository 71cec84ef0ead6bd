"""Realistic, correctly signed sample audit bundles (spec ``bundle-v1``).

The demo the application opens on first start, the fixtures of tests and the
bundles of scale tests (ten million entries) all come from here. Everything a
bundle holds is made exactly as an exporter makes it: entries in RFC 8785
canonical form, the hash chain of spec §3, C2SP checkpoints signed with a demo
Ed25519 key at the export's first seq, every 1024 entries and at the last entry,
and a manifest that lists every file with its hash.

Output depends only on the arguments: the same seed gives the same bytes, so
tests can pin the result and the demo key is known in advance.

Generation streams: entries are made, hashed and written in batches, so memory
does not grow with the size of the log. Qt-free; never import PySide6 here.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import json
import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from nacl.signing import SigningKey

from auditviewer.core import paths
from auditviewer.core.domain import ACTIONS, CATEGORIES, DEMO_ORIGIN
from auditviewer.integrity.chain import ZERO_HEAD, heads, leaf_hashes
from auditviewer.integrity.keys import VerifierKey, valid_key_name
from auditviewer.integrity.notes import checkpoint_text, sign_note

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "DEFAULT_EXPORTED_AT",
    "DEFAULT_ORIGIN",
    "SampleResult",
    "demo_bundle_path",
    "demo_verifier_key",
    "sample_origin",
    "sample_signing_key",
    "sample_verifier_key",
    "write_sample_bundle",
]

DEFAULT_ORIGIN = DEMO_ORIGIN
# Fixed rather than "now": the bytes must depend on the arguments only.
DEFAULT_EXPORTED_AT = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)


CHECKPOINT_INTERVAL = 1024
PARQUET_ROW_GROUP = 65536
# Entries made, hashed and written per step: small enough to keep memory
# flat, large enough that the per-batch overhead vanishes; divides the row group.
_BATCH = 8192
# Exported entries cover about three months: the dashboard's retention.
_SPAN_MS = 92 * 86_400_000
# The last entry lands this long before exported_at, leaving room for the
# final checkpoint's signing time.
_END_MARGIN_MS = 3_600_000
# Entries before the export (start_seq > 0) are squeezed into at most this
# much earlier history, so a long hidden prefix never reaches back to year 0.
_PREFIX_SPAN_MS = 3 * 365 * 86_400_000
# Above this many cached line pieces the cache starts over: it bounds memory,
# while the world's small size keeps the hit rate high anyway (~30k in use).
_META_CACHE_LIMIT = 200_000

DEMO_ENTRIES = 3000
DEMO_SEED = 1
# Bump when the generator's output changes, so cached demos are regenerated.
DEMO_GENERATION = 1

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class SampleResult:
    """What :func:`write_sample_bundle` wrote."""

    path: Path
    verifier_key: str  # the verifier key string that verifies its checkpoints
    entries: int
    origin: str
    first_seq: int = 0
    checkpoints: int = 0


# --------------------------------------------------------------------------
# Keys


def sample_signing_key(seed: int) -> SigningKey:
    """The demo Ed25519 signing key of ``seed``: public knowledge, for samples only."""
    return SigningKey(hashlib.sha256(b"auditviewer-demo" + str(seed).encode("ascii")).digest())


def sample_origin(*, entries: int, seed: int, start_seq: int = 0) -> str:
    """An origin of its own for each distinct sample history.

    Samples of different sizes are different histories (their times are spread
    over the same months), so sharing one origin and key would make any two of
    them look like a forked log to a verifier that remembers checkpoints.
    """
    suffix = f"-sample-{entries}-seed{seed}" + (f"-from{start_seq}" if start_seq else "")
    return DEFAULT_ORIGIN + suffix


def sample_verifier_key(*, seed: int = DEMO_SEED, origin: str = DEFAULT_ORIGIN) -> str:
    """The verifier key string of the bundles written with this seed and origin."""
    public = bytes(sample_signing_key(seed).verify_key)
    return VerifierKey.from_public_key(origin, public).to_string()


# --------------------------------------------------------------------------
# The world the log describes: one organization, its titles, deployments,
# builders and people. Made once per bundle from the seed.


def _canon(value: Any) -> str:
    """RFC 8785 for the values we emit (no floats, ASCII keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class _Resource:
    type: str
    id: str
    name: str
    title: dict[str, str] | None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Actor:
    obj: dict[str, str]
    requests: list[dict[str, str]]  # empty for system actors: no HTTP request behind them


_NAKAMA_VERSIONS = ("3.20.1", "3.21.0", "3.21.1", "3.22.0", "3.23.0", "3.24.2", "3.25.0")
_REGIONS = (
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-northeast-1",
    "ap-southeast-1",
)
_TIERS = ("nano", "small", "medium", "large", "xlarge")
_SATORI_PLANS = ("Starter", "Growth", "Scale")
_BILLING_PLANS = ("Starter", "Growth", "Scale", "Enterprise")
_ROLES = ("viewer", "developer", "admin")
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:132.0) Gecko/20100101 Firefox/132.0",
)
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


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


class _World:
    """The organization and the pools of resources and actors events pick from."""

    def __init__(self, rng: random.Random, exported_at: datetime) -> None:
        self.rng = rng
        self.exported_at = exported_at
        self.organization = {"id": f"org_{_hex(rng, 4)}", "name": "Acme Games"}
        self.resources: dict[str, list[_Resource]] = {}
        self.actors: dict[str, list[_Actor]] = {}
        self._make_resources()
        self._make_actors()

    def _title(self, name: str) -> dict[str, str]:
        return {"id": f"ttl_{_hex(self.rng, 6)}", "name": name}

    def _make_resources(self) -> None:
        rng = self.rng
        titles = [
            (self._title("Space Raiders"), "space"),
            (self._title("Drachen-Taktik"), "drachen"),
            (self._title("ドラゴン戦術"), "dragon"),
            (self._title("Café Quest"), "cafe"),
        ]
        r = self.resources
        r["title"] = [_Resource("title", t["id"], t["name"], t, {"slug": s}) for t, s in titles]
        r["title_ephemeral"] = [
            _Resource("title", t["id"], t["name"], t, {"slug": "jam"})
            for t in (self._title("Game Jam Prototype"), self._title("Projekt Ödland"))
        ]
        for key in ("deployment", "deployment_ephemeral", "builder", "builder_ephemeral"):
            r[key] = []
        for key in ("satori", "satori_sandbox"):
            r[key] = []
        for title, slug in titles:
            repository = f"github.com/acme/{slug}-server"
            region = rng.choice(_REGIONS)
            for env, n in (("prod", 1), ("prod", 2), ("staging", 1), ("dev", 1)):
                r["deployment"].append(
                    _Resource(
                        "nakama_deployment",
                        f"dep_{_hex(rng, 8)}",
                        f"{slug}-{env}-{n}",
                        title,
                        {"slug": slug, "region": region, "tier": rng.randrange(1, 4), "env": env},
                    )
                )
            for pr in rng.sample(range(100, 999), 2):
                r["deployment_ephemeral"].append(
                    _Resource(
                        "nakama_deployment",
                        f"dep_{_hex(rng, 8)}",
                        f"{slug}-preview-{pr}",
                        title,
                        {"slug": slug, "region": region, "tier": 0, "env": "preview"},
                    )
                )
            r["builder"].append(
                _Resource(
                    "nakama_builder",
                    f"bld_{_hex(rng, 8)}",
                    f"{slug}-builder",
                    title,
                    {"slug": slug, "repository": repository},
                )
            )
            r["builder_ephemeral"].append(
                _Resource(
                    "nakama_builder",
                    f"bld_{_hex(rng, 8)}",
                    f"{slug}-builder-experimental",
                    title,
                    {"slug": slug, "repository": repository},
                )
            )
            for env in ("prod", "dev"):
                r["satori"].append(
                    _Resource(
                        "satori_deployment",
                        f"sat_{_hex(rng, 8)}",
                        f"{slug}-satori-{env}",
                        title,
                        {"slug": slug, "region": region},
                    )
                )
            r["satori_sandbox"].append(
                _Resource(
                    "satori_deployment",
                    f"sat_{_hex(rng, 8)}",
                    f"{slug}-satori-sandbox",
                    title,
                    {"slug": slug, "region": region},
                )
            )
        org = self.organization
        r["organization"] = [_Resource("organization", org["id"], org["name"], None)]
        r["billing"] = [
            _Resource("billing", f"bill_{_hex(rng, 6)}", f"{org['name']} billing", None)
        ]

    def _make_actors(self) -> None:
        rng = self.rng
        # (name or None, email local part, role): names deliberately not all ASCII.
        people = [
            ("Ana García", "ana.garcia", "admin"),
            ("Jürgen Müller", "juergen.mueller", "admin"),
            ("Zoë Lindqvist", "zoe.lindqvist", "developer"),
            ("田中 花子", "hanako.tanaka", "developer"),
            ("Łukasz Wiśniewski", "lukasz.w", "developer"),
            (None, "chen.wei", "developer"),
            ("Amélie Dubois", "amelie.dubois", "developer"),
            (None, "ravi.iyer", "viewer"),
            ("Søren Kjær", "soren.kjaer", "developer"),
            (None, "ola.adeyemi", "viewer"),
        ]
        contractors = [
            ("Mateus Souza", "mateus@studio-porto.example"),
            ("Иван Петров", "ivan.petrov@contractors.example"),
            (None, "qa-team@outsourced-qa.example"),
        ]
        domain = "acme-games.example"
        users: list[_Actor] = []
        admins: list[_Actor] = []
        members: list[_Resource] = []
        for name, local, role in people:
            email = f"{local}@{domain}"
            obj = {"email": email, "type": "user"}
            if name:
                obj["name"] = name
            requests = [
                {
                    "ip": rng.choice(
                        (
                            f"203.0.113.{rng.randrange(2, 250)}",
                            f"198.51.100.{rng.randrange(2, 250)}",
                            f"2001:db8:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFF):x}",
                        )
                    ),
                    "user_agent": rng.choice(_BROWSERS),
                }
                for _ in range(rng.randrange(1, 4))
            ]
            actor = _Actor(obj, requests)
            users.append(actor)
            if role == "admin":
                admins.append(actor)
            members.append(_Resource("user", f"usr_{_hex(rng, 8)}", email, None, {"role": role}))
        self.resources["user"] = members
        self.resources["user_contractor"] = [
            _Resource("user", f"usr_{_hex(rng, 8)}", email, None, {"role": "developer"})
            for _, email in contractors
        ]
        ci = _Actor(
            {"name": "ci-deploy", "type": "api_key"},
            [{"ip": "192.0.2.44", "user_agent": "heroic-cli/2.4.1 (linux; amd64)"}],
        )
        terraform = _Actor(
            {"name": "terraform", "type": "api_key"},
            [{"ip": "192.0.2.17", "user_agent": "terraform-provider-heroic/0.9.2"}],
        )
        autoscaler = _Actor({"name": "autoscaler", "type": "system"}, [])
        platform = _Actor({"name": "heroic-cloud", "type": "system"}, [])
        webhook = _Actor({"name": "builder-webhook", "type": "system"}, [])
        billing = _Actor({"name": "billing", "type": "system"}, [])
        # Repetition weights the pools: most deploys come from people, some from CI.
        a = self.actors
        # Viewers only read: they appear in exports, never in changes.
        doers = [a for a, (_, _, role) in zip(users, people, strict=True) if role != "viewer"]
        a["anyone"] = users
        a["people"] = doers
        a["admins"] = admins
        a["ops"] = [*doers, ci, ci, ci, terraform]
        a["scaling"] = [*doers, autoscaler, autoscaler, autoscaler, autoscaler, terraform]
        a["reboot"] = [*doers, platform, platform, autoscaler]
        a["trigger"] = [webhook] * 12 + doers + [ci]
        a["billing"] = [*admins, billing]


# --------------------------------------------------------------------------
# Event templates: a plausible category/action pair, the pools it picks its
# resource and actor from, and how its metadata looks.

_Meta = Callable[[random.Random, _Resource, _World], dict[str, Any]]


def _image(version: str) -> str:
    return f"registry.heroiclabs.com/acme/nakama:{version}"


def _step(rng: random.Random, seq: tuple[Any, ...]) -> tuple[Any, Any]:
    i = rng.randrange(len(seq) - 1)
    return seq[i], seq[i + 1]


def _other_title(rng: random.Random, res: _Resource, world: _World) -> dict[str, str]:
    others = [t.title for t in world.resources["title"] if t.title != res.title]
    title = rng.choice(others)
    assert title is not None
    return title


def _commit(rng: random.Random) -> str:
    return _hex(rng, 40)


def _month(world: _World, rng: random.Random) -> tuple[str, str]:
    """A whole month in the three before the export: (first day, last day)."""
    back = rng.randrange(1, 4)
    year, month = world.exported_at.year, world.exported_at.month - back
    while month < 1:
        year, month = year - 1, month + 12
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def _m_nd_image(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    if rng.random() < 0.5:
        before, after = _step(rng, _NAKAMA_VERSIONS)
        images = {"before": _image(before), "after": _image(after)}
    else:
        # A custom server image from the title's builder, tagged by build.
        repo = f"registry.heroiclabs.com/acme/{res.info['slug']}-server"
        month = rng.randrange(8, 12)
        b, a = sorted(rng.sample(range(1, 60), 2))
        images = {
            "before": f"{repo}:2026.{month}.{b}-{_hex(rng, 7)}",
            "after": f"{repo}:2026.{month}.{a}-{_hex(rng, 7)}",
        }
    return {"image": images, "strategy": rng.choice(("rolling", "rolling", "recreate"))}


def _m_nd_config(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
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


def _m_nd_scale(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
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


def _m_nd_reboot(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"reason": rng.choice(_REBOOT_REASONS), "nodes": rng.randrange(1, 4)}


def _m_nd_create(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {
        "region": res.info["region"],
        "tier": _TIERS[int(res.info.get("tier", 0))],
        "image": _image(rng.choice(_NAKAMA_VERSIONS[-3:])),
        "nodes": 1,
        "database": {"engine": "CockroachDB", "version": rng.choice(("23.2", "24.1"))},
    }


def _m_nd_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {
        "region": res.info["region"],
        "reason": rng.choice(("preview environment closed", "pull request merged")),
    }


def _m_nd_export(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    start, end = _month(world, rng)
    kind = rng.choice(("logs", "logs", "metrics"))
    return {"export": {"kind": kind, "from": start, "to": end, "format": "ndjson"}}


def _m_transfer(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"title": {"before": res.title, "after": _other_title(rng, res, world)}}


def _m_nb_create(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {
        "repository": res.info["repository"],
        "branch": rng.choice(("main", "develop")),
        "nakama_version": rng.choice(_NAKAMA_VERSIONS[-3:]),
        "go_version": rng.choice(("1.22", "1.23")),
    }


def _m_nb_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    branch = ("main", f"release/2026.{rng.randrange(8, 12)}")
    before, after = branch if rng.random() < 0.5 else branch[::-1]
    return {"repository": res.info["repository"], "branch": {"before": before, "after": after}}


def _m_nb_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"repository": res.info["repository"], "reason": "experiment finished"}


def _m_nbt_add(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    branch = rng.choice(("main", "main", "main", "develop", f"feature/{_hex(rng, 4)}"))
    commit = _commit(rng)
    return {
        "trigger": rng.choice(("push", "push", "push", "manual", "tag")),
        "repository": res.info["repository"],
        "branch": branch,
        "commit": commit,
        "build": {
            "id": f"build_{_hex(rng, 10)}",
            "image": f"registry.heroiclabs.com/acme/{res.info['slug']}-server:{commit[:7]}",
        },
    }


def _m_nbt_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"trigger": {"event": "tag", "pattern": "v*"}, "repository": res.info["repository"]}


def _m_nbc_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    pick = rng.randrange(3)
    if pick == 0:
        before, after = _step(rng, _NAKAMA_VERSIONS)
        return {"nakama_version": {"before": before, "after": after}}
    if pick == 1:
        return {"build_args": {"GOFLAGS": {"before": "-mod=vendor", "after": "-mod=mod"}}}
    return {"go_version": {"before": "1.22", "after": "1.23"}}


def _m_ot_create(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"name": res.name, "platforms": ["ios", "android"]}


def _m_ot_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    if rng.random() < 0.5:
        before, after = _step(rng, _REGIONS)
        return {"settings": {"default_region": {"before": before, "after": after}}}
    return {"name": {"before": res.name.replace("-", " "), "after": res.name}}


def _m_ot_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"name": res.name, "reason": "prototype archived"}


def _m_ou_add(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"role": {"before": None, "after": res.info["role"]}, "invitation": "accepted"}


def _m_ou_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    before, after = _step(rng, _ROLES)
    if rng.random() < 0.3:
        before, after = after, before
    return {"role": {"before": before, "after": after}}


def _m_ou_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"role": {"before": res.info["role"], "after": None}}


def _m_ou_export(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"export": {"kind": "members", "format": "csv"}}


def _m_ob_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    if rng.random() < 0.6:
        before, after = _step(rng, _BILLING_PLANS)
        return {"plan": {"before": before, "after": after}}
    return {
        "payment_method": {
            "before": f"card ending {rng.randrange(1000, 9999)}",
            "after": f"card ending {rng.randrange(1000, 9999)}",
        }
    }


def _m_ob_export(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    start, _ = _month(world, rng)
    return {"export": {"kind": "invoices", "period": start[:7], "format": "pdf"}}


def _m_sd_create(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"region": res.info["region"], "plan": "Starter"}


def _m_sd_update(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    pick = rng.randrange(3)
    if pick == 0:
        before, after = _step(rng, _SATORI_PLANS)
        return {"plan": {"before": before, "after": after}}
    if pick == 1:
        on = rng.random() < 0.6
        return {"feature_flag": {"name": rng.choice(_SATORI_FLAGS), "before": not on, "after": on}}
    return {"config": {"events.retention_days": {"before": 30, "after": 90}}}


def _m_sd_reboot(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"reason": rng.choice(_REBOOT_REASONS[:3])}


def _m_sd_delete(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    return {"region": res.info["region"], "reason": "sandbox no longer needed"}


def _m_sd_export(rng: random.Random, res: _Resource, world: _World) -> dict[str, Any]:
    start, end = _month(world, rng)
    return {"export": {"kind": "events", "from": start, "to": end, "format": "parquet"}}


@dataclass(frozen=True, slots=True)
class _Template:
    category: str
    action: str
    weight: float  # relative frequency
    resources: str  # pool in _World.resources
    actors: str  # pool in _World.actors
    meta: _Meta


_TEMPLATES: tuple[_Template, ...] = (
    _Template("Nakama Deployment", "Update", 14, "deployment", "ops", _m_nd_image),
    _Template("Nakama Deployment", "Update", 12, "deployment", "ops", _m_nd_config),
    _Template("Nakama Deployment", "Update", 8, "deployment", "scaling", _m_nd_scale),
    _Template("Nakama Deployment", "Reboot", 6, "deployment", "reboot", _m_nd_reboot),
    _Template("Nakama Deployment", "Create", 1.5, "deployment_ephemeral", "ops", _m_nd_create),
    _Template("Nakama Deployment", "Delete", 1, "deployment_ephemeral", "ops", _m_nd_delete),
    _Template("Nakama Deployment", "Export", 1, "deployment", "anyone", _m_nd_export),
    _Template("Nakama Deployment Transfer", "Transfer", 0.4, "deployment", "admins", _m_transfer),
    _Template("Nakama Builder", "Create", 0.4, "builder_ephemeral", "people", _m_nb_create),
    _Template("Nakama Builder", "Update", 2, "builder", "people", _m_nb_update),
    _Template("Nakama Builder", "Delete", 0.3, "builder_ephemeral", "people", _m_nb_delete),
    _Template("Nakama Builder Trigger", "Add", 16, "builder", "trigger", _m_nbt_add),
    _Template("Nakama Builder Trigger", "Delete", 0.4, "builder", "people", _m_nbt_delete),
    _Template("Nakama Builder Configuration", "Update", 3, "builder", "people", _m_nbc_update),
    _Template("Nakama Builder Transfer", "Transfer", 0.3, "builder", "admins", _m_transfer),
    _Template("Organization Title", "Create", 0.2, "title_ephemeral", "admins", _m_ot_create),
    _Template("Organization Title", "Update", 0.6, "title", "admins", _m_ot_update),
    _Template("Organization Title", "Delete", 0.1, "title_ephemeral", "admins", _m_ot_delete),
    _Template("Organization User", "Add", 0.8, "user_contractor", "admins", _m_ou_add),
    _Template("Organization User", "Update", 0.8, "user", "admins", _m_ou_update),
    _Template("Organization User", "Delete", 0.4, "user_contractor", "admins", _m_ou_delete),
    _Template("Organization User", "Export", 0.2, "organization", "admins", _m_ou_export),
    _Template("Organization Billing", "Update", 0.4, "billing", "billing", _m_ob_update),
    _Template("Organization Billing", "Export", 0.4, "billing", "billing", _m_ob_export),
    _Template("Satori Deployment", "Create", 0.3, "satori_sandbox", "people", _m_sd_create),
    _Template("Satori Deployment", "Update", 4, "satori", "people", _m_sd_update),
    _Template("Satori Deployment", "Reboot", 0.8, "satori", "reboot", _m_sd_reboot),
    _Template("Satori Deployment", "Delete", 0.2, "satori_sandbox", "people", _m_sd_delete),
    _Template("Satori Deployment", "Export", 0.5, "satori", "anyone", _m_sd_export),
)


def _template_index(category: str, action: str) -> int:
    return next(i for i, t in enumerate(_TEMPLATES) if (t.category, t.action) == (category, action))


# Placed evenly through every export of enough entries, so that each of the 10
# categories and 7 actions occurs at least once however rare it is by weight.
_COVERAGE = tuple(
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

_TABLE_BITS = 12


def _template_table() -> list[int]:
    """Template indices repeated by weight: one random lookup picks a template."""
    size = 1 << _TABLE_BITS
    total = sum(t.weight for t in _TEMPLATES)
    table: list[int] = []
    for i, t in enumerate(_TEMPLATES):
        table.extend([i] * max(1, round(t.weight / total * size)))
    # Rounding leaves the table a few slots off; trim or pad with the commonest.
    common = max(range(len(_TEMPLATES)), key=lambda i: _TEMPLATES[i].weight)
    while len(table) > size:
        table.remove(common)
    table.extend([common] * (size - len(table)))
    return table


# --------------------------------------------------------------------------
# The entry stream


_META_VARIANTS = 8  # metadata variants made per (template, resource); 3 bits


class _EntryStream:
    """Makes the log's entries in order as canonical JSON lines.

    Each line is assembled from pre-serialized pieces (actor, resource, title,
    metadata) so that the per-entry work is a few random draws and one string
    format: that is what makes a million entries take seconds.
    """

    def __init__(self, *, seed: int, world: _World, time_regressions: bool) -> None:
        self.world = world
        self.rng = random.Random(f"auditviewer-sample-entries:{seed}")
        self.meta_rng = random.Random(f"auditviewer-sample-metadata:{seed}")
        self.time_regressions = time_regressions
        self.table = _template_table()
        self.forced: dict[int, int] = {}
        self.seq = 0
        self.base_ms = 0
        self.gap_ms = 1.0
        self._cache: dict[tuple[int, int, int, int, int], tuple[str, str, str]] = {}
        self._metadata: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self._day = -1
        self._day_text = ""
        t_pools = [world.resources[t.resources] for t in _TEMPLATES]
        a_pools = [world.actors[t.actors] for t in _TEMPLATES]
        self.t_pools = t_pools
        self.a_pools = a_pools
        self.actor_json = {id(a): _canon(a.obj) for pool in a_pools for a in pool}
        self.res_json = {
            id(r): _canon({"type": r.type, "id": r.id, "name": r.name})
            for pool in t_pools
            for r in pool
        }
        self.title_json = {id(r): _canon(r.title) for pool in t_pools for r in pool}

    def set_timeline(self, *, start_ms: int, gap_ms: float) -> None:
        """Times of the next entries: the i-th from here falls in [start + i*gap, start + (i+1)*gap).

        One jittered point per slot keeps times increasing and the span exact,
        whatever the number of entries.
        """
        self.base_ms = start_ms - int(self.seq * gap_ms)
        self.gap_ms = gap_ms

    def _pieces(self, key: tuple[int, int, int, int, int]) -> tuple[str, str, str]:
        """(before id, between id and seq, after time) of one combination; cached."""
        ti, ri, ai, vi, qi = key
        tpl = _TEMPLATES[ti]
        res = self.t_pools[ti][ri]
        actor = self.a_pools[ti][ai]
        variants = self._metadata.get((ti, ri))
        if variants is None:
            variants = [tpl.meta(self.meta_rng, res, self.world) for _ in range(_META_VARIANTS)]
            self._metadata[(ti, ri)] = variants
        meta = variants[vi]
        if actor.requests:
            meta = {**meta, "request": actor.requests[qi]}
            if isinstance(meta.get("trigger"), str):
                meta["trigger"] = "manual"  # a person's build is started by hand, not a push
        head = (
            f'{{"action":{_canon(tpl.action)},"actor":{self.actor_json[id(actor)]},'
            f'"category":{_canon(tpl.category)},"id":"evt_'
        )
        mid = f'","metadata":{_canon(meta)},"resource":{self.res_json[id(res)]},"seq":'
        tail = f'","title":{self.title_json[id(res)]}}}'
        if len(self._cache) >= _META_CACHE_LIMIT:
            self._cache.clear()
        pieces = (head, mid, tail)
        self._cache[key] = pieces
        return pieces

    def batch(self, n: int) -> list[str]:
        """The next ``n`` entries as JSON lines (no newline)."""
        # Locals: attribute lookups dominate a loop this tight.
        getrandbits = self.rng.getrandbits
        rand = self.rng.random
        table = self.table
        t_sizes = [len(p) for p in self.t_pools]
        a_sizes = [len(p) for p in self.a_pools]
        n_requests = [[max(1, len(a.requests)) for a in p] for p in self.a_pools]
        forced = self.forced
        cache = self._cache
        pieces_of = self._pieces
        base_ms, gap_ms = self.base_ms, self.gap_ms
        regress = self.time_regressions
        table_mask = (1 << _TABLE_BITS) - 1
        day, day_text = self._day, self._day_text
        out: list[str] = []
        append = out.append
        for seq in range(self.seq, self.seq + n):
            bits = getrandbits(64)
            ti = forced.get(seq)
            if ti is None:
                ti = table[bits & table_mask]
            ai = (bits >> 28 & 0xFFFF) % a_sizes[ti]
            key = (
                ti,
                (bits >> 12 & 0xFFFF) % t_sizes[ti],
                ai,
                bits >> 44 & 7,
                # Reduced to the actor's own requests so that the cache key space stays small.
                (bits >> 47 & 0xFF) % n_requests[ti][ai],
            )
            pieces = cache.get(key) or pieces_of(key)
            t_ms = base_ms + int((seq + rand()) * gap_ms)
            if regress and bits >> 55 == 0:  # about 1 in 512 entries
                # Two slots back, plus a second: always before the previous entry.
                t_ms -= int(2 * gap_ms) + 1000
            sec, ms = divmod(t_ms, 1000)
            d, rem = divmod(sec, 86400)
            if d != day:
                day = d
                day_text = datetime.fromtimestamp(d * 86400, UTC).strftime("%Y-%m-%d")
            h, rem = divmod(rem, 3600)
            m, s = divmod(rem, 60)
            append(
                f"{pieces[0]}{getrandbits(80):020x}{pieces[1]}{seq}"
                f',"time":"{day_text}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z{pieces[2]}'
            )
        self.seq += n
        self._day, self._day_text = day, day_text
        return out


# --------------------------------------------------------------------------
# Writing


class _HashingFile:
    """A binary file that hashes and counts what is written, for the manifest."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "xb")  # noqa: SIM115 - closed in close()
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.sha256.update(data)
        self.size += len(data)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        self._file.close()


class _JsonlSink:
    """``entries/part-00000.jsonl``: one leaf a line, hashed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = _HashingFile(path)

    def add(self, first_seq: int, lines: list[str], leaves: list[bytes], hs: list[bytes]) -> None:
        self._file.write(b"\n".join(leaves) + b"\n")

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.abort()

    def digest(self) -> tuple[str, int]:
        return self._file.sha256.hexdigest(), self._file.size


class _ParquetSink:
    """``entries/part-00000.parquet``: seq, entry and recorded head, in row groups of 64k."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa  # deferred: the JSONL demo should not pay for pyarrow's import
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self._schema = pa.schema(
            [("seq", pa.int64()), ("entry", pa.string()), ("head", pa.binary())]
        )
        self._writer = pq.ParquetWriter(
            path,
            self._schema,
            compression="zstd",
            # Entries and heads are unique: dictionaries and min/max stats only cost.
            use_dictionary=["seq"],
            write_statistics=["seq"],
        )
        # Batches are held as Arrow data until a row group is full: compact,
        # where the Python strings of a whole row group would cost several times more.
        self._pending: list[Any] = []
        self._rows = 0

    def add(self, first_seq: int, lines: list[str], leaves: list[bytes], hs: list[bytes]) -> None:
        pa = self._pa
        n = len(lines)
        self._pending.append(
            pa.record_batch(
                [
                    pa.array(range(first_seq, first_seq + n), type=pa.int64()),
                    pa.array(lines, type=pa.string()),
                    pa.array(hs, type=pa.binary()),
                ],
                schema=self._schema,
            )
        )
        self._rows += n
        if self._rows >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            table = self._pa.Table.from_batches(self._pending, schema=self._schema)
            self._writer.write_table(table, row_group_size=PARQUET_ROW_GROUP)
        self._pending, self._rows = [], 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()

    def abort(self) -> None:
        self._pending = []
        with contextlib.suppress(Exception):
            self._writer.close()

    def digest(self) -> tuple[str, int]:
        return _file_digest(self.path)


def _file_digest(path: Path) -> tuple[str, int]:
    """sha256 hex and size of a file, fsynced first so the rename publishes it whole."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
        f.seek(0)
        while chunk := f.read(1 << 22):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _rfc3339_seconds(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Signer:
    """Signs the checkpoints of one export; times follow the entries they cover."""

    def __init__(self, *, seed: int, origin: str, end_ms: int) -> None:
        self.key = sample_signing_key(seed)
        self.origin = origin
        self.rng = random.Random(f"auditviewer-sample-checkpoints:{seed}")
        self.end_ms = end_ms
        self.last_ms = 0
        self.notes: list[str] = []

    def sign(self, size: int, head: bytes, after_ms: int) -> None:
        # Signed a little after the entry it covers: a log signs on a timer, not per entry.
        t = min(max(after_ms + self.rng.randrange(1000, 600_000), self.last_ms), self.end_ms)
        self.last_ms = t
        text = checkpoint_text(self.origin, size, head, _rfc3339_seconds(t))
        self.notes.append(sign_note(text, self.origin, self.key))


def _checkpoint_sizes(lo: int, hi: int, last: int) -> Iterator[int]:
    """Checkpoint sizes in (lo, hi]: multiples of the interval, and ``last``."""
    k = (lo // CHECKPOINT_INTERVAL + 1) * CHECKPOINT_INTERVAL
    while k <= hi:
        yield k
        k += CHECKPOINT_INTERVAL
    if lo < last <= hi and last % CHECKPOINT_INTERVAL:
        yield last


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _publish(staged: Path, out: Path, *, overwrite: bool) -> None:
    """Move the finished ``staged`` file or directory to ``out`` in one rename."""
    if os.path.lexists(out):
        if not overwrite:
            raise FileExistsError(f"{out} already exists")
        # Old one aside first, new one in, then delete: ``out`` is never half of either.
        aside = out.with_name(f".{out.name}.{os.getpid()}.old")
        _remove(aside)
        os.rename(out, aside)
        try:
            os.rename(staged, out)
        except BaseException:
            os.rename(aside, out)
            raise
        _remove(aside)
        return
    if staged.is_dir():
        os.rename(staged, out)
        return
    try:
        # link() refuses an existing target, so a racing writer is never clobbered.
        os.link(staged, out)
    except FileExistsError:
        raise
    except OSError:
        # No hard links on this filesystem: rename after the check above.
        os.rename(staged, out)
    else:
        staged.unlink()


_DateTime = tuple[int, int, int, int, int, int]


def _zip_dir(src: Path, dest: Path, *, folder: str, date_time: _DateTime) -> None:
    """Zip ``src`` into ``dest`` under one top-level ``folder``; fixed dates keep it reproducible."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    with zipfile.ZipFile(dest, "x", allowZip64=True) as zf:
        for path in files:
            rel = path.relative_to(src).as_posix()
            info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=date_time)
            info.external_attr = 0o644 << 16
            info.file_size = path.stat().st_size  # lets zipfile choose ZIP64 up front
            if path.suffix == ".parquet":
                info.compress_type = zipfile.ZIP_STORED  # already compressed
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                # Level 1: JSON text still shrinks ~5x, several times faster than the default.
                # Python 3.13 renamed the (slotted) attribute.
                level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
                setattr(info, level, 1)
            with open(path, "rb") as f, zf.open(info, "w") as w:
                shutil.copyfileobj(f, w, 1 << 22)
    with open(dest, "rb+") as f:
        os.fsync(f.fileno())


def write_sample_bundle(
    out: Path,
    *,
    entries: int = 3000,
    fmt: Literal["jsonl", "parquet"] = "jsonl",
    seed: int = 1,
    zip_: bool = False,
    origin: str = DEFAULT_ORIGIN,
    start_seq: int = 0,
    progress: Progress | None = None,
    overwrite: bool = False,
    exported_at: datetime = DEFAULT_EXPORTED_AT,
    time_regressions: bool = False,
) -> SampleResult:
    """Write a signed sample bundle of ``entries`` entries, seq ``start_seq`` on, to ``out``.

    ``out`` is the bundle directory, or with ``zip_`` the ``.zip`` file (its
    files inside one top-level folder named like it). Everything is written
    beside ``out`` under a temporary name and renamed at the end, so an error
    or an interrupt leaves no half bundle at ``out``; an existing ``out``
    raises :class:`FileExistsError` unless ``overwrite``.

    ``progress(done, total)`` is called after each batch; ``total`` counts the
    entries before ``start_seq`` too, which are made (not written) to compute
    the head the first checkpoint commits to. An exception it raises cancels
    the write, cleanly. ``time_regressions`` makes about one entry in 512
    earlier than the one before it, to exercise ``time_regression``.
    """
    out = Path(out)
    if entries < 1:
        raise ValueError("a sample bundle needs at least one entry")
    if start_seq < 0:
        raise ValueError("start_seq must be >= 0")
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown entry format {fmt!r}")
    if not valid_key_name(origin):
        raise ValueError(f"origin {origin!r} is not usable as a key name (spaces or '+')")
    if exported_at.tzinfo is None:
        raise ValueError("exported_at must be timezone-aware")
    if os.path.lexists(out) and not overwrite:
        # Checked again when publishing; here to fail before minutes of work.
        raise FileExistsError(f"{out} already exists")

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        bundle = staging / "bundle" if zip_ else staging
        bundle.mkdir(exist_ok=True)
        checkpoints = _write_bundle_files(
            bundle,
            entries=entries,
            fmt=fmt,
            seed=seed,
            origin=origin,
            start_seq=start_seq,
            progress=progress,
            exported_at=exported_at,
            time_regressions=time_regressions,
        )
        if zip_:
            folder = out.name[:-4] if out.name.lower().endswith(".zip") else out.name
            staged_zip = staging / "bundle.zip"
            t = exported_at.astimezone(UTC)
            stamp = (t.year, t.month, t.day, t.hour, t.minute, t.second)
            _zip_dir(bundle, staged_zip, folder=folder, date_time=stamp)
            _publish(staged_zip, out, overwrite=overwrite)
            shutil.rmtree(staging, ignore_errors=True)
        else:
            os.chmod(staging, 0o755)  # mkdtemp makes it owner-only
            _publish(staging, out, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SampleResult(
        path=out,
        verifier_key=sample_verifier_key(seed=seed, origin=origin),
        entries=entries,
        origin=origin,
        first_seq=start_seq,
        checkpoints=checkpoints,
    )


@dataclass(slots=True)
class _Plan:
    world: _World
    stream: _EntryStream  # positioned at seq 0, on the timeline of the earlier entries
    start_ms: int  # the export's first entry is no earlier than this
    gap_ms: float  # one exported entry per gap


def _plan(
    *, seed: int, entries: int, start_seq: int, exported_at: datetime, time_regressions: bool
) -> _Plan:
    """The world and the entry stream of the whole log up to the export's end."""
    world = _World(random.Random(f"auditviewer-sample-world:{seed}"), exported_at)
    stream = _EntryStream(seed=seed, world=world, time_regressions=time_regressions)
    end_ms = int(exported_at.timestamp() * 1000) - _END_MARGIN_MS
    gap = _SPAN_MS / entries
    start_ms = end_ms - int(gap * entries)
    if entries >= len(_COVERAGE):
        step = entries // len(_COVERAGE)
        stream.forced = {start_seq + k * step + step // 2: ti for k, ti in enumerate(_COVERAGE)}
    if start_seq:
        prefix_gap = min(gap, _PREFIX_SPAN_MS / start_seq)
        stream.set_timeline(start_ms=start_ms - int(prefix_gap * start_seq), gap_ms=prefix_gap)
    return _Plan(world=world, stream=stream, start_ms=start_ms, gap_ms=gap)


def _write_bundle_files(
    bundle: Path,
    *,
    entries: int,
    fmt: str,
    seed: int,
    origin: str,
    start_seq: int,
    progress: Progress | None,
    exported_at: datetime,
    time_regressions: bool,
) -> int:
    """Write entries, checkpoints and manifest into ``bundle``; returns the checkpoint count."""
    plan = _plan(
        seed=seed,
        entries=entries,
        start_seq=start_seq,
        exported_at=exported_at,
        time_regressions=time_regressions,
    )
    stream, start_ms, gap = plan.stream, plan.start_ms, plan.gap_ms
    total = start_seq + entries
    last = total  # size of the log after the export's last entry
    signer = _Signer(seed=seed, origin=origin, end_ms=int(exported_at.timestamp() * 1000))

    head = ZERO_HEAD
    if start_seq:
        # The earlier entries are not exported, but the checkpoint at the
        # export's first seq commits to them: make them to hash them.
        done = 0
        while done < start_seq:
            n = min(_BATCH, start_seq - done)
            hs = heads(head, leaf_hashes(line.encode() for line in stream.batch(n)))
            head = hs[-1]
            done += n
            if progress:
                progress(done, total)
        signer.sign(start_seq, head, start_ms)
    stream.set_timeline(start_ms=start_ms, gap_ms=gap)

    def time_after(size: int) -> int:
        # Upper end of the slot of entry size-1: never before that entry.
        return start_ms + int((size - start_seq) * gap)

    (bundle / "entries").mkdir()
    sink: _JsonlSink | _ParquetSink
    if fmt == "jsonl":
        sink = _JsonlSink(bundle / "entries" / "part-00000.jsonl")
    else:
        sink = _ParquetSink(bundle / "entries" / "part-00000.parquet")
    try:
        done = start_seq
        while done < total:
            n = min(_BATCH, total - done)
            lines = stream.batch(n)
            leaves = [line.encode() for line in lines]
            hs = heads(head, leaf_hashes(leaves))
            for size in _checkpoint_sizes(done, done + n, last):
                signer.sign(size, hs[size - done - 1], time_after(size))
            head = hs[-1]
            sink.add(done, lines, leaves, hs)
            done += n
            if progress:
                progress(done, total)
    except BaseException:
        sink.abort()  # the staging folder goes next; just release the file
        raise
    sink.close()
    rel = sink.path.relative_to(bundle).as_posix()
    entries_digest = sink.digest()

    cp_data = "".join(json.dumps({"note": note}) + "\n" for note in signer.notes).encode()
    cp_sink = _HashingFile(bundle / "checkpoints.jsonl")
    cp_sink.write(cp_data)
    cp_sink.close()

    manifest = {
        "format": "audit-bundle",
        "version": 1,
        "origin": origin,
        "organization": plan.world.organization,
        "scope": {"type": "organization"},
        "exported_at": exported_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": [
            {
                "path": rel,
                "role": "entries",
                "sha256": entries_digest[0],
                "size": entries_digest[1],
            },
            {
                "path": "checkpoints.jsonl",
                "role": "checkpoints",
                "sha256": cp_sink.sha256.hexdigest(),
                "size": cp_sink.size,
            },
        ],
        "keys": [sample_verifier_key(seed=seed, origin=origin)],
    }
    m_sink = _HashingFile(bundle / "manifest.json")
    m_sink.write((json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    m_sink.close()
    return len(signer.notes)


# --------------------------------------------------------------------------
# The demo


def demo_verifier_key() -> str:
    """The verifier key that verifies the demo bundle."""
    return sample_verifier_key(seed=DEMO_SEED, origin=DEFAULT_ORIGIN)


def demo_bundle_path() -> Path:
    """The demo bundle in the cache folder, generated on first use (about a second)."""
    path = paths.cache_dir() / "demo" / f"acme-games-demo-{DEMO_GENERATION}"
    # Bundles appear by rename only, so a manifest means a complete bundle.
    if (path / "manifest.json").is_file():
        return path
    try:
        write_sample_bundle(path, entries=DEMO_ENTRIES, seed=DEMO_SEED, fmt="jsonl")
    except (FileExistsError, OSError):
        # Another process published it first (or left junk): theirs if complete.
        if (path / "manifest.json").is_file():
            return path
        raise
    return path
