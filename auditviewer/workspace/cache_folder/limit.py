"""The cache's size limit: sizes as people write them, and which limit is in force.

``AUDITVIEWER_CACHE_LIMIT``, else Preferences (the file ``cache.json`` in the
config folder, which the command line reads too), else the smaller of 20 GB and
10% of the disk; a setting that cannot be used is skipped and said, never fatal.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec

from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.paths import config_dir
from auditviewer.core.strict_json import loads_object
from auditviewer.workspace.cache_folder.layout import MAX_RECORD_BYTES, CacheError, folder

#: The environment variable naming the cache's size limit (``500MB``, ``20G``).
LIMIT_VARIABLE = "AUDITVIEWER_CACHE_LIMIT"
#: The default limit is the smaller of this and :data:`DEFAULT_DISK_SHARE` of the disk.
DEFAULT_LIMIT_CAP = 20 * 1000**3
DEFAULT_DISK_SHARE = 0.10
#: Smallest limit accepted: below this nothing useful fits.
MINIMUM_LIMIT = 1


# -- sizes --------------------------------------------------------------------

_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of ``500MB``, ``20G``, ``1.5 GiB``, ``4096``; :class:`CacheError` if it is none of these."""
    match = _SIZE.match(text)
    if match is None or (match.group(3) and not match.group(2)):
        raise CacheError(f"{text!r} is not a size (say 500MB, 20G or 1.5GiB)")
    number, unit, binary = float(match.group(1)), match.group(2).lower(), bool(match.group(3))
    factor = 1024 ** " kmgt".index(unit) if binary else _UNITS[unit]
    value = number * factor
    if not math.isfinite(value) or value > 2**62:
        raise CacheError(f"{text!r} is too large a size")
    return int(value)


def format_size(size: int) -> str:
    """``1.2 GB``: powers of 1000, as the limit is written."""
    amount = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if amount < 1000:
            return f"{int(amount)} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} TB"


# -- the limit ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limit:
    """The cache's limit, where it came from, and a problem with a setting that was ignored."""

    size: int
    source: str  # "AUDITVIEWER_CACHE_LIMIT", "Preferences" or "default"
    problem: str | None = None


class CacheSettingsRecord(msgspec.Struct):
    """``cache.json``: the limit set in Preferences (None or absent: the default); other keys are ignored."""

    limit_bytes: Annotated[int, msgspec.Meta(ge=MINIMUM_LIMIT)] | None = None


def settings_path() -> Path:
    """Where Preferences keeps the limit; a file, not Qt's settings, so the command line reads it."""
    return config_dir() / "cache.json"


def configured_limit() -> int | None:
    """The limit set in Preferences, or None; :class:`CacheError` for a file that is not one."""
    path = settings_path()
    try:
        raw = path.read_bytes()[: MAX_RECORD_BYTES + 1]
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        value = loads_object(raw)
    except (ValueError, AuditViewerError) as exc:
        raise CacheError(f"{path}: not a cache settings file ({exc})") from exc
    try:
        return msgspec.convert(value, CacheSettingsRecord).limit_bytes
    except msgspec.ValidationError as exc:
        raise CacheError(f"{path}: limit_bytes must be a positive whole number of bytes") from exc


def set_configured_limit(size: int | None) -> None:
    """Record the limit (None: back to the default), through the atomic writer."""
    if size is not None and size < MINIMUM_LIMIT:
        raise CacheError("the cache limit must be at least 1 byte")
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"limit_bytes": size}).encode() + b"\n"
    write_file(path, body)


def default_limit(where: Path) -> int:
    """The smaller of 20 GB and 10% of the disk ``where`` is on (20 GB if that is unknown)."""
    probe = where
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        stats = os.statvfs(probe)
    except (OSError, AttributeError):
        try:
            disk = shutil.disk_usage(probe).total
        except OSError:
            return DEFAULT_LIMIT_CAP
    else:
        disk = stats.f_blocks * stats.f_frsize
    return max(MINIMUM_LIMIT, min(DEFAULT_LIMIT_CAP, int(disk * DEFAULT_DISK_SHARE)))


def cache_limit(where: Path | None = None) -> Limit:
    """The limit in force: ``AUDITVIEWER_CACHE_LIMIT``, else Preferences, else the default.

    A setting that cannot be used is skipped with its ``problem`` told, never fatal.
    """
    where = where if where is not None else folder()
    problems: list[str] = []
    text = os.environ.get(LIMIT_VARIABLE)
    if text:
        try:
            size = parse_size(text)
        except CacheError as exc:
            problems.append(f"{LIMIT_VARIABLE}: {exc}; ignored")
        else:
            if size >= MINIMUM_LIMIT:
                return Limit(size, LIMIT_VARIABLE)
            problems.append(f"{LIMIT_VARIABLE}: the limit must be at least 1 byte; ignored")
    try:
        configured = configured_limit()
    except CacheError as exc:
        problems.append(f"{exc}; ignored")
        configured = None
    problem = "; ".join(problems) or None
    if configured is not None:
        return Limit(configured, "Preferences", problem)
    return Limit(default_limit(where), "default", problem)
