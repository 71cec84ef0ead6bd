"""``ui/main_window.py`` composes and wires (issue 15): dialogs and actions live elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import auditviewer.ui

MAIN_WINDOW = Path(auditviewer.ui.__path__[0]) / "main_window.py"


def test_the_main_window_module_holds_the_window_alone() -> None:
    tree = ast.parse(MAIN_WINDOW.read_text(encoding="utf-8"))
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    assert classes == ["MainWindow"]  # a dialog's home is ui/dialogs/, a controller's ui/window/


def test_the_window_writes_no_file_itself() -> None:
    # Saving is a controller's (ui/window/reports.py), through core/atomic.write_file.
    text = MAIN_WINDOW.read_text(encoding="utf-8")
    assert "write_file" not in text and "def _write" not in text
