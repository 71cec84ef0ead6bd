"""Benchmarks run in folders of their own: never the person's settings, trust store or cache.

A benchmark that builds the viewer's window saves its header, columns and
recent files when it closes; run against the real ``~/.config/auditviewer``
that once started a person's viewer sorted by Actor. :func:`isolate` points
every folder the application reads (``core/paths.py``, the trust store, the
cache) at a fresh temporary folder, unless the caller set one explicitly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def isolate(prefix: str) -> Path:
    """A fresh folder holding this run's config, data, cache and trust store; returned."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("XDG_CONFIG_HOME", str(base / "config"))
    os.environ.setdefault("AUDITVIEWER_TRUST_STORE", str(base / "trusted.keys"))
    os.environ.setdefault("AUDITVIEWER_CACHE_DIR", str(base / "cache"))
    os.environ.setdefault("AUDITVIEWER_DATA_DIR", str(base / "data"))
    return base
