"""AuditViewer: open, search, verify and re-export signed audit-log bundles.

This package is the Qt-free core; everything that imports Qt lives in
:mod:`auditviewer.ui`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
