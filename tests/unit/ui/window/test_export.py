"""The export dialog's source is built by the window's export controller (not by the
workspace session, which sits below export/): once per session, forgotten on close."""

from __future__ import annotations

from typing import Any

from auditviewer.export.source import ExportSource
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window


def test_the_source_is_built_once_per_session_and_forgotten_on_close(qtbot: Any) -> None:
    window = shown_window(qtbot, load_session)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000):
        window.open_paths([str(VECTORS / "valid-jsonl")], trust=[VECTOR_KEY], remember=False)
    session = window.session
    source = window.export.source_of(session)
    assert isinstance(source, ExportSource)
    assert window.export.source_of(session) is source  # hashing the leaves again is a second per million
    assert not hasattr(session, "export_source")
    window.close_workspace()
    assert window.export._built is None
