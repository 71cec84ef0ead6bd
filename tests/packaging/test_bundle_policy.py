"""The packaged build's exclusion policy (packaging/bundle_policy.py), checked without building.

The smoke test (tests/packaging/smoke.py, run by ``make package``) checks a
real build; these run in every test run and catch the two ways the policy can
go stale between builds: a pattern that starts dropping a library the app
needs, and a module the app starts importing that the build still excludes.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_policy() -> ModuleType:
    # By path: the folder is called "packaging", like the PyPI library.
    spec = importlib.util.spec_from_file_location(
        "bundle_policy", ROOT / "packaging" / "bundle_policy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


policy = _load_policy()

# Destinations as PyInstaller lays them out on Linux, Windows and macOS.
NEEDED = [
    "_duckdb.cpython-311-x86_64-linux-gnu.so",
    "pyarrow/libarrow.so.2600",
    "pyarrow/libarrow_compute.so.2600",
    "pyarrow/libparquet.so.2600",
    "pyarrow/libarrow_substrait.so.2600",
    "pyarrow/libarrow_dataset.so.2600",
    "pyarrow/libarrow_acero.so.2600",
    "pyarrow/libarrow_python.so.2600",
    "pyarrow/lib.cpython-311-x86_64-linux-gnu.so",
    "PySide6/QtCore.abi3.so",
    "PySide6/QtGui.abi3.so",
    "PySide6/QtWidgets.abi3.so",
    "PySide6/Qt/lib/libQt6Core.so.6",
    "PySide6/Qt/lib/libQt6Gui.so.6",
    "PySide6/Qt/lib/libQt6Widgets.so.6",
    "PySide6/Qt/lib/libQt6DBus.so.6",
    "PySide6/Qt/lib/libQt6XcbQpa.so.6",
    "PySide6/Qt/lib/libQt6WaylandClient.so.6",
    "PySide6/Qt/lib/libicudata.so.73",
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/imageformats/libqico.so",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    "PySide6/Qt6Core.dll",
    "PySide6/Qt6Widgets.dll",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "libxcb-cursor.so.0",
    "libxkbcommon.so.0",
    "libzstd.so.1",
    "libcrypto.so.3",
    "libssl.so.3",
    "libpython3.11.so.1.0",
    "nacl/_sodium.abi3.so",
    "auditviewer/resources/auditviewer-64.png",
    "auditviewer/resources/auditviewer.desktop",
]

UNUSED = [
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/translations/qtbase_fr.qm",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/imageformats/libqpdf.so",
    "PySide6/plugins/imageformats/qpdf.dll",
    "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
    "PySide6/Qt/lib/libQt6Network.so.6",
    "PySide6/Qt/lib/libQt6Quick.so.6",
    "PySide6/Qt/lib/libQt6QmlModels.so.6",
    "PySide6/Qt6Pdf.dll",
    "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
    "pyarrow/libarrow_flight.so.2600",
    "pyarrow/libarrow_python.so",
    "pyarrow/include/arrow/api.h",
    "pyarrow/tests/test_array.py",
    "libX11.so.6",
    "libfontconfig.so.1",
    "libdbus-1.so.3",
    "libstdc++.so.6",
    "pyside6_essentials-6.12.0.dist-info/RECORD",
]


@pytest.mark.parametrize("dest", NEEDED)
def test_what_the_app_needs_is_never_dropped(dest: str) -> None:
    assert not policy.dropped((dest, "/src/" + dest, "BINARY"))


@pytest.mark.parametrize("dest", UNUSED)
def test_what_the_app_never_uses_is_dropped(dest: str) -> None:
    assert policy.dropped((dest, "/src/" + dest, "BINARY"))


def _imported_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "auditviewer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def test_no_module_the_app_imports_is_excluded() -> None:
    imported = _imported_modules()
    assert "auditviewer.cli" in imported or "PySide6.QtWidgets" in imported
    clashes = sorted(
        (name, excluded)
        for excluded in policy.EXCLUDED_MODULES
        for name in imported
        if name == excluded or name.startswith(excluded + ".")
    )
    assert not clashes, (
        f"the app imports modules the packaged build excludes: {clashes}; "
        "update EXCLUDED_MODULES in packaging/bundle_policy.py"
    )
    assert not set(policy.RUNTIME_IMPORTS) & set(policy.EXCLUDED_MODULES)


def test_only_the_qt_modules_the_viewer_uses_can_ship() -> None:
    used = {n for n in _imported_modules() if n.startswith("PySide6.Qt")}
    assert used <= {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"}, (
        f"the viewer imports {sorted(used)}: check the size budget and bundle_policy.py"
    )


def test_orphans_of_dropped_files_go_and_shared_ones_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # app.so -> libA -> libD; the dropped plugin -> libA, libB -> libC.
    # libB and libC were collected only for the plugin; libA and libD stay.
    needs = {
        "/s/app.so": ["libA.so"],
        "/s/libA.so": ["libD.so"],
        "/s/libD.so": [],
        "/s/plugin.so": ["libA.so", "libB.so"],
        "/s/libB.so": ["libC.so", "libsystem.so"],
        "/s/libC.so": [],
    }

    def objdump(args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        out = "".join(f"  NEEDED               {n}\n" for n in needs[args[-1]])
        return subprocess.CompletedProcess(args, 0, out, "")

    monkeypatch.setattr(subprocess, "run", objdump)
    monkeypatch.setattr(sys, "platform", "linux")
    kept = [
        (name, f"/s/{name}", "BINARY")
        for name in ("app.so", "libA.so", "libD.so", "libB.so", "libC.so")
    ]
    result = policy.prune_orphans(kept, [("plugin.so", "/s/plugin.so", "BINARY")])
    assert [e[0] for e in result] == ["app.so", "libA.so", "libD.so"]


def test_links_to_removed_files_go() -> None:
    files = [("PySide6/Qt/lib/libQt6Core.so.6", "/s/core", "BINARY")]
    links = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
    ]
    assert policy.without_dangling_links(links, files) == links[:1]
