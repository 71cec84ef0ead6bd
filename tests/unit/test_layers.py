"""The package layout's one rule: a package imports only packages below it (docs/architecture.md).

Read from the source (every ``import`` and ``from … import``, lazy ones included),
so a module placed in the wrong package, or an upward import, fails here. The few
upward imports the layout still has are listed by module, with the phase-2 step
that removes them; the list may only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import auditviewer

ROOT = Path(auditviewer.__path__[0])

#: package → the packages it may import (besides itself and ``auditviewer.__version__``).
ALLOWED: dict[str, set[str]] = {
    "core": {"_native"},
    "query": {"core"},
    "input": {"core"},
    "integrity": {"core", "input"},
    "store": {"core", "query"},
    # query/ stands beside store/ (which compiles its filters with it): the session
    # checks a search text before building a view.
    "workspace": {"core", "input", "integrity", "store", "query"},
    "export": {"core", "input", "integrity", "store", "workspace"},
    "demo": {"core", "integrity"},
    "casework": {"core", "input", "integrity", "store", "query", "workspace"},
    "cli": {"core", "input", "integrity", "store", "query", "workspace", "export", "demo", "casework", "ui"},
    "ui": {"core", "input", "integrity", "store", "query", "workspace", "export", "demo", "casework"},
    "__main__": {"cli"},
}

#: (module, package it imports) still upward, and the phase-2 step that removes each.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _package(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "auditviewer":
                names = [f"auditviewer.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "auditviewer" and len(parts) > 1 and parts[1] != "__version__":
                found.add(parts[1])
    return found


def upward_imports() -> set[tuple[str, str]]:
    bad = set()
    for path in sorted(ROOT.rglob("*.py")):
        if path.parent == ROOT and path.name == "__init__.py":
            continue
        package = _package(path)
        for imported in _imported_packages(path) - {package} - ALLOWED[package]:
            bad.add((path.relative_to(ROOT.parent).as_posix(), imported))
    return bad


def test_every_package_has_its_place() -> None:
    top = {_package(p) for p in ROOT.glob("*") if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert top - {"__init__", "_native"} == set(ALLOWED)


def test_packages_import_only_packages_below_them() -> None:
    assert upward_imports() - KNOWN_UPWARD == set()


def test_known_upward_imports_are_still_there() -> None:
    # When one is removed, remove it from KNOWN_UPWARD too: the list only shrinks.
    assert KNOWN_UPWARD - upward_imports() == set()


def test_the_allowed_imports_have_no_cycle() -> None:
    # With the upward imports gone, no two packages import each other (input/ ↔ integrity/ was one).
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            below == goal or (below not in seen and reaches(below, goal, seen | {below}))
            for below in ALLOWED.get(start, set())
        )

    assert [p for p in ALLOWED if reaches(p, p)] == []
    found = {(module.split("/")[1], package) for module, package in upward_imports()}
    assert not any(reaches(package, importer) for importer, package in found - {("workspace", "export")})
