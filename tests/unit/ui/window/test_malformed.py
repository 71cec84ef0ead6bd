"""A malformed line is not silently absent (issue 13, defect 8, in part): its finding,
double-clicked, shows the line's raw bytes, escaped, read off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditviewer.core.display import bytes_text
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.window.malformed import RawLineDialog
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.window import shown_window

BAD = b'{"seq":\x1b[2J "oops" \xff'


def test_a_malformed_lines_finding_shows_its_raw_bytes(qtbot: Any, tmp_path: Path) -> None:
    key = signer()
    leaves = [make_entry(i) for i in range(6)]
    lines = [*leaves[:3], BAD, *leaves[3:]]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[6], key=key, entry_lines=lines)
    w: MainWindow = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(bundle)], trust=[key.verifier_string], remember=False)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    model = w.integrity.findings_model
    rows = [r for r in range(model.rowCount()) if model.finding(r).kind == "malformed_entry"]
    assert rows, "the malformed line has its finding"
    finding = model.finding(rows[0])
    assert finding.line == 4 and finding.seq is None
    w.integrity.findings.activated.emit(model.index(rows[0], 0))
    qtbot.waitUntil(lambda: w.malformed.dialog is not None, timeout=10_000)
    dialog = w.malformed.dialog
    assert isinstance(dialog, RawLineDialog)
    text = dialog.text.toPlainText()
    assert text == bytes_text(BAD)
    assert "\x1b" not in text and "\\u001b[2J" in text  # every byte visible, nothing acted on
    assert "Line 4" in dialog.windowTitle()
    dialog.close()


def test_the_line_is_shown_from_what_the_reader_handed_on(qtbot: Any, tmp_path: Path) -> None:
    key = signer()
    leaves = [make_entry(i) for i in range(6)]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[6], key=key,
                          entry_lines=[*leaves[:3], BAD, *leaves[3:]])
    w: MainWindow = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(bundle)], trust=[key.verifier_string], remember=False)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    for path in bundle.rglob("*.jsonl*"):
        path.unlink()  # the file is not read again: its bytes came with the finding's problem
    model = w.integrity.findings_model
    row = next(r for r in range(model.rowCount()) if model.finding(r).kind == "malformed_entry")
    w.integrity.findings.activated.emit(model.index(row, 0))
    dialog = w.malformed.dialog  # at once: no thread, no read
    assert isinstance(dialog, RawLineDialog)
    assert dialog.text.toPlainText() == bytes_text(BAD)
    dialog.close()


def test_a_stale_read_is_dropped_when_another_workspace_opens(qtbot: Any, tmp_path: Path) -> None:
    w: MainWindow = shown_window(qtbot, load_session)
    w.malformed.generation = 5
    w.malformed._line_read(object(), "late", 4)  # type: ignore[arg-type]
    assert w.malformed.dialog is None
    w.malformed._line_read(object(), "cannot be read", 5)  # type: ignore[arg-type]
    assert "Could not read the line: cannot be read" in w.status_label.text()
