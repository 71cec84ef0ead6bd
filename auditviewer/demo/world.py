"""The world a sample log describes: one organization, its titles, deployments, builders and people.

Made once per bundle from the seed (:class:`World`): the pools of resources and
actors the event makers (:mod:`.events`) pick from. ``canon`` is the RFC 8785
serialization of the values the samples emit. Deterministic: the same seed gives
the same world.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def canon(value: Any) -> str:
    """RFC 8785 for the values we emit (no floats, ASCII keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class Resource:
    type: str
    id: str
    name: str
    title: dict[str, str] | None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Actor:
    obj: dict[str, str]
    requests: list[dict[str, str]]  # empty for system actors: no HTTP request behind them


REGIONS = (
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-northeast-1",
    "ap-southeast-1",
)
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:132.0) Gecko/20100101 Firefox/132.0",
)


def random_hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


class World:
    """The organization and the pools of resources and actors events pick from."""

    def __init__(self, rng: random.Random, exported_at: datetime) -> None:
        self.rng = rng
        self.exported_at = exported_at
        self.organization = {"id": f"org_{random_hex(rng, 4)}", "name": "Acme Games"}
        self.resources: dict[str, list[Resource]] = {}
        self.actors: dict[str, list[Actor]] = {}
        self._make_resources()
        self._make_actors()

    def _title(self, name: str) -> dict[str, str]:
        return {"id": f"ttl_{random_hex(self.rng, 6)}", "name": name}

    def _make_resources(self) -> None:
        rng = self.rng
        titles = [
            (self._title("Space Raiders"), "space"),
            (self._title("Drachen-Taktik"), "drachen"),
            (self._title("ドラゴン戦術"), "dragon"),
            (self._title("Café Quest"), "cafe"),
        ]
        r = self.resources
        r["title"] = [Resource("title", t["id"], t["name"], t, {"slug": s}) for t, s in titles]
        r["title_ephemeral"] = [
            Resource("title", t["id"], t["name"], t, {"slug": "jam"})
            for t in (self._title("Game Jam Prototype"), self._title("Projekt Ödland"))
        ]
        for key in ("deployment", "deployment_ephemeral", "builder", "builder_ephemeral"):
            r[key] = []
        for key in ("satori", "satori_sandbox"):
            r[key] = []
        for title, slug in titles:
            repository = f"github.com/acme/{slug}-server"
            region = rng.choice(REGIONS)
            for env, n in (("prod", 1), ("prod", 2), ("staging", 1), ("dev", 1)):
                r["deployment"].append(
                    Resource(
                        "nakama_deployment",
                        f"dep_{random_hex(rng, 8)}",
                        f"{slug}-{env}-{n}",
                        title,
                        {"slug": slug, "region": region, "tier": rng.randrange(1, 4), "env": env},
                    )
                )
            for pr in rng.sample(range(100, 999), 2):
                r["deployment_ephemeral"].append(
                    Resource(
                        "nakama_deployment",
                        f"dep_{random_hex(rng, 8)}",
                        f"{slug}-preview-{pr}",
                        title,
                        {"slug": slug, "region": region, "tier": 0, "env": "preview"},
                    )
                )
            r["builder"].append(
                Resource(
                    "nakama_builder",
                    f"bld_{random_hex(rng, 8)}",
                    f"{slug}-builder",
                    title,
                    {"slug": slug, "repository": repository},
                )
            )
            r["builder_ephemeral"].append(
                Resource(
                    "nakama_builder",
                    f"bld_{random_hex(rng, 8)}",
                    f"{slug}-builder-experimental",
                    title,
                    {"slug": slug, "repository": repository},
                )
            )
            for env in ("prod", "dev"):
                r["satori"].append(
                    Resource(
                        "satori_deployment",
                        f"sat_{random_hex(rng, 8)}",
                        f"{slug}-satori-{env}",
                        title,
                        {"slug": slug, "region": region},
                    )
                )
            r["satori_sandbox"].append(
                Resource(
                    "satori_deployment",
                    f"sat_{random_hex(rng, 8)}",
                    f"{slug}-satori-sandbox",
                    title,
                    {"slug": slug, "region": region},
                )
            )
        org = self.organization
        r["organization"] = [Resource("organization", org["id"], org["name"], None)]
        r["billing"] = [
            Resource("billing", f"bill_{random_hex(rng, 6)}", f"{org['name']} billing", None)
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
        users: list[Actor] = []
        admins: list[Actor] = []
        members: list[Resource] = []
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
            actor = Actor(obj, requests)
            users.append(actor)
            if role == "admin":
                admins.append(actor)
            members.append(Resource("user", f"usr_{random_hex(rng, 8)}", email, None, {"role": role}))
        self.resources["user"] = members
        self.resources["user_contractor"] = [
            Resource("user", f"usr_{random_hex(rng, 8)}", email, None, {"role": "developer"})
            for _, email in contractors
        ]
        ci = Actor(
            {"name": "ci-deploy", "type": "api_key"},
            [{"ip": "192.0.2.44", "user_agent": "heroic-cli/2.4.1 (linux; amd64)"}],
        )
        terraform = Actor(
            {"name": "terraform", "type": "api_key"},
            [{"ip": "192.0.2.17", "user_agent": "terraform-provider-heroic/0.9.2"}],
        )
        autoscaler = Actor({"name": "autoscaler", "type": "system"}, [])
        platform = Actor({"name": "heroic-cloud", "type": "system"}, [])
        webhook = Actor({"name": "builder-webhook", "type": "system"}, [])
        billing = Actor({"name": "billing", "type": "system"}, [])
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
