"""``manifest.json`` read on ``msgspec.Struct`` behind the strict JSON guard, with messages a person reads."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from auditviewer.core.errors import InputError
from auditviewer.input.formats.manifest import ManifestRecord, parse_manifest

BASE: dict[str, Any] = {
    "format": "audit-bundle",
    "version": 1,
    "origin": "example.org/log",
    "files": [{"path": "entries/a.jsonl", "role": "entries", "sha256": "A" * 64, "size": 3}],
}


def _with(**changes: Any) -> bytes:
    manifest = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        target = manifest["files"][0] if key.startswith("file_") else manifest
        name = key.removeprefix("file_")
        if value is Ellipsis:
            del target[name]
        else:
            target[name] = value
    return json.dumps(manifest).encode()


def _error(data: bytes) -> str:
    with pytest.raises(InputError) as info:
        parse_manifest(data, label="b/manifest.json")
    assert info.value.path == "b/manifest.json"
    return info.value.reason


def test_a_good_manifest() -> None:
    manifest = parse_manifest(_with(keys=["k+01234567+AAAA"], exported_at="2026-09-14T00:00:00Z"), label="m")
    assert manifest.origin == "example.org/log" and manifest.keys == ("k+01234567+AAAA",)
    (listed,) = manifest.files
    assert (listed.path, listed.role, listed.sha256, listed.size) == ("entries/a.jsonl", "entries", "a" * 64, 3)
    assert issubclass(ManifestRecord, msgspec.Struct)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"origin": Ellipsis}, "origin is missing or not a one-line string"),
        ({"origin": "a\nb"}, "origin is missing or not a one-line string"),
        ({"origin": "log\n"}, "origin is missing or not a one-line string"),
        ({"origin": 7}, "origin is missing or not a one-line string"),
        ({"files": Ellipsis}, "'files' is missing or not a list"),
        ({"files": {"a": 1}}, "'files' is missing or not a list"),
        ({"files": ["x"]}, "files[0] is not an object"),
        ({"file_path": Ellipsis}, "files[0].path is missing or not a string"),
        ({"file_path": ""}, "files[0].path is missing or not a string"),
        ({"file_sha256": "ab"}, "files[0].sha256 is not 64 hex digits"),
        ({"file_sha256": "a" * 64 + "\n"}, "files[0].sha256 is not 64 hex digits"),
        ({"file_size": -1}, "files[0].size is not a whole number"),
        ({"file_size": True}, "files[0].size is not a whole number"),
        ({"file_size": 1.5}, "files[0].size is not a whole number"),
        ({"file_role": "entries-v2"}, 'files[0].role "entries-v2" is not entries'),
        ({"keys": ["a", 3]}, "'keys' is not a list of strings"),
        ({"format": "zip"}, "format is 'zip', not 'audit-bundle'"),
        ({"version": 2}, "bundle version 2 is not supported"),
        ({"version": True}, "bundle version True is not supported"),
    ],
)
def test_a_bad_shape_is_one_clear_line(changes: dict[str, Any], reason: str) -> None:
    assert _error(_with(**changes)).startswith(reason)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"origin": "a", "origin": "b"}', "is not valid JSON: duplicate key 'origin'"),
        (b'{"format": NaN}', "is not valid JSON: NaN is not valid JSON"),
        (b"[1]", "is not a JSON object"),
        (b"\xff{}", "is not valid JSON: not UTF-8"),
        (b'{"a":' + b"[" * 100 + b"]" * 100 + b"}", "is not valid JSON: nested deeper than"),
    ],
)
def test_the_strict_json_guard_comes_first(data: bytes, reason: str) -> None:
    assert _error(data).startswith(reason)


def test_optional_fields_of_another_type_are_ignored() -> None:
    manifest = parse_manifest(_with(organization=[1], scope="x", exported_at=5, query=None, extra={"a": 1}), label="m")
    assert (manifest.organization, manifest.scope, manifest.exported_at, manifest.query) == ({}, {}, None, None)
    assert manifest.raw["extra"] == {"a": 1}
