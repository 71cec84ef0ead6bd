"""What an export is called and in which format: from the output's name, or suggested for it.

``format_for_path`` reads the format from ``--out``'s extension (``.zip`` a
bundle zip, no extension a bundle folder, ``.jsonl``, ``.parquet``, ``.csv``);
``FILE_TYPES`` are the save dialog's choices; ``suggest_name`` proposes a file
name from the source's origin and the date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from auditviewer.core.errors import ExportError
from auditviewer.export.source import (
    ExportSource,
)

Format = Literal["bundle", "jsonl", "parquet", "csv"]


FORMATS: tuple[Format, ...] = ("bundle", "jsonl", "parquet", "csv")


_SUFFIX_FORMATS: dict[str, Format] = {
    ".zip": "bundle",
    ".jsonl": "jsonl",
    ".parquet": "parquet",
    ".csv": "csv",
}


def format_for_path(out: Path, fmt: str | None = None) -> tuple[Format, bool]:
    """(format, zipped) for an output path: by ``fmt`` if given, else by its extension.

    ``.zip`` is a bundle as a zip; a path without extension is a bundle folder.
    """
    suffix = out.suffix.lower()
    if fmt is not None:
        if fmt not in FORMATS:
            raise ExportError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
        chosen: Format = fmt
        if chosen == "bundle":
            return chosen, suffix == ".zip"
        if suffix == ".zip":
            raise ExportError(f"{out}: a .zip holds a bundle, not {fmt}")
        return chosen, False
    if suffix in _SUFFIX_FORMATS:
        chosen = _SUFFIX_FORMATS[suffix]
        return chosen, chosen == "bundle"
    if suffix == "":
        return "bundle", False
    raise ExportError(
        f"{out}: cannot tell the format from the extension {suffix!r}; "
        "use .zip, .jsonl, .parquet, .csv, a folder name, or --format"
    )


#: For a save dialog: (label, pattern, format), the verifiable bundle first.
FILE_TYPES: tuple[tuple[str, str, Format], ...] = (
    ("Verifiable slice bundle (*.zip)", "*.zip", "bundle"),
    ("JSON Lines, no proof (*.jsonl)", "*.jsonl", "jsonl"),
    ("Parquet, no proof (*.parquet)", "*.parquet", "parquet"),
    ("CSV for spreadsheets, no proof (*.csv)", "*.csv", "csv"),
)


#: Characters of the organisation's name kept in a suggested file name (whole name < 100).
SUGGESTED_STEM_LIMIT = 64


def suggest_name(source: ExportSource, *, fmt: Format = "bundle", now: datetime | None = None) -> str:
    """A file name for a save dialog: ``<organization or log>-slice-<date>.<ext>``."""
    organization = next((m.organization for m in source.manifests if m.organization), {})
    base = str(organization.get("name") or (source.origin or "audit").rsplit("/", 1)[-1] or "audit")
    safe = "".join(c.lower() if c.isalnum() else "-" for c in base).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    # A long (or hostile) organisation name must not make a name the file system refuses.
    safe = safe[:SUGGESTED_STEM_LIMIT].strip("-")
    day = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d")
    ext = {"bundle": ".zip", "jsonl": ".jsonl", "parquet": ".parquet", "csv": ".csv"}[fmt]
    return f"{safe or 'audit'}-{'slice' if fmt == 'bundle' else 'entries'}-{day}{ext}"
