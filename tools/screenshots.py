#!/usr/bin/env python3
"""Render screenshots of the viewer's main views into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--out DIR] [--only NAME ...]

``--only`` saves just the named pictures (the others are still rendered on the way).

Uses the real loader on the demo bundle and the spec vectors in
tests/vectors/data; settings and trust store are temporary, so nothing of
the person's own configuration is read or changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors" / "data"
VECTOR_KEY = (
    "audit.heroiclabs.example/org/acme-games+712495bc+AY+gnFtM15bABLz0XJHj2ZzhZwEMVI59VpqhpvlrRNuy"
)
SIZE = (1600, 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=None, help="names of the pictures to save")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="auditviewer-shots-"))
    os.environ["AUDITVIEWER_TRUST_STORE"] = str(tmp / "trusted.keys")
    os.environ["AUDITVIEWER_CACHE_DIR"] = str(tmp / "cache")
    os.environ["AUDITVIEWER_DATA_DIR"] = str(tmp / "data")  # remembered checkpoints, case notes
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")  # the viewer's settings (make_settings)
    os.environ["AUDITVIEWER_AUTHOR"] = "hana"  # who wrote the case notes shown
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from auditviewer.ui.app import demo_paths
    from auditviewer.ui.main_window import MainWindow, make_settings
    from auditviewer.ui.models.table_model import COL_SEQ
    from auditviewer.workspace.store_session import load_session

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AuditViewer")

    def settle(ms: int = 150) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_loaded(w: MainWindow) -> str:
        result: list[str] = []
        loop = QEventLoop()
        w.loadFinished.connect(lambda s: (result.append(s), loop.quit()))
        QTimer.singleShot(120_000, loop.quit)
        loop.exec()
        return result[0] if result else "timeout"

    def idle(w: MainWindow) -> None:
        while not w.is_idle():
            settle(20)

    def entry_shown(w: MainWindow, row: int) -> None:
        for _ in range(200):
            seq = w.model.seq_at(row)
            shown = w.pane.entry()
            if seq is not None and shown is not None and shown.get("seq") == seq:
                return
            settle(10)

    def save(widget: Any, name: str) -> None:
        if args.only is not None and name not in args.only:
            return
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        print(path)

    def shot(w: MainWindow, name: str) -> None:
        idle(w)
        settle()
        save(w, name)

    w = MainWindow(load_session, demo_paths=demo_paths, settings=make_settings())
    w.resize(*SIZE)
    w.reset_layout()  # the splitters as a first start at this size has them
    w.show()
    shot(w, "start-page")

    w.open_demo()
    print("demo:", wait_loaded(w))
    w.search.set_text("action:Update")
    idle(w)
    model = w.model
    for row in range(min(model.rowCount(), 400)):
        w.table.selectRow(row)
        entry_shown(w, row)
        if w.pane.diff.has_changes() and len(w.pane.diff.model.changes()) >= 2:
            break
    shot(w, "organization-log")

    dialog = w.open_export()
    assert dialog is not None
    while dialog.is_busy():
        settle(20)
    dialog.path_edit.setText(str(Path.home() / "acme-games-slice.zip"))
    settle()
    save(dialog, "export-dialog")
    dialog.reject()

    # The same in the dark theme (ui/theme.py), then back to the system's.
    from auditviewer.ui.theme import DARK, SYSTEM, apply_theme

    apply_theme(app, DARK)
    shot(w, "organization-log-dark")
    apply_theme(app, SYSTEM)

    tree = w.scope_tree.scope_model
    org = tree.index(0, 0)
    title = tree.index(0, 0, org)
    for r in range(tree.rowCount(title)):
        group = tree.index(r, 0, title)
        if group.data() == "Deployments":
            w.scope_tree.expand(group)
            w.scope_tree.setCurrentIndex(tree.index(0, 0, group))
            break
    w.search.set_text("")
    idle(w)
    w.table.selectRow(0)
    entry_shown(w, 0)
    shot(w, "deployment-history")

    w.search.set_text('category:"Nakama Deployment" (action:Update')
    w.search.help_button.setChecked(True)
    shot(w, "search-error-and-help")
    w.search.help_button.setChecked(False)
    w.clear_filters()

    w.open_paths([str(VECTORS / "modified-entry")], trust=[VECTOR_KEY], remember=False)
    print("modified-entry:", wait_loaded(w))
    w.set_column_visible(COL_SEQ, True)
    w.show_report()
    fm = w.integrity.findings_model
    for r in range(fm.rowCount()):
        if fm.finding(r).kind == "chain_mismatch":
            w.integrity.findings.selectRow(r)
    shot(w, "tampered-bundle-report")
    for r in range(fm.rowCount()):
        if fm.finding(r).kind == "chain_mismatch":
            w.integrity.findings.activated.emit(fm.index(r, 0))
            break
    w.right.setCurrentWidget(w.integrity)
    shot(w, "tampered-entries")

    w.open_paths([str(VECTORS / "valid-jsonl")], remember=False)
    print("untrusted:", wait_loaded(w))
    w.show_report()
    shot(w, "untrusted-key")

    # Remembered checkpoints: a log seen once, then a rewritten history of it (a fork).
    from tests.helpers.bundle_builder import make_entry, signer, write_bundle

    key = signer()
    leaves = [make_entry(i) for i in range(50)]
    original = write_bundle(tmp / "original", leaves, checkpoint_sizes=[16, 32, 50], key=key)
    leaves[20] = make_entry(20, note="rewritten")
    rewritten = write_bundle(tmp / "rewritten", leaves, checkpoint_sizes=[16, 32, 50], key=key)
    for bundle in (original, rewritten):
        w.open_paths([str(bundle)], trust=[key.verifier_string], remember=False)
        print(bundle.name + ":", wait_loaded(w))
    w.show_report()
    fm = w.integrity.findings_model
    for r in range(fm.rowCount()):
        if fm.finding(r).kind == "fork":
            w.integrity.findings.selectRow(r)
            break
    shot(w, "fork-report")

    # A plain export: no integrity data, said in a neutral colour.
    w.open_paths([str(VECTORS / "dashboard-export.json")], remember=False)
    print("plain export:", wait_loaded(w))
    w.show_report()
    shot(w, "plain-export")

    # Malformed lines as rows (issue 13, defect 8): after the entries, ⊘, their bytes escaped.
    leaves = [make_entry(i) for i in range(200)]
    hostile = b'{"seq":149, "note":\x1b[2J "\xe2\x80\xaerevoked" \xff\xfe}'
    lines = [*leaves[:149], hostile, *leaves[149:180], b' ' + leaves[180], *leaves[180:]]
    broken = write_bundle(tmp / "malformed", leaves, checkpoint_sizes=[200], key=key, entry_lines=lines)
    w.open_paths([str(broken)], trust=[key.verifier_string], remember=False)
    print("malformed:", wait_loaded(w))
    w.table.sortByColumn(COL_SEQ, Qt.SortOrder.AscendingOrder)
    idle(w)
    w.show_entry_pane()
    last = w.model.rowCount() - 2
    w.table.selectRow(last)
    w.table.scrollToBottom()
    idle(w)
    shot(w, "malformed-row")

    w.open_demo()
    print("demo:", wait_loaded(w))
    w.find_bar.open("dragon-prod")
    w.find_bar.find_next()
    w.find_bar.find_next()
    shot(w, "find-highlights")
    w.find_bar.close_find()

    # Columns of choice (ui/window/columns.py): a metadata column, the header's menu.
    w.columns.add_meta_column(("image", "after"))
    w.search.set_text("meta.image.after:*")
    idle(w)
    w.show_entry_pane()
    w.table.selectRow(0)
    entry_shown(w, 0)
    shot(w, "metadata-column")
    menus: list[Any] = []
    w.columns.popup = lambda menu, at: menus.append(menu)  # type: ignore[method-assign]
    w.entries.header_menu(w.table.horizontalHeader().rect().center())
    menus[0].popup(w.mapToGlobal(w.rect().center()))
    settle()
    save(menus[0], "header-menu")
    menus[0].close()
    w.columns.remove_meta_column(("image", "after"))

    # Case work (issue 14): tags, a star and a note on entries, the Tags facet and column,
    # the Case notes tab; then the tag editor on a selection.
    from PySide6.QtCore import QItemSelectionModel

    w.search.set_text("type:nakama_deployment action:Update")
    idle(w)

    def select_rows(rows: list[int]) -> None:
        flags = QItemSelectionModel.SelectionFlag
        selection = w.table.selectionModel()
        for i, row in enumerate(rows):
            selection.select(w.model.index(row, 0), (flags.ClearAndSelect if i == 0 else flags.Select) | flags.Rows)
        selection.setCurrentIndex(w.model.index(rows[0], 1), flags.NoUpdate)

    for rows, words in (([1, 2, 4], "rollout-incident image-change"), ([2, 6], "exfil-suspect"), ([9], "reviewed")):
        select_rows(rows)
        editor = w.casework.edit_tags(exec_dialog=False)
        assert editor is not None
        editor.edit.setText(words)
        editor.accept()
        idle(w)
    select_rows([2])
    w.casework.toggle_star()
    note = w.casework.edit_note(exec_dialog=False)
    assert note is not None
    note.edit.setPlainText("Image moved to a 3.22 build outside the change window; same actor as the bucket change.")
    note.accept()
    idle(w)
    w.search.set_text("")
    idle(w)
    w.casework.tag_facet.model.set_checked({"rollout-incident"})
    idle(w)
    w.table.selectRow(1)
    entry_shown(w, 1)
    w.casework.show_current()
    w.right.setCurrentWidget(w.casework.panel)
    shot(w, "case-notes-tags-facet")

    w.casework.tag_facet.model.set_checked(set())
    idle(w)
    select_rows([0, 1, 2])
    editor = w.casework.edit_tags(exec_dialog=False)
    assert editor is not None
    editor.edit.setText("lateral-movement ro")
    editor.show()
    editor.edit.setFocus()
    editor.completer.setCompletionPrefix("ro")
    editor.completer.complete()
    settle()
    path = args.out / "tag-editor.png"
    # The popup is a window of its own: painted onto the dialog's picture where it opened.
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    picture = editor.grab()
    popup = editor.completer.popup()
    painter = QPainter(picture)
    painter.drawPixmap(editor.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    picture.save(str(path))
    print(path)
    editor.reject()

    # The search history (Up/Down, and the ▾ list of recent searches).
    for query in ("actor:juergen*", "tag:rollout-* -starred:yes", 'meta.image.after:*3.22*', "note:public", "starred:yes"):
        w.search.set_text(query)
        idle(w)
    menu = w.search.history_menu
    button = w.search.history_button
    w.search._fill_history_menu()
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    settle()
    picture = w.grab()
    painter = QPainter(picture)
    # Where it opens on a real screen, under the arrow (the offscreen screen is too small for it).
    corner = w.mapFromGlobal(button.mapToGlobal(button.rect().bottomRight()))
    painter.drawPixmap(QPoint(corner.x() - menu.width() + 1, corner.y() + 1), menu.grab())
    painter.end()
    path = args.out / "search-history.png"
    picture.save(str(path))
    print(path)
    menu.hide()
    w.close()

    # A first start in a 1280 x 800 window: the log has the width, the empty pane is closed.
    from auditviewer.ui.widgets.workspace_tabs import WorkspaceTabs

    def fresh_window() -> MainWindow:
        return MainWindow(load_session, demo_paths=demo_paths, settings=make_settings())

    (tmp / "config").mkdir(exist_ok=True)
    for leftover in (tmp / "config").rglob("viewer.ini"):
        leftover.unlink()
    first = fresh_window()
    first.resize(1280, 800)
    first.reset_layout()
    first.show()
    first.open_demo()
    print("demo:", wait_loaded(first))
    shot(first, "first-start-1280x800")

    # Two workspaces in tabs: the demo and a tampered bundle.
    host = WorkspaceTabs(fresh_window, first)
    host.resize(1280, 800)
    host.show()
    second = host.add_tab(fresh_window())
    second.open_paths([str(VECTORS / "modified-entry")], trust=[VECTOR_KEY], remember=False)
    print("modified-entry:", wait_loaded(second))
    idle(second)
    settle(300)
    save(host, "two-tabs")
    apply_theme(app, DARK)
    host.tabs.setCurrentWidget(first)
    idle(first)
    settle(300)
    save(host, "two-tabs-dark")
    apply_theme(app, SYSTEM)
    host.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
