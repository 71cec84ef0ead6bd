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

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec

from auditviewer.core.display import quoted
from auditviewer.core.errors import InputError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.strict_json import loads_object

ROLES = frozenset({"entries", "checkpoints", "proof", "annotations"})


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


class ManifestFileRecord(msgspec.Struct, forbid_unknown_fields=False):
    """One ``files`` item as written (spec §5); ``role`` is checked after, by value."""

    path: Annotated[str, msgspec.Meta(min_length=1)]
    role: Any
    sha256: Annotated[str, msgspec.Meta(pattern="\\A[0-9a-fA-F]{64}\\Z")]
    size: Annotated[int, msgspec.Meta(ge=0)]


class ManifestRecord(msgspec.Struct, forbid_unknown_fields=False):
    """The fields this reader uses, typed; other fields are kept in :attr:`Manifest.raw`.

    ``format`` and ``version`` are checked by value first (their messages name the
    value); optional fields of another type are ignored, as before.
    """

    origin: Annotated[str, msgspec.Meta(min_length=1, pattern="\\A[^\\n]*\\Z")]
    files: list[ManifestFileRecord]
    keys: list[str] | None = None
    organization: Any = None
    scope: Any = None
    exported_at: Any = None
    query: Any = None


#: A field's path in a msgspec error (list indexes as ``[]``) → the message a person reads.
_FIELD_PROBLEMS = {
    "origin": "origin is missing or not a one-line string",
    "files": "'files' is missing or not a list",
    "files[]": "{where} is not an object",
    "files[].path": "{where} is missing or not a string",
    "files[].sha256": "{where} is not 64 hex digits",
    "files[].size": "{where} is not a whole number",
    "keys": "'keys' is not a list of strings",
    "keys[]": "'keys' is not a list of strings",
}
_AT = re.compile(r"(?P<detail>.*?)(?: - at `\$(?P<where>[^`]*)`)?", re.DOTALL)
_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]*)`")


def _shape_problem(exc: msgspec.ValidationError) -> str:
    """msgspec's error (``Expected `int` >= 0 - at `$.files[3].size```) as the manifest's own words."""
    match = _AT.fullmatch(str(exc))
    detail, where = (match.group("detail"), match.group("where") or "") if match else (str(exc), "")
    missing = _MISSING.match(detail)
    if missing:
        where = f"{where}.{missing.group('field')}"
    where = where.lstrip(".")
    message = _FIELD_PROBLEMS.get(re.sub(r"\[\d+\]", "[]", where))
    return message.format(where=where) if message else f"{where or 'the manifest'}: {detail}"


def parse_manifest(data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS) -> Manifest:
    """Parse and check a manifest; anything unusable is an :class:`InputError` naming the file.

    The bytes are one JSON object by :func:`auditviewer.core.strict_json.loads_object`
    (no duplicate key, no ``NaN``, bounded depth); its shape is
    :class:`ManifestRecord`'s, checked by ``msgspec.convert``.
    """
    if len(data) > limits.max_manifest_bytes:
        raise InputError(
            f"is larger than {limits.max_manifest_bytes} bytes (limit max_manifest_bytes)", path=label
        )
    try:
        raw = loads_object(data, max_depth=limits.max_json_depth)
    except ValueError as exc:
        reason = str(exc)
        raise InputError("is not a JSON object" if reason == "not a JSON object" else f"is not valid JSON: {reason}", path=label) from exc
    if raw.get("format") != "audit-bundle":
        raise InputError(f"format is {raw.get('format')!r}, not 'audit-bundle'", path=label)
    if raw.get("version") != 1 or isinstance(raw.get("version"), bool):
        raise InputError(
            f"bundle version {raw.get('version')!r} is not supported (this reader knows version 1)",
            path=label,
        )
    try:
        record = msgspec.convert(raw, ManifestRecord)
    except msgspec.ValidationError as exc:
        raise InputError(_shape_problem(exc), path=label) from exc
    files = []
    seen: set[str] = set()
    for i, item in enumerate(record.files):
        where = f"files[{i}]"
        if item.role not in ROLES:
            raise InputError(
                f"{where}.role {quoted(item.role)} is not entries, checkpoints, proof or annotations "
                "(a file of a role this reader does not know could hold what it would fail to check)",
                path=label,
            )
        if item.path in seen:
            # Listing one file many times would make it read (and verified) many times over.
            raise InputError(f"{where}.path {quoted(item.path)} is listed more than once", path=label)
        seen.add(item.path)
        files.append(
            ManifestFile(
                path=item.path,
                role=str(item.role),
                sha256=item.sha256.lower(),
                size=item.size,
                problem=path_problem(item.path),
            )
        )
    return Manifest(
        origin=record.origin,
        files=tuple(files),
        organization=record.organization if isinstance(record.organization, dict) else {},
        scope=record.scope if isinstance(record.scope, dict) else {},
        exported_at=record.exported_at if isinstance(record.exported_at, str) else None,
        keys=tuple(record.keys or ()),
        query=record.query if isinstance(record.query, str) else None,
        raw=raw,
    )
