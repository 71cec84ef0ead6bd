"""The optional C extension (``auditviewer._native``), or None when it is not there.

The extension does the per-entry work of reading and verifying: proving a
leaf a well-formed entry (declining, never misjudging: the Python check in
:mod:`auditviewer.formats.entry` decides what it declines), the leaf hashes
and the chain. Callers use it when it is here and fall back to the Python
code otherwise, with the same results. ``AUDITVIEWER_NATIVE=0`` turns it off
(to compare, or to rule it out).
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("AUDITVIEWER_NATIVE", "1") == "0":
        return None
    try:
        import auditviewer._native as _native
    except ImportError:  # built without a C compiler: the Python code does the work
        return None
    return _native


NATIVE: ModuleType | None = _load()
