"""A malformed line is a row of the log (issue 13, defect 8): after the entries, its own
state, its bytes escaped in the entry pane, findable, counted as a row (not an entry),
never annotated, never exported, kept selected across views."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel

from auditviewer.core.display import bytes_text
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.table_model import COL_STATE, COL_SUMMARY
from auditviewer.ui.widgets.json_pane import TAB_CHANGES, TAB_TEXT, TAB_TREE
from auditviewer.ui.window.casework import NOT_ANNOTATABLE
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.window import shown_window
from tests.unit.ui.window.test_casework import select_seqs, settle

KEY = signer()
#: Control characters (an ANSI clear-screen, a bell), a bidi override and bytes that are not UTF-8.
HOSTILE = b'{"seq":\x1b[2J "\xe2\x80\xaeoops" \xff\xfe\x07'
ENTRIES = 6


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> MainWindow:
    leaves = [make_entry(i) for i in range(ENTRIES)]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[ENTRIES], key=KEY,
                          entry_lines=[*leaves[:3], HOSTILE, *leaves[3:]])
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(bundle)], trust=[KEY.verifier_string], remember=False)
    settle(qtbot, w)
    return w


def malformed_row(w: MainWindow) -> int:
    for row in range(w.model.rowCount()):
        r = w.model.row(row, wait=True)
        if r is not None and r.malformed is not None:
            return row
    raise AssertionError("no malformed row")


def select_row(qtbot: Any, w: MainWindow, row: int) -> None:
    flags = QItemSelectionModel.SelectionFlag
    w.table.selectionModel().setCurrentIndex(w.model.index(row, 1), flags.ClearAndSelect | flags.Rows)
    settle(qtbot, w)


def test_the_row_comes_after_the_entries_and_is_counted_as_a_row(window: MainWindow) -> None:
    w = window
    assert w.model.rowCount() == ENTRIES + 1
    assert malformed_row(w) == ENTRIES  # after the entries, whatever the sort
    assert w.count_label.text() == f"Showing {ENTRIES + 1} of {ENTRIES + 1}"
    report = w.session.report if w.session is not None else None
    assert report is not None and report.verified_entries == ENTRIES  # the verdict counts entries


def test_the_entry_pane_shows_its_bytes_escaped(qtbot: Any, window: MainWindow) -> None:
    w = window
    select_row(qtbot, w, malformed_row(w))
    pane = w.pane
    text = pane.text.toPlainText()
    assert "Not an entry" in text and bytes_text(HOSTILE) in text
    for raw in ("\x1b", "\x07", "\u202e", "\ufffd"):
        assert raw not in text
    assert "\\u001b[2J" in text and "\\u202e" in text and "\\xff\\xfe" in text
    assert pane.entry() is None and pane.tree_model.rowCount() == 0  # no JSON tree
    assert not pane.tabs.isTabVisible(TAB_TREE) and not pane.tabs.isTabVisible(TAB_CHANGES)
    assert pane.tabs.currentIndex() == TAB_TEXT
    assert "malformed" in pane.verdict_text() and "verified" not in pane.verdict_text()
    assert "line 4" in pane.subtitle.full_text()
    select_seqs(qtbot, w, [2])  # back to an entry: its tree again
    qtbot.waitUntil(lambda: pane.entry() is not None, timeout=30_000)
    assert pane.tabs.isTabVisible(TAB_TREE) and pane.tabs.currentIndex() != TAB_TEXT


def test_annotating_is_off_on_a_malformed_row_with_a_reason(qtbot: Any, window: MainWindow) -> None:
    w = window
    actions = (w.casework.star_action, w.casework.tags_action, w.casework.note_action)
    assert all(a.isEnabled() for a in actions)
    select_row(qtbot, w, malformed_row(w))
    assert not any(a.isEnabled() for a in actions)
    assert NOT_ANNOTATABLE in w.status_label.full_text()
    w.casework.toggle_star()  # a shortcut that reaches it anyway changes nothing
    assert w.casework.notes is not None and w.casework.notes.by_seq() == {}
    select_seqs(qtbot, w, [1])
    assert all(a.isEnabled() for a in actions)


def test_found_by_status_and_kept_selected_across_views(qtbot: Any, window: MainWindow) -> None:
    w = window
    select_row(qtbot, w, malformed_row(w))
    w.search.set_text("status:malformed")
    settle(qtbot, w)
    assert w.model.rowCount() == 1
    assert w.count_label.text() == f"Showing 1 of {ENTRIES + 1}"
    assert w.table.currentIndex().row() == 0  # the same line, still selected
    w.search.set_text("")
    settle(qtbot, w)
    assert w.table.currentIndex().row() == ENTRIES
    w.search.set_text("actor:*")
    settle(qtbot, w)
    assert w.model.rowCount() == ENTRIES


def test_pivot_and_copy_of_a_malformed_row(qtbot: Any, window: MainWindow) -> None:
    w = window
    row = malformed_row(w)
    assert w.entries.pivot_term(row, COL_STATE) == "status:malformed"
    assert w.entries.pivot_term(row, COL_SUMMARY) is None
    select_row(qtbot, w, row)
    w.table.setCurrentIndex(w.model.index(row, COL_SUMMARY))
    w.entries.copy_current_cell()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == bytes_text(HOSTILE)


def test_a_slice_export_leaves_it_out_and_the_plan_says_so(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    w = window
    w.menus.export_action.trigger()
    dialog = w.export.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert dialog.plan.entries == ENTRIES
    assert "Left out: 1 malformed line" in dialog.summary_label.text()
    out = tmp_path / "slice.zip"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exportFinished, timeout=60_000) as sig:
        dialog.export_button.click()
    assert sig.args == ["done"], dialog.error
    with zipfile.ZipFile(out) as z:
        entries = [n for n in z.namelist() if "/entries/" in n or n.startswith("entries/")]
        body = b"".join(z.read(n) for n in entries)
    assert HOSTILE not in body and b"oops" not in body
    assert [json.loads(line)["seq"] for line in body.splitlines()] == list(range(ENTRIES))
    w.export.close_dialog()


def test_past_the_limit_the_rest_is_counted_and_the_window_says_so(qtbot: Any, tmp_path: Path) -> None:
    many = DEFAULT_LIMITS.max_malformed_lines + 50
    leaves = [make_entry(i) for i in range(3)]
    lines = [*leaves, *(f"not json {i}".encode() for i in range(many))]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[3], key=KEY, entry_lines=lines)
    w = shown_window(qtbot, load_session)
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([str(bundle)], trust=[KEY.verifier_string], remember=False)
    settle(qtbot, w)
    assert w.model.rowCount() == 3 + DEFAULT_LIMITS.max_malformed_lines
    assert "50 more counted in the report but not listed" in w.status_label.full_text()


def test_find_reaches_it_and_facets_timeline_and_scope_count_entries_only(qtbot: Any, window: MainWindow) -> None:
    w = window
    w.find_bar.open("oops")  # find without filtering reads the row's cells, escaped text and all
    assert w.find_bar.find_next() == malformed_row(w)
    w.find_bar.close_find()
    facet = w.category_facet.model
    assert sum(facet.count_of(v) for v in facet.values()) == ENTRIES
    assert sum(count for _, count in w.timeline._bins) == ENTRIES  # no time: not charted
    root = w.scope_tree.scope_model.index(0, 0)
    assert w.scope_tree.scope_model.index(0, 1).data() in (str(ENTRIES), f"{ENTRIES:,}")
    assert root.isValid()
