"""Remembered checkpoints in the viewer (rollback, forks, evidence, forgetting,
the preference) and files that fail mid-load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditviewer.core.paths import data_dir
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.ui.dialogs.preferences import PreferencesDialog
from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace import store_session as loader_module
from auditviewer.workspace.store_session import is_demo_origin, load_session
from tests.helpers.bundle_builder import ORIGIN, make_entry, refresh_manifest, signer, write_bundle
from tests.helpers.window import shown_window

KEY = signer()
LEAVES = [make_entry(i) for i in range(50)]


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def load(qtbot: Any, w: MainWindow, path: Path) -> str:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000) as sig:
        w.open_paths([str(path)], trust=[KEY.verifier_string])
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    return str(sig.args[0])


def kinds(w: MainWindow) -> set[str]:
    assert w.report is not None
    return {f.kind for f in w.report.findings}


def test_memory_is_isolated_per_test(tmp_path: Path) -> None:
    assert data_dir() == tmp_path / "data"  # tests/unit/ui/conftest.py: a data folder per test
    assert not CheckpointMemory().origins()


def test_older_export_continues_rewritten_is_a_fork_and_forget_clears_it(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    full = write_bundle(tmp_path / "full", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY)
    assert load(qtbot, window, full) == "verified"
    [summary] = CheckpointMemory().origins()  # remembered on the worker thread
    assert summary.origin == ORIGIN and summary.largest_size == 50
    assert window.menus.forget_action.isEnabled()
    assert not window.menus.evidence_action.isEnabled()
    assert not window.integrity.save_evidence.isVisible()

    older = write_bundle(tmp_path / "older", LEAVES[:32], checkpoint_sizes=[16, 32], key=KEY)
    assert load(qtbot, window, older) == "verified"
    assert "log_continues" in kinds(window)
    window.show_report()
    assert any("seen at size 50" in window.integrity.findings_model.finding(r).message
               for r in range(window.integrity.findings_model.rowCount()))

    rewritten_leaves = list(LEAVES)
    rewritten_leaves[20] = make_entry(20, note="rewritten")
    rewritten = write_bundle(tmp_path / "rewritten", rewritten_leaves,
                             checkpoint_sizes=[16, 32, 50], key=KEY)
    assert load(qtbot, window, rewritten) == "failed"
    assert "fork" in kinds(window)
    assert window.menus.evidence_action.isEnabled()
    assert window.integrity.save_evidence.isVisible()
    evidence = window.reports.save_fork_evidence(str(tmp_path / "evidence.json"))
    assert evidence is not None
    saved = json.loads(Path(evidence).read_text())
    assert saved["origin"] == ORIGIN and {f["size"] for f in saved["forks"]} == {32, 50}
    assert all(len(f["notes"]) == 2 for f in saved["forks"])

    # Forget: confirmed, then verified again without the memory.
    from PySide6.QtWidgets import QMessageBox

    assert window.menus.forget_action.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert window.trust.forget_log() is None
    assert CheckpointMemory().origins()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as sig:
        assert window.trust.forget_log() == 3
    assert sig.args == ["verified"]
    assert "fork" not in kinds(window)
    assert not window.integrity.save_evidence.isVisible()
    assert window.paths == [str(rewritten)]


def test_preference_off_remembers_nothing(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    dialog = PreferencesDialog(window.settings, window)
    qtbot.addWidget(dialog)
    assert dialog.remember.isChecked()  # on by default
    dialog.remember.setChecked(False)
    dialog.accept()
    assert window.trust.checkpoint_memory() is None
    full = write_bundle(tmp_path / "full", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY)
    assert load(qtbot, window, full) == "verified"
    assert not CheckpointMemory().origins()
    assert PreferencesDialog(window.settings, window).remember.isChecked() is False


def test_demo_origins_are_never_remembered() -> None:
    from auditviewer.demo import DEFAULT_ORIGIN, sample_origin

    assert is_demo_origin(DEFAULT_ORIGIN)
    assert is_demo_origin(sample_origin(entries=100, seed=1))
    assert not is_demo_origin(ORIGIN)
    assert not is_demo_origin(None)


def test_memory_problems_are_shown(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    memory = CheckpointMemory()
    path = memory.path_for(ORIGIN)
    path.parent.mkdir(parents=True)
    path.write_text("not what the memory writes\n")
    full = write_bundle(tmp_path / "full", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY)
    assert load(qtbot, window, full) == "verified"
    assert window.banner.notes.isVisible()
    assert "Remembered checkpoints:" in window.banner.notes.text()
    assert "corrupt" in window.banner.notes.text()
    assert "Remembered checkpoints:" in window.status_label.text()


def _two_file_bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(20)]
    folder = write_bundle(tmp_path / "two", leaves, checkpoint_sizes=[10, 20], key=KEY)
    entries = folder / "entries"
    (entries / "part-00000.jsonl").write_bytes(b"".join(x + b"\n" for x in leaves[:10]))
    (entries / "part-00001.jsonl").write_bytes(b"".join(x + b"\n" for x in leaves[10:]))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"].append(dict(manifest["files"][0], path="entries/part-00001.jsonl"))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(folder)
    return folder


def test_a_file_vanishing_mid_load_is_named_and_the_rest_is_kept(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    folder = _two_file_bundle(tmp_path)
    real = loader_module.store_rows

    def store_rows(batch: Any) -> Any:
        # The second file disappears after the first has been read.
        (folder / "entries" / "part-00001.jsonl").unlink(missing_ok=True)
        return real(batch)

    monkeypatch.setattr(loader_module, "store_rows", store_rows)
    assert load(qtbot, window, folder) == "failed"
    assert window.session is not None and window.session.total() == 10
    assert window.model.rowCount() == 10
    assert "missing_file" in kinds(window)
    notes = window.banner.notes.text()
    assert window.banner.notes.isVisible() and "part-00001.jsonl" in notes
    assert len([line for line in notes.splitlines() if line.startswith("⚠")]) == 1
    assert "part-00001.jsonl" in window.status_label.text()
    # The next opening has no stale notes.
    assert load(qtbot, window, write_bundle(tmp_path / "ok", LEAVES, checkpoint_sizes=[50],
                                            key=KEY)) == "verified"
    assert not window.banner.notes.isVisible()


def test_recognising_the_demo_does_not_import_the_sample_generator() -> None:
    # The loader asks at the end of every load, on its thread: importing auditviewer.demo
    # (and nacl) there held the GIL for ~60 ms, a GUI stall.
    import subprocess
    import sys

    code = (
        "import sys; from auditviewer.workspace.store_session import is_demo_origin; "
        "assert is_demo_origin('audit.heroiclabs.example/org/acme-games-demo'); "
        "assert 'auditviewer.demo' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
