"""What the packaged build leaves out, and why: the policy packaging/auditviewer.spec applies.

Kept apart from the spec so that tests (tests/packaging/test_bundle_policy.py)
can check it without running PyInstaller: that the libraries the app needs
are never dropped, and that no module the app imports is excluded.

TOC entries are PyInstaller's ``(destination, source, kind)`` tuples.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable

Entry = tuple[str, str, str]

# Modules imported where PyInstaller cannot see it: DuckDB imports these from
# C++ when it converts values to Python (zoneinfo for TIMESTAMPTZ). Windows
# has no system time-zone database, so zoneinfo needs the tzdata package there.
RUNTIME_IMPORTS = [
    "zoneinfo",
    "datetime",
    "decimal",
    "uuid",
    "pathlib",
    "pyarrow.dataset",
    "pyarrow.types",
    *(["tzdata"] if sys.platform == "win32" else []),
]

# Python modules never shipped. The Qt ones are in PySide6-Essentials but unused;
# naming them keeps an accidental import elsewhere (e.g. a library probing for
# QtNetwork) from dragging in their libraries, plugins and QML files.
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc_data",
    "test",
    "IPython",
    "matplotlib",
    "pandas",
    "numpy",
    "polars",
    "torch",
    "tensorflow",
    "fsspec",
    # Build and test tools that optional imports reach in a developer's venv.
    "setuptools",
    "pkg_resources",
    "distutils",
    "_distutils_hack",
    "pip",
    "pygments",
    "pytest",
    "_pytest",
    "pluggy",
    "hypothesis",
    "mypy",
    "pycparser",  # cffi needs it only to compile; PyNaCl ships compiled bindings
    "duckdb.experimental",  # the PySpark-compatible API
    # decimal falls back to the pure-Python _pydecimal; nothing here computes
    # with decimals, DuckDB only hands them over.
    "_decimal",
    # East Asian legacy codecs: every file the app reads is UTF-8 by spec.
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_tw",
    "_codecs_iso2022",
    # No XML, no interactive prompt. (ssl stays: pyarrow.fs imports it.)
    "readline",
    "xml",
    "xmlrpc",
    "pyexpat",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtPrintSupport",
    "PySide6.QtHelp",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.Qt3DCore",
    "PySide6.QtCharts",
    "PySide6.QtGraphs",
    "pyarrow.flight",
    "pyarrow._flight",
    "pyarrow._s3fs",
    "pyarrow._gcsfs",
    "pyarrow._azurefs",
    "pyarrow._hdfs",
    "pyarrow.orc",
    "pyarrow._orc",
    "pyarrow.gandiva",
    "pyarrow.cuda",
    "pyarrow._cuda",
    "pyarrow.tests",
    "pyarrow.benchmark",
]

# Collected files (destination paths, "/"-separated) that are dropped after
# analysis. Each pattern says why in its comment. PySide6 keeps plugins and
# translations under PySide6/Qt/ on Linux and macOS, under PySide6/ on Windows.
DROPPED = [
    # Qt translations: the UI is English and installs no QTranslator.
    r"PySide6/(Qt/)?translations/",
    # Platform plugins for embedded/kiosk screens and VNC; desktops use xcb
    # or wayland, tests and the smoke test use offscreen.
    r"PySide6/(Qt/)?plugins/platforms/libq(vnc|linuxfb|eglfs|minimalegl|vkkhrdisplay)\.",
    r"PySide6/(Qt/)?plugins/egldeviceintegrations/",
    # Generic input plugins (evdev, TUIO network touch) serve eglfs/linuxfb and
    # load only on request; TUIO would also need QtNetwork.
    r"PySide6/(Qt/)?plugins/generic/",
    r"PySide6/(Qt/)?plugins/wayland-graphics-integration-server/",
    # OpenGL window integrations: the viewer is plain widgets, which Qt paints
    # in software and shows through shared memory on X11 and Wayland alike.
    # Their going frees libQt6OpenGL and libxcb-glx too.
    r"PySide6/(Qt/)?plugins/(xcbglintegrations|wayland-graphics-integration-client)/",
    # GTK3 theme plugin: would pull the build machine's GTK into the bundle;
    # the xdgdesktopportal theme gives native dialogs on GNOME and KDE instead.
    r"PySide6/(Qt/)?plugins/platformthemes/libqgtk3\.",
    # Image formats the viewer never opens (PNG is built into QtGui). The PDF
    # one alone would pull libQt6Pdf.
    r"PySide6/(Qt/)?plugins/imageformats/(lib)?q(pdf|tiff|webp|tga|wbmp|icns|jpeg|gif)\.",
    r"PySide6/(Qt/)?plugins/(networkinformation|tls|sqldrivers|qmltooling|designer|printsupport)/",
    # Their libraries, as named on Linux (Qt/lib/libQt6X.so), Windows
    # (Qt6X.dll) and macOS (Qt/lib/QtX.framework).
    r"PySide6/(Qt/lib/)?(lib)?Qt6?(Pdf|Quick|Qml|Designer|Network|Sql|Test|Concurrent|PrintSupport"
    r"|WaylandCompositor)",
    # PyArrow's C++ headers, Cython sources and tests; and the libraries behind
    # the modules excluded above.
    r"pyarrow/(include|src|tests)/",
    r"pyarrow/.*\.(pxd|pyx|pxi|h|hpp|cc)$",
    r"(^|/)libarrow_(flight|s3|gandiva|cuda)\.",
    # Installers' bookkeeping; the versions About reads are in METADATA.
    r"\.dist-info/RECORD$",
    # Libraries every desktop Linux has and whose system copy must be used:
    # they read the system's configuration or talk to its daemons (fonts,
    # X server, D-Bus, GLib), or are the C++ runtime, which is backwards
    # compatible and at least as new on any distribution the manylinux wheels
    # support. Bundling the build machine's copies is what breaks fonts and
    # input on other distributions. The .deb declares them as dependencies.
    # The xcb extension libraries stay bundled: stock desktops often lack
    # libxcb-cursor & co, which Qt's xcb plugin needs.
    r"^lib(X11|X11-xcb|Xau|Xdmcp|fontconfig|freetype|expat|png16|brotli\w*|dbus-1"
    r"|glib-2\.0|gthread-2\.0|pcre2-8|stdc\+\+|gcc_s|z)\.so",
    r"(^|/)libarrow_python_flight\.",
    # The wheel holds three identical copies of libarrow_python; the soname
    # (.so.2600) is the one the extension modules load.
    r"pyarrow/libarrow_python\.so(\.\d+\.\d+\.\d+)?$",
]
_DROPPED_RE = re.compile("|".join(f"(?:{p})" for p in DROPPED))


def dropped(entry: Entry) -> bool:
    """Whether the build leaves ``entry`` out (its destination matches DROPPED)."""
    return bool(_DROPPED_RE.search(entry[0].replace(os.sep, "/")))


def prune_orphans(binaries: list[Entry], dropped: list[Entry]) -> list[Entry]:
    """Binaries minus the libraries that only the dropped ones needed.

    PyInstaller resolved every collected library's dependencies before the
    filter above ran, so dropping a plugin leaves its private dependencies
    behind (the GTK theme plugin alone pulls in GTK's cairo/pango stack). Keep
    exactly what PyInstaller would have collected without the dropped files:
    a library goes when a dropped file needs it, directly or not, and no kept
    one does. Direct dependencies (ELF NEEDED) are read with objdump, which
    `strip` comes with; ldd would list indirect ones through dropped files
    too. Linux only: elsewhere the few dropped plugins have no private
    dependencies worth the risk.
    """
    if not sys.platform.startswith("linux"):
        return binaries
    import subprocess

    entries = [e for e in binaries + dropped if e[2] != "SYMLINK"]
    by_name: dict[str, str] = {}
    for dest, src, _kind in entries:
        by_name.setdefault(os.path.basename(src), dest)
        by_name.setdefault(os.path.basename(dest), dest)
    source = {dest: src for dest, src, _kind in entries}

    def needed(dest: str) -> set[str]:
        out = subprocess.run(
            ["objdump", "-p", source[dest]], capture_output=True, text=True, check=False
        ).stdout
        names = (line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED"))
        return {by_name[n] for n in names if n in by_name}

    def closure(start: Iterable[str], blocked: frozenset[str] = frozenset()) -> set[str]:
        seen: set[str] = set()
        todo = [d for d in start if d not in blocked]
        while todo:
            dest = todo.pop()
            if dest not in seen:
                seen.add(dest)
                todo.extend(d for d in needed(dest) if d not in blocked)
        return seen

    dropped_dests = {e[0] for e in dropped if e[2] != "SYMLINK"}
    kept_dests = [e[0] for e in binaries if e[2] != "SYMLINK"]
    from_dropped = closure(dropped_dests) - dropped_dests
    # What the kept files need without passing through a dropped one: a
    # dropped library's own dependencies must not be kept on its account.
    roots = [d for d in kept_dests if d not in from_dropped]
    still_needed = closure(roots, blocked=frozenset(dropped_dests))
    orphans = from_dropped - still_needed
    print(f"bundle_policy: pruned {len(orphans)} orphaned libraries: {', '.join(sorted(orphans))}")
    return [e for e in binaries if e[0] not in orphans]


def without_dangling_links(toc: list[Entry], files: list[Entry]) -> list[Entry]:
    """``toc`` less the symbolic links (PyInstaller lists them among the datas)
    whose target is not among ``files``."""
    present = {os.path.normpath(e[0]) for e in files if e[2] != "SYMLINK"}
    return [
        e
        for e in toc
        if e[2] != "SYMLINK"
        or os.path.normpath(os.path.join(os.path.dirname(e[0]), e[1])) in present
    ]
