"""The one way to find AuditViewer's data files: icons, stylesheets, desktop-entry data.

``resource("auditviewer.svg")`` gives a real file path however the
application runs:

* installed from a wheel, or editable from a checkout: the files of the package
  ``auditviewer.resources`` (the top-level ``resources/`` folder, mapped by
  ``[tool.setuptools] package-dir`` in pyproject.toml), found through
  :mod:`importlib.resources`;
* frozen by PyInstaller: the same files under ``sys._MEIPASS``
  (``packaging/auditviewer.spec`` puts them at ``auditviewer/resources``).

Qt-free, so the command line and tests can use it without a display. Never
build a resource path from ``__file__`` elsewhere: that breaks in one of the
three layouts.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
from importlib import resources as _importlib_resources
from pathlib import Path, PurePosixPath

__all__ = ["ResourceNotFoundError", "resource"]

PACKAGE = "auditviewer.resources"

# Files extracted from a zipped install stay until exit: callers (Qt above
# all) want a plain path that outlives any ``with`` block.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


class ResourceNotFoundError(FileNotFoundError):
    """A resource name that names no shipped file: a packaging or spelling bug."""


def _frozen_root() -> Path | None:
    """The resources folder of a PyInstaller build, or None when not frozen."""
    meipass = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and meipass:
        # Read the bundle folder directly rather than through the frozen
        # importer's resource reader: the layout is then the spec's alone.
        return Path(meipass) / "auditviewer" / "resources"
    return None


def resource(name: str) -> Path:
    """The path of the shipped file ``name``, e.g. ``"auditviewer-64.png"``.

    ``name`` is relative and uses ``/`` on every platform. Raises
    :class:`ResourceNotFoundError` when no such file is shipped.
    """
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise ValueError(f"resource name must be a relative path inside resources/: {name!r}")
    frozen = _frozen_root()
    if frozen is not None:
        path = frozen.joinpath(*parts)
    else:
        traversable = _importlib_resources.files(PACKAGE).joinpath(*parts)
        if isinstance(traversable, Path):
            path = traversable
        elif traversable.is_file():
            path = _extracted.enter_context(_importlib_resources.as_file(traversable))
        else:
            raise ResourceNotFoundError(f"no resource {name!r} in {PACKAGE}")
    if not path.is_file():
        raise ResourceNotFoundError(f"no resource {name!r} (looked for {path})")
    return path
