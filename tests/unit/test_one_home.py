"""One home for each rule (issue 15): a name that is a rule is defined in one module only.

Read from the source: a module-level assignment, function or class of one of
these names anywhere but its home is a second copy that will drift.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import auditviewer

ROOT = Path(auditviewer.__path__[0])

#: name → the one module that defines it
HOMES = {
    "Progress": "core/progress.py",
    "CancelCheck": "core/progress.py",
    "APP_NAME": "core/about.py",
    "json_text": "core/display.py",
    "cell_text": "core/display.py",
    "plain_tooltip": "core/display.py",
    "format_report": "cli/report_text.py",
    "write_file": "core/atomic.py",
    "parse_rfc3339": "core/times.py",
    "format_rfc3339": "core/times.py",
}


def _definitions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names: list[str] = []
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            for name in names:
                found.setdefault(name, set()).add(module)
    return found


#: Modules folded into another, with their home: importers use the home (no re-export shim left).
FOLDED = {"core/text.py": "core/display.py"}


@pytest.mark.parametrize("folded", sorted(FOLDED))
def test_folded_modules_are_gone_and_imported_from_their_home(folded: str) -> None:
    assert not (ROOT / folded).exists(), f"{folded} is folded into {FOLDED[folded]}"
    dotted = "auditviewer." + folded.removesuffix(".py").replace("/", ".")
    importers = sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if dotted in path.read_text(encoding="utf-8")
    )
    assert importers == []


@pytest.mark.parametrize("name", sorted(HOMES))
def test_defined_once_in_its_home(name: str) -> None:
    assert _definitions().get(name) == {HOMES[name]}


@pytest.mark.parametrize("name", sorted(HOMES))
def test_imported_from_its_home(name: str) -> None:
    # Not through a module that happens to import it: a reader finds the rule where it is.
    home = "auditviewer." + HOMES[name].removesuffix(".py").replace("/", ".")
    detours = set()
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("auditviewer")
                and any(alias.name == name for alias in node.names)
                and node.module != home
            ):
                detours.add((path.relative_to(ROOT).as_posix(), node.module))
    assert not detours


def test_rfc3339_is_read_and_written_only_in_core_times() -> None:
    # One grammar and one format: no second fromisoformat, strptime/strftime of a date-time,
    # or isoformat with its own zone handling (core/times.py; docs/verification.md).
    elsewhere = set()
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module == "core/times.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("fromisoformat", "strptime"):
                elsewhere.add((module, node.attr))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "%Y-%m-%dT" in node.value:
                elsewhere.add((module, node.value))
            if isinstance(node, ast.keyword) and node.arg == "timespec":
                elsewhere.add((module, "isoformat(timespec=…)"))
    assert not elsewhere


def test_the_app_name_is_written_only_in_core_about() -> None:
    # Titles, menus, PDF metadata and log lines say core.about.APP_NAME; docstrings may name it.
    elsewhere = set()
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module == "core/about.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "AuditViewer" in node.value
                and id(node) not in docstrings
                and not node.value.startswith("AuditViewerError")
            ):
                elsewhere.add((module, node.value))
    assert not elsewhere


def test_a_whole_file_is_written_by_write_file_alone() -> None:
    # ``with atomic_output(...) as tmp, SafeFile(tmp) as h: h.write(data)`` is write_file's
    # body: a second copy drifts (its mkdir, its label, its overwrite rule). Writers that
    # stream (exports, the demo, the PDF) keep atomic_output.
    copies = set()
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module == "core/atomic.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.With) or len(node.items) != 2 or len(node.body) != 1:
                continue
            calls = [item.context_expr for item in node.items]
            names = [c.func.id for c in calls if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)]
            if names == ["atomic_output", "SafeFile"]:
                copies.add((module, node.lineno))
    assert not copies
