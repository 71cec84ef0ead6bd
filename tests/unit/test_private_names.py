"""A module's underscore names are its own (issue 15): what modules share has a public name.

Read from the source: ``from auditviewer.x import _name`` reaches into another
module's privates, so a change there breaks a reader elsewhere unseen. A private
module imported whole (``ui/_pyside_fixes.py``, applied on import) is not a name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import auditviewer

ROOT = Path(auditviewer.__path__[0])


def _private_imports() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("auditviewer"):
                continue
            for alias in node.names:
                if not alias.name.startswith("_") or alias.name.startswith("__"):
                    continue
                if (ROOT.parent / (node.module or "").replace(".", "/") / f"{alias.name}.py").exists():
                    continue  # a module, imported for its effect
                found.append((module, node.module or "", alias.name))
    return found


def test_no_module_imports_another_modules_underscore_names() -> None:
    assert _private_imports() == []
