"""Export… through the real loader and store: plan before writing, write in a
worker, confirm before replacing, failures named, cancel, per-resource history."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from auditviewer.core.errors import Cancelled
from auditviewer.ui.dialogs import export as export_dialog
from auditviewer.ui.dialogs.export import ExportDialog, format_choices, with_suffix
from auditviewer.ui.main_window import MainWindow
from auditviewer.workspace.scopes import Scope
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.vectors import VECTOR_KEY, VECTORS
from tests.helpers.window import shown_window

KEY = signer()
LEAVES = [make_entry(i) for i in range(50)]


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "log", LEAVES, checkpoint_sizes=[16, 32, 50], key=KEY)


def load(qtbot: Any, w: MainWindow, paths: list[str], trust: list[str]) -> str:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000) as sig:
        w.open_paths(paths, trust=trust)
    qtbot.waitUntil(w.is_idle, timeout=30_000)
    return str(sig.args[0])


def planned(qtbot: Any, dialog: ExportDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=30_000)
    assert dialog.plan is not None or dialog.error is not None


def export(qtbot: Any, dialog: ExportDialog) -> str:
    with qtbot.waitSignal(dialog.exportFinished, timeout=60_000) as sig:
        dialog.export_button.click()
    return str(sig.args[0])


def test_format_choices_follow_the_core_file_types() -> None:
    choices = format_choices()
    assert [c.fmt for c in choices] == ["bundle", "bundle", "jsonl", "parquet", "csv"]
    assert [c.suffix for c in choices[:2]] == [".zip", ""]
    assert with_suffix("/x/a-slice.zip", ".csv") == "/x/a-slice.csv"
    assert with_suffix("/x/a-slice.zip", "") == "/x/a-slice"
    assert with_suffix("/x/a-slice", ".zip") == "/x/a-slice.zip"


def test_export_the_filtered_view_as_a_bundle(
    qtbot: Any, window: MainWindow, bundle: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    assert not window.menus.export_action.isEnabled()  # nothing open
    window.open_paths([str(bundle)], trust=[KEY.verifier_string])
    assert not window.menus.export_action.isEnabled() and not window.export_button.isEnabled()  # loading
    qtbot.waitSignal(window.loadFinished, timeout=60_000).wait()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert window.menus.export_action.isEnabled()
    assert window.menus.export_action.shortcut().toString() == "Ctrl+E"

    # The whole filter state: a query and a scope.
    window.search.set_text("actor:user1@example.com")
    window.filtering.scope_to(Scope("resource", resource_type="nakama_deployment", resource_id="dep_1",
                          label="dragon-1"))
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    shown = window.model.rowCount()
    expected = [s for s in range(50) if s % 5 == 1 and s % 3 == 1]
    assert shown == len(expected)

    window.menus.export_action.trigger()
    dialog = window.export.dialog
    assert dialog is not None
    planned(qtbot, dialog)
    plan = dialog.plan
    assert plan is not None and plan.entries == shown and plan.format == "bundle"
    assert plan.proof_rows > 0 and plan.checkpoints > 0
    text = dialog.summary_label.text()
    assert f"{shown} entries" in text and "Proof:" in text and "0 failed" in text
    assert not dialog.failed_note.isVisible()
    assert dialog.path_edit.text().endswith(".zip")  # suggest_name
    assert "tests-slice-" in Path(dialog.path_edit.text()).name

    out = tmp_path / "out" / "slice.zip"
    out.parent.mkdir()
    dialog.path_edit.setText(str(out))
    assert export(qtbot, dialog) == "done"
    assert out.is_file()
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("slice/manifest.json"))
    assert "dep_1" in manifest["query"] and "user1@example.com" in manifest["query"]
    assert str(out) in dialog.result_label.text()
    assert dialog.show_folder.isVisible()
    opened: list[str] = []
    monkeypatch.setattr(export_dialog.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    dialog.show_folder.click()
    assert opened == [str(out.parent)]

    # Replacing it needs an explicit yes.
    before = out.stat().st_mtime_ns
    monkeypatch.setattr(ExportDialog, "confirm_replace", lambda self, path: False)
    dialog.export_button.click()
    assert not dialog.is_busy() and out.stat().st_mtime_ns == before
    monkeypatch.setattr(ExportDialog, "confirm_replace", lambda self, path: True)
    assert export(qtbot, dialog) == "done"
    assert out.stat().st_mtime_ns != before

    # A plain format says it carries no proof; the path follows the format.
    dialog.set_format("csv")
    planned(qtbot, dialog)
    assert dialog.path_edit.text() == str(out.with_suffix(".csv"))
    assert "no proof" in dialog.warnings_label.text()
    assert dialog.warnings_label.isVisible()
    assert export(qtbot, dialog) == "done"
    assert len(out.with_suffix(".csv").read_text().splitlines()) == shown + 1
    # a bundle folder
    dialog.set_format("bundle", folder=True)
    planned(qtbot, dialog)
    assert export(qtbot, dialog) == "done"
    assert (out.parent / "slice" / "manifest.json").is_file()


def test_failed_entries_are_exportable_but_said_prominently(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    assert load(qtbot, window, [str(VECTORS / "modified-entry")], [VECTOR_KEY]) == "failed"
    dialog = window.open_export()
    assert dialog is not None
    planned(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.failed_entries == 1024
    assert dialog.failed_note.isVisible()
    assert "1,024" in dialog.failed_note.text() and "FAILED" in dialog.failed_note.text()
    assert "1,024 failed" in dialog.summary_label.text()
    dialog.set_format("jsonl")
    planned(qtbot, dialog)
    dialog.path_edit.setText(str(tmp_path / "all.jsonl"))
    assert export(qtbot, dialog) == "done"
    assert len((tmp_path / "all.jsonl").read_bytes().splitlines()) == 3000


def test_failure_names_the_file_and_cancel_writes_nothing(
    qtbot: Any, window: MainWindow, bundle: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    assert load(qtbot, window, [str(bundle)], [KEY.verifier_string]) == "verified"
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog = window.open_export()
    assert dialog is not None
    planned(qtbot, dialog)
    inside = bundle / "slice.zip"  # an export never lands inside its own input
    dialog.path_edit.setText(str(inside))
    assert export(qtbot, dialog) == "failed"
    assert str(inside) in dialog.result_label.text()
    assert warned and str(inside) in warned[0]
    assert not inside.exists()

    # Cancel stops the worker; nothing is written.
    def slow(*_a: Any, cancelled: Any, **_k: Any) -> Any:
        while not cancelled():
            pass
        raise Cancelled("cancelled")

    monkeypatch.setattr(export_dialog, "export_slice", slow)
    target = tmp_path / "never.zip"
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    assert dialog.is_busy() and dialog.progress.isVisible()
    assert dialog.cancel_button.text() == "Cancel"
    with qtbot.waitSignal(dialog.exportFinished, timeout=30_000) as sig:
        dialog.cancel_button.click()
    assert sig.args == ["cancelled"]
    assert dialog.isVisible()  # cancelling the export does not close the dialog
    assert "nothing was written" in dialog.result_label.text()
    assert not target.exists()


def test_export_one_resources_history(
    qtbot: Any, window: MainWindow, bundle: Path, tmp_path: Path
) -> None:
    assert load(qtbot, window, [str(bundle)], [KEY.verifier_string]) == "verified"
    window.search.set_text("actor:user0@example.com")  # the window's filter is not applied
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    scope = Scope("resource", resource_type="nakama_deployment", resource_id="dep_2",
                  label="nakama_deployment dragon-2")
    dialog = window.open_export(scope)
    assert dialog is not None and "dragon-2" in dialog.windowTitle()
    planned(qtbot, dialog)
    assert dialog.plan is not None
    assert dialog.plan.entries == len([s for s in range(50) if s % 3 == 2])
    dialog.path_edit.setText(str(tmp_path / "dep2.zip"))
    assert export(qtbot, dialog) == "done"
    # Closing the workspace closes the dialog.
    window.close_workspace()
    assert window.export.dialog is None


def test_context_menus_offer_the_resources_history(
    qtbot: Any, window: MainWindow, bundle: Path, monkeypatch: Any
) -> None:
    assert load(qtbot, window, [str(bundle)], [KEY.verifier_string]) == "verified"
    menus: list[list[Any]] = []
    monkeypatch.setattr(window.entries, "popup", lambda menu, at: menus.append(menu.actions()))

    # the table: the row's resource
    window.model.index(0, 0).data()
    qtbot.waitUntil(lambda: window.model.is_loaded(0), timeout=30_000)
    window.entries.table_menu(window.table.visualRect(window.model.index(0, 1)).center())
    act = next(a for a in menus[-1] if a.text() == "Export this resource's history…")
    assert act.isEnabled()
    act.trigger()
    dialog = window.export.dialog
    assert dialog is not None
    planned(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.entries in (16, 17)  # one of dep_0..2
    dialog.reject()

    # the scope tree: a resource node
    tree = window.scope_tree
    model = tree.scope_model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30_000)

    def resource_index() -> Any:
        stack = [model.index(0, 0)]
        while stack:
            idx = stack.pop()
            node = model.node(idx)
            if node.scope is not None and node.scope.kind == "resource":
                return idx
            tree.expand(idx)
            stack.extend(model.index(r, 0, idx) for r in range(model.rowCount(idx)))
        raise AssertionError("no resource node")

    idx = resource_index()
    tree.scrollTo(idx)
    window.entries.scope_menu(tree.visualRect(idx).center())
    act = next(a for a in menus[-1] if a.text() == "Export this resource's history…")
    act.trigger()
    dialog = window.export.dialog
    assert dialog is not None
    planned(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.entries == int(
        idx.siblingAtColumn(1).data().replace(",", "")
    )


def test_export_from_a_zip_input_after_loading_closed_it(
    qtbot: Any, window: MainWindow, bundle: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "log.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(bundle.rglob("*")):
            if f.is_file():
                z.write(f, "log/" + f.relative_to(bundle).as_posix())
    assert load(qtbot, window, [str(archive)], [KEY.verifier_string]) == "verified"
    window.search.set_text("seq:10..20")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    dialog = window.open_export()
    assert dialog is not None
    planned(qtbot, dialog)
    assert dialog.plan is not None and dialog.plan.entries == 11
    out = tmp_path / "part.zip"
    dialog.path_edit.setText(str(out))
    assert export(qtbot, dialog) == "done"
    assert dialog.summary is not None and dialog.summary.slice_status == "verified"
    assert "verified" in dialog.result_label.text()
