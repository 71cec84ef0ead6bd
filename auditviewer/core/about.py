"""What the About dialog shows, as plain data: version, licence, the libraries' versions.

Qt-free so the command line, bug reports and tests can use it without a
display; :mod:`auditviewer.ui.dialogs.about` draws it. The version is
:data:`auditviewer.__version__`, the one place it is written.

Library versions come from a loaded module's ``__version__``, else the
installed distribution's metadata, else by importing the module (a
PyInstaller build keeps modules but not always their ``.dist-info``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass

from auditviewer import __version__

__all__ = [
    "APP_NAME",
    "COPYRIGHT",
    "DESCRIPTION",
    "LICENCE",
    "LICENCE_TEXT",
    "AboutInfo",
    "Library",
    "about_info",
    "library_versions",
]

APP_NAME = "AuditViewer"
DESCRIPTION = "Open, search, verify and re-export signed audit-log bundles, offline."
LICENCE = "MIT"
COPYRIGHT = "Copyright (c) 2026 The AuditViewer authors"
# The full MIT licence, as the About dialog shows it: the same text as LICENSE at the
# top of the repository (which the sdist, the wheel and the .deb carry; a test keeps the
# two equal), written here too because a frozen build has no package metadata to read.
LICENCE_TEXT = f"""MIT License

{COPYRIGHT}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
NOT_INSTALLED = "not installed"


@dataclass(frozen=True)
class Library:
    """One component the application runs on, as the About dialog lists it."""

    name: str
    version: str
    # Packaged builds redistribute these; naming each one's licence is part
    # of doing so (Qt and PySide6 are LGPL-3.0).
    licence: str


@dataclass(frozen=True)
class AboutInfo:
    """Everything the About dialog shows."""

    name: str
    version: str
    description: str
    copyright: str
    licence: str
    licence_text: str
    libraries: tuple[Library, ...]
    platform: str
    frozen: bool
    #: How entries are checked: the C extension (and its SHA-256), or the slower Python code.
    checking: str = ""

    def as_text(self) -> str:
        """Plain text for the clipboard and bug reports."""
        lines = [
            f"{self.name} {self.version}",
            self.description,
            self.copyright,
            f"Licence: {self.licence}",
            f"Platform: {self.platform}" + (" (packaged build)" if self.frozen else ""),
            *([f"Entry checks: {self.checking}"] if self.checking else []),
            "",
        ]
        width = max(len(lib.name) for lib in self.libraries)
        lines += [
            f"{lib.name:<{width}}  {lib.version:<12}  {lib.licence}" for lib in self.libraries
        ]
        return "\n".join(lines)


def _module_version(module: str, distribution: str) -> str:
    # In order of cost and truth: a module already loaded tells what really
    # runs; installed metadata costs nothing to read (so the About data never
    # drags Qt or Arrow into a command-line process); importing is the last
    # resort, for builds that kept a module but not its metadata.
    loaded = getattr(sys.modules.get(module), "__version__", None)
    if isinstance(loaded, str) and loaded:
        return loaded
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        imported = getattr(importlib.import_module(module), "__version__", None)
    except ImportError:
        return NOT_INSTALLED
    return imported if isinstance(imported, str) and imported else NOT_INSTALLED


def _qt_runtime_version() -> str:
    # The Qt actually running once the UI has loaded it; before that, the Qt
    # that PySide6 ships (its wheels bundle the Qt of the same version), so
    # asking never loads Qt's libraries.
    q_version: Callable[[], str] | None = getattr(
        sys.modules.get("PySide6.QtCore"), "qVersion", None
    )
    if q_version is not None:
        return str(q_version())
    return _module_version("PySide6", "PySide6-Essentials")


def library_versions() -> tuple[Library, ...]:
    """Python, Qt, PySide6, DuckDB, PyArrow and PyNaCl, each with its version and licence."""
    return (
        Library("Python", platform.python_version(), "PSF-2.0"),
        Library("Qt", _qt_runtime_version(), "LGPL-3.0"),
        Library("PySide6", _module_version("PySide6", "PySide6-Essentials"), "LGPL-3.0"),
        Library("DuckDB", _module_version("duckdb", "duckdb"), "MIT"),
        Library("PyArrow", _module_version("pyarrow", "pyarrow"), "Apache-2.0"),
        Library("PyNaCl", _module_version("nacl", "PyNaCl"), "Apache-2.0"),
    )


def about_info() -> AboutInfo:
    """The About dialog's content for this running application."""
    return AboutInfo(
        name=APP_NAME,
        version=__version__,
        description=DESCRIPTION,
        copyright=COPYRIGHT,
        licence=LICENCE,
        licence_text=LICENCE_TEXT,
        libraries=library_versions(),
        platform=f"{platform.system()} {platform.release()} ({platform.machine()})",
        frozen=bool(getattr(sys, "frozen", False)),
        checking=checking_mode(),
    )


def checking_mode() -> str:
    """Whether the C extension checks entries here, and with which SHA-256."""
    from auditviewer.core.native import NATIVE, SHA_PATHS, sha256_path

    if NATIVE is None:
        return "Python (the C extension is not built or is turned off: slower)"
    return SHA_PATHS[sha256_path()]
