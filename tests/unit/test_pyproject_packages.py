"""A wheel holds every package: setup.py's discovery finds each folder of auditviewer/.

The list is found, never written by hand (a hand list once left out
``auditviewer.ui.dialogs`` and every installed viewer died on start, issue 10);
this checks, without building a wheel, that the discovery setup.py runs finds
every package a checkout imports, and that pyproject.toml has no hand list
again. ``tests/packaging/test_installed_wheel.py`` checks the built wheel itself.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_found_by_setup_py_discovery() -> None:
    packages = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "auditviewer").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert "auditviewer.integrity.memory" in packages and "auditviewer.ui.dialogs" in packages
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        found = set(find_namespace_packages(include=["auditviewer", "auditviewer.*"]))
    finally:
        os.chdir(cwd)
    assert packages - found == set()
    assert "find_namespace_packages" in (ROOT / "setup.py").read_text(encoding="utf-8")


def test_pyproject_lists_no_packages_by_hand() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "packages" not in setuptools
