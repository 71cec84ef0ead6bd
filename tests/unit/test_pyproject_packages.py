"""A wheel holds every package: pyproject.toml's package list names each folder of auditviewer/.

The list is written by hand (until automatic discovery replaces it); a package added
by a split (``integrity/memory/``) and missing there would import in a checkout and
fail in an installed wheel.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_in_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "auditviewer").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = setuptools["packages"]
    if isinstance(listed, dict):  # automatic discovery: it finds them all
        assert listed.get("find") is not None
        return
    assert packages - set(listed) == set()
