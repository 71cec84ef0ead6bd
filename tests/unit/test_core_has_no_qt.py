"""The core never imports Qt: everything outside auditviewer/ui must work without PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import auditviewer


def core_modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(auditviewer.__path__, "auditviewer.")
        if not m.name.startswith("auditviewer.ui") and m.name != "auditviewer.__main__"
    )


def test_core_modules_exist() -> None:
    names = core_modules()
    assert "auditviewer.integrity.verify" in names
    assert "auditviewer.cli" in names
    # Found by walking the packages, so modules moved out of ui/ (Qt-free) are covered too.
    assert {
        "auditviewer.core.times",
        "auditviewer.core.display",
        "auditviewer.integrity.report_html",
        "auditviewer.input.formats.jsonl",
        "auditviewer.workspace.loading",
        "auditviewer.store.store",
        "auditviewer.query.parser",
        "auditviewer.query.sql",
        "auditviewer.export.plan",
        "auditviewer.demo.writer",
        "auditviewer.demo.world",
        "auditviewer.demo.events",
        "auditviewer.demo.entries",
        "auditviewer.workspace.scopes",
        "auditviewer.workspace.session",
        "auditviewer.workspace.store_session",
        "auditviewer.workspace.memory",
        "auditviewer.integrity.memory.store",
    } <= set(names)


def test_importing_the_core_does_not_import_pyside6() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_verify_command_imports_neither_qt_nor_duckdb() -> None:
    code = (
        "import sys\n"
        "from auditviewer.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['verify', '--json', {str(auditviewer.__path__[0])!r} + '/../tests/vectors/data/valid-jsonl'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'duckdb'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
