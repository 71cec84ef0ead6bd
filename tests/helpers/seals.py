"""Seals in tests: the full proof path (a reused database without its seal) is the fallback,
and stays tested by removing a workspace's seals before it is opened again."""

from __future__ import annotations

from pathlib import Path

from auditviewer.workspace.cache_folder import SEAL_SUFFIX


def remove_seals(folder: Path) -> list[Path]:
    """Delete every seal in a cache's ``workspaces`` folder; returns those deleted."""
    removed = sorted(folder.glob(f"*{SEAL_SUFFIX}"))
    for path in removed:
        path.unlink()
    return removed
