"""The viewer opening a sealed workspace (workspace/seal.py): the sealed verdict, states and
banner as when it was verified, without verifying again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import store_session as loader
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.window import shown_window

KEY = signer()


def _open(qtbot: Any, w: MainWindow, path: Path) -> str:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000) as sig:
        w.open_paths([str(path)], trust=[KEY.verifier_string])
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    return str(sig.args[0])


def _verdict(w: MainWindow) -> tuple[str, str, int]:
    assert w.session is not None
    verified = w.session.view(FilterState(query="status:verified")).count()
    return w.banner.status.text(), w.banner.detail.text(), verified


def test_the_viewer_shows_a_sealed_workspace_with_its_sealed_verdict(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    bundle = write_bundle(
        tmp_path / "bundle", [make_entry(i) for i in range(40)], checkpoint_sizes=[16, 32], key=KEY
    )
    w = shown_window(qtbot, load_session)
    assert _open(qtbot, w, bundle) == "incomplete"
    verdict = _verdict(w)
    assert verdict[0] == "Incomplete" and verdict[2] == 32
    # The first opening remembered the checkpoints, which the second verifies with (and seals).
    assert _open(qtbot, w, bundle) == "incomplete"
    assert not getattr(w.session, "sealed", True)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sealed workspace was verified again")

    monkeypatch.setattr(loader, "verify_with_memory", refused)
    monkeypatch.setattr(loader, "verify_workspace", refused)
    assert _open(qtbot, w, bundle) == "incomplete"
    assert getattr(w.session, "sealed", False)
    assert _verdict(w) == verdict
