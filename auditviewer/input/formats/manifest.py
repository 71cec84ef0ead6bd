"""``manifest.json`` of a bundle (spec §5): what it lists, checked for shape, never trusted.

A listed path must be *normal*: relative, ``/``-separated, with no empty, ``.`` or
``..`` part, no backslash and no trailing ``/``. A path that is not (``./entries/x``,
``entries//x``, ``entries/x/``, ``/x``, ``a\\b``, ``entries/../x``) is never read and
never matched to a file by some normalisation of ours: the workspace reports it as
one finding naming the path (:attr:`ManifestFile.problem`), rather than one file
being both "not listed" and "listed but absent".

Roles are ``entries``, ``checkpoints``, ``proof`` and ``annotations`` (spec §5). An
``annotations`` file is the investigator's statement: only its manifest hash is
checked; it is never read as entries. A role this reader does not know refuses the
manifest (docs/verification.md says why).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from auditviewer.core.display import quoted
from auditviewer.core.errors import InputError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits

ROLES = frozenset({"entries", "checkpoints", "proof", "annotations"})
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ManifestFile:
    path: str
    role: str
    sha256: str
    size: int
    #: Why ``path`` is not a normal path (then the file is never read), else None.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    origin: str
    files: tuple[ManifestFile, ...]
    organization: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)
    exported_at: str | None = None
    keys: tuple[str, ...] = ()
    query: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def path_problem(path: str) -> str | None:
    """Why a manifest path is not a normal relative path inside the bundle, or None."""
    if path.startswith("/"):
        return "is absolute"
    if "\\" in path:
        return "holds a backslash"
    if len(path) >= 2 and path[1] == ":":
        return "starts with a drive letter"
    if path.endswith("/"):
        return "ends with '/'"
    parts = path.split("/")
    if "" in parts:
        return "holds an empty part ('//')"
    if ".." in parts:
        return "leaves its folder ('..')"
    if "." in parts:
        return "holds a '.' part"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "holds a control character"
    return None


def _duplicate_guard(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in manifest")
    return obj


def _depth_over(value: Any, max_depth: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_manifest(data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS) -> Manifest:
    """Parse and check a manifest; anything unusable is an :class:`InputError` naming the file."""
    if len(data) > limits.max_manifest_bytes:
        raise InputError(
            f"is larger than {limits.max_manifest_bytes} bytes (limit max_manifest_bytes)", path=label
        )
    try:
        raw = json.loads(data.decode("utf-8"), object_pairs_hook=_duplicate_guard)
    except RecursionError as exc:
        raise InputError(
            f"is not valid JSON (nested deeper than {limits.max_json_depth} levels; limit max_json_depth)",
            path=label,
        ) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"is not valid JSON ({exc})", path=label) from exc
    if _depth_over(raw, limits.max_json_depth):
        raise InputError(
            f"JSON is nested deeper than {limits.max_json_depth} levels (limit max_json_depth)",
            path=label,
        )
    if not isinstance(raw, dict):
        raise InputError("is not a JSON object", path=label)
    if raw.get("format") != "audit-bundle":
        raise InputError(f"format is {raw.get('format')!r}, not 'audit-bundle'", path=label)
    if raw.get("version") != 1:
        raise InputError(
            f"bundle version {raw.get('version')!r} is not supported (this reader knows version 1)",
            path=label,
        )
    origin = raw.get("origin")
    if not isinstance(origin, str) or not origin or "\n" in origin:
        raise InputError("origin is missing or not a one-line string", path=label)
    files_raw = raw.get("files")
    if not isinstance(files_raw, list):
        raise InputError("'files' is missing or not a list", path=label)
    files = []
    seen: set[str] = set()
    for i, item in enumerate(files_raw):
        where = f"files[{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not an object", path=label)
        path, role, sha, size = item.get("path"), item.get("role"), item.get("sha256"), item.get("size")
        if not isinstance(path, str) or not path:
            raise InputError(f"{where}.path is missing or not a string", path=label)
        if role not in ROLES:
            raise InputError(
                f"{where}.role {quoted(role)} is not entries, checkpoints, proof or annotations "
                "(a file of a role this reader does not know could hold what it would fail to check)",
                path=label,
            )
        if not isinstance(sha, str) or not _HEX64.fullmatch(sha.lower()):
            raise InputError(f"{where}.sha256 is not 64 hex digits", path=label)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InputError(f"{where}.size is not a whole number", path=label)
        if path in seen:
            # Listing one file many times would make it read (and verified) many times over.
            raise InputError(f"{where}.path {quoted(path)} is listed more than once", path=label)
        seen.add(path)
        files.append(
            ManifestFile(path=path, role=str(role), sha256=sha.lower(), size=size, problem=path_problem(path))
        )
    keys = raw.get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InputError("'keys' is not a list of strings", path=label)
    query = raw.get("query")
    organization = raw.get("organization")
    scope = raw.get("scope")
    exported_at = raw.get("exported_at")
    return Manifest(
        origin=origin,
        files=tuple(files),
        organization=organization if isinstance(organization, dict) else {},
        scope=scope if isinstance(scope, dict) else {},
        exported_at=exported_at if isinstance(exported_at, str) else None,
        keys=tuple(keys),
        query=query if isinstance(query, str) else None,
        raw=raw,
    )
