"""The ``Session`` Protocol names everything the window uses, so mypy checks it.

The window once reached ``notices``, ``file_errors``, ``memory_problems``,
``can_export`` and ``threaded`` through ``getattr``: a session without them type-checked
and showed nothing. Here mypy is run on small programs: the window's uses check against
the store-backed session and the tests' double, and a session with one of the wrong type is refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import auditviewer.ui.main_window as main_window
import auditviewer.ui.refresher as refresher

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = """
from auditviewer.workspace.session import Session
from auditviewer.workspace.store_session import StoreSession
from tests.helpers.fake_session import FakeSession

def window_uses(s: Session) -> list[str]:
    if s.can_export() and s.threaded:
        return s.notices + s.file_errors + s.memory_problems
    return []

def sessions(real: StoreSession, double: FakeSession) -> None:
    window_uses(real)
    window_uses(double)
"""


def _mypy(program: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "window_uses.py"
    source.write_text(program, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
         "--no-error-summary", str(source)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_the_sessions_provide_what_the_window_uses(tmp_path: Path) -> None:
    result = _mypy(PROGRAM, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_session_with_a_wrong_member_is_refused_by_mypy(tmp_path: Path) -> None:
    incomplete = PROGRAM.replace(
        "def sessions(",
        "class NoMemory(FakeSession):\n"
        "    memory_problems = None  # type: ignore[assignment]\n\n"
        "def refused(s: NoMemory) -> None:\n"
        "    window_uses(s)\n\n"
        "def sessions(",
    )
    result = _mypy(incomplete, tmp_path)
    assert result.returncode == 1
    assert 'expected "Session"' in result.stdout, result.stdout
    assert 'memory_problems: expected "list[str]", got "None"' in result.stdout, result.stdout


def test_the_window_reads_them_as_attributes_not_through_getattr() -> None:
    for module in (main_window, refresher):
        text = Path(module.__file__ or "").read_text(encoding="utf-8")
        assert not re.search(r"getattr\((self\.)?session\b", text), module.__name__
