"""One naming convention for Qt signals: camelCase, as Qt's own (``textChanged``).

Methods, slots and callbacks are snake_case, so a signal is never named like
the function it is connected to (``_fetchPage`` → ``fetch_page``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

from PySide6.QtCore import Signal

import auditviewer.ui

SIGNAL_NAME = re.compile(r"_?[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*")


def ui_signals() -> list[tuple[str, str]]:
    found = []
    for info in pkgutil.walk_packages(auditviewer.ui.__path__, "auditviewer.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name, value in vars(cls).items():
                if isinstance(value, Signal):
                    found.append((f"{cls.__module__}.{cls.__qualname__}", name))
    return found


def test_the_viewer_declares_signals() -> None:
    names = {name for _, name in ui_signals()}
    assert {"loadFinished", "rowsStored", "queryApplied"} <= names


def test_every_signal_is_camel_case() -> None:
    bad = [f"{owner}.{name}" for owner, name in ui_signals() if not SIGNAL_NAME.fullmatch(name)]
    assert not bad, bad


def test_no_attribute_is_named_like_a_signal() -> None:
    # A callback held in an attribute (``self.sortRequested = None``, set by the window)
    # reads as a signal and is not one: make it a Signal, or name it snake_case.
    import ast
    from pathlib import Path

    root = Path(auditviewer.ui.__path__[0])
    camel = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+")
    bad = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                    and camel.fullmatch(target.attr)
                ):
                    bad.append(f"{path.relative_to(root)}:{node.lineno} self.{target.attr}")
    assert not bad, bad
