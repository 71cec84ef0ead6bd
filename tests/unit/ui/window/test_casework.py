"""Case work in the viewer (issue 14): star, tags and notes on the selection, undo, the Tags
facet and column, the Case notes tab (made on other content flagged), over a real session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialogButtonBox

from auditviewer.casework.annotations import STAR, AnnotationStore
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.models.table_model import COL_TAGS
from auditviewer.ui.widgets.annotation_panel import OTHER_CONTENT
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle
from tests.helpers.window import shown_window


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session)


def _bundles(tmp_path: Path) -> tuple[str, str]:
    """Two exports of one log (origin); the second holds other bytes at seq 2."""
    key = signer()
    leaves = [make_entry(i) for i in range(8)]
    changed = list(leaves)
    changed[2] = make_entry(2, actor={"email": "mallory@example.com", "type": "user"})
    a = write_bundle(tmp_path / "a", leaves, checkpoint_sizes=[8], key=key)
    b = write_bundle(tmp_path / "b", changed, checkpoint_sizes=[8], key=key)
    return str(a), str(b)


def settle(qtbot: Any, w: MainWindow) -> None:
    qtbot.waitUntil(w.is_idle, timeout=30_000)


def load(qtbot: Any, w: MainWindow, path: str) -> None:
    with qtbot.waitSignal(w.loadFinished, timeout=60_000):
        w.open_paths([path])
    settle(qtbot, w)
    assert w.casework.notes is not None


def select_seqs(qtbot: Any, w: MainWindow, seqs: list[int]) -> None:
    rows = []
    for row in range(w.model.rowCount()):
        r = w.model.row(row, wait=True)
        if r is not None and r.seq in seqs:
            rows.append(row)
    model = w.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag
    model.clearSelection()
    for i, row in enumerate(rows):
        model.select(w.model.index(row, 0), (flags.ClearAndSelect if i == 0 else flags.Select) | flags.Rows)
    model.setCurrentIndex(w.model.index(rows[0], 1), flags.NoUpdate)
    w.casework.show_current()


def visible_count(w: MainWindow) -> int:
    return w.model.rowCount()


def tags_cell(w: MainWindow, seq: int) -> str:
    for row in range(w.model.rowCount()):
        r = w.model.row(row, wait=True)
        if r is not None and r.seq == seq:
            return str(w.model.index(row, COL_TAGS).data() or "")
    raise AssertionError(seq)


def test_star_tags_note_undo_and_search(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_AUTHOR", "hana")
    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    w = window
    assert w.table.horizontalHeader().isSectionHidden(COL_TAGS)  # a log nobody annotated
    assert not w.casework.tag_facet.isVisible()

    select_seqs(qtbot, w, [1, 3])
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # star
    settle(qtbot, w)
    assert [(x.seq, x.tags) for x in AnnotationStore(ORIGIN).all()] == [(1, (STAR,)), (3, (STAR,))]
    assert tags_cell(w, 1) == STAR
    assert not w.table.horizontalHeader().isSectionHidden(COL_TAGS)

    editor = w.casework.edit_tags(exec_dialog=False)
    assert editor is not None
    editor.edit.setText("exfil-1 suspect")
    editor.accept()
    settle(qtbot, w)
    assert tags_cell(w, 3) == f"{STAR} exfil-1 suspect"
    assert w.casework.tag_facet.isVisible()
    facet = w.casework.tag_facet.model
    assert {v: facet.count_of(v) for v in facet.values()} == {STAR: 2, "exfil-1": 2, "suspect": 2}

    note = w.casework.edit_note(exec_dialog=False)
    assert note is not None
    note.edit.setPlainText("bucket made\u202e public")
    note.accept()
    settle(qtbot, w)
    texts = w.casework.panel.shown_texts()
    assert any("bucket made⟨U+202E⟩ public" in cell for row in texts for cell in row)  # visible, not obeyed
    assert w.right.tabText(w.right.indexOf(w.casework.panel)) == "Case notes (1)"

    # The query language sees them, and the view follows each change.
    w.search.set_text("tag:exfil-* note:public")
    settle(qtbot, w)
    assert visible_count(w) == 2
    w.search.set_text("starred:no")
    settle(qtbot, w)
    assert visible_count(w) == 6

    # Undo (Ctrl+Z from the table) takes back the note, then the tags.
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    assert {x.note for x in AnnotationStore(ORIGIN).all()} == {""}
    w.search.set_text("tag:exfil-1")
    settle(qtbot, w)
    assert visible_count(w) == 2
    w.casework.undo()
    settle(qtbot, w)
    assert visible_count(w) == 0
    assert [x.tags for x in AnnotationStore(ORIGIN).all()] == [(STAR,), (STAR,)]


def test_ctrl_z_in_the_search_field_stays_the_fields(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    select_seqs(qtbot, window, [1])
    window.casework.toggle_star()
    settle(qtbot, window)
    window.search.edit.setFocus()
    qtbot.keyClicks(window.search.edit, "abc")
    qtbot.keyClick(window.search.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.search.text() != "abc"  # the field undid its typing
    assert [x.seq for x in AnnotationStore(ORIGIN).all()] == [1]  # the star stays


def test_tag_facet_ticks_filter_and_star_toggles_off(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    w = window
    select_seqs(qtbot, w, [0, 5, 6])
    editor = w.casework.edit_tags(exec_dialog=False)
    assert editor is not None
    editor.edit.setText("lateral")
    editor.accept()
    select_seqs(qtbot, w, [6])
    w.casework.toggle_star()
    settle(qtbot, w)
    w.casework.tag_facet.model.set_checked({"lateral"})
    settle(qtbot, w)
    assert visible_count(w) == 3
    assert w.state.tags == frozenset({"lateral"})
    # The facet keeps offering the other tags while one is ticked.
    assert set(w.casework.tag_facet.model.values()) == {"lateral", STAR}
    w.clear_filters()
    settle(qtbot, w)
    assert visible_count(w) == 8 and not w.casework.tag_facet.model.checked()
    select_seqs(qtbot, w, [6])
    w.casework.toggle_star()  # every selected entry starred: the toggle unstars
    settle(qtbot, w)
    assert [x.tags for x in AnnotationStore(ORIGIN).all() if x.seq == 6] == [("lateral",)]


def test_tag_editor_refuses_a_word_that_is_no_tag_and_removes_unticked(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    select_seqs(qtbot, window, [2])
    editor = window.casework.edit_tags(exec_dialog=False)
    assert editor is not None
    editor.edit.setText("ok bad*tag")
    ok = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "'*'" in editor.error.text()
    editor.edit.setText("keep drop")
    editor.accept()
    settle(qtbot, window)
    again = window.casework.edit_tags(exec_dialog=False)
    assert again is not None
    assert again.completer.model().stringList()[:2] in (["drop", "keep"], ["keep", "drop"])  # completion: tags used
    item = next(again.current.item(i) for i in range(again.current.count()) if again.current.item(i).text() == "drop")
    item.setCheckState(Qt.CheckState.Unchecked)
    again.accept()
    settle(qtbot, window)
    assert [x.tags for x in AnnotationStore(ORIGIN).all()] == [("keep",)]


def test_made_on_other_content_is_flagged_in_the_case_notes(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    a, b = _bundles(tmp_path)
    load(qtbot, window, a)
    select_seqs(qtbot, window, [1, 2])
    note = window.casework.edit_note(exec_dialog=False)
    assert note is not None
    note.edit.setPlainText("looked at this")
    note.accept()
    settle(qtbot, window)
    load(qtbot, window, b)  # another export of the same log: seq 2 holds other bytes
    select_seqs(qtbot, window, [2])
    assert not window.casework.panel.warning.isHidden() and OTHER_CONTENT in window.casework.panel.warning.text()
    rows = window.casework.panel.shown_texts()
    assert any(OTHER_CONTENT in cell for row in rows for cell in row)
    select_seqs(qtbot, window, [1])
    assert window.casework.panel.warning.isHidden()
    assert any(row[3] == "looked at this" for row in window.casework.panel.shown_texts() if len(row) == 4)


def test_selection_beyond_the_limit_is_refused(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.ui.window import casework

    monkeypatch.setattr(casework, "MAX_ANNOTATE", 2)
    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    select_seqs(qtbot, window, [1, 2, 3])
    window.casework.toggle_star()
    assert "at most 2 entries" in window.status_label.full_text()
    assert AnnotationStore(ORIGIN).all() == []


def test_a_case_change_never_narrows_a_pending_request(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refresher answers only its newest request: a table-only request after a change must not
    replace one still pending for the whole view (the load's, a filter change), or the timeline and
    scope tree would never be counted."""
    from auditviewer.ui.refresher import ALL_PARTS, PART_TABLE

    a, _ = _bundles(tmp_path)
    load(qtbot, window, a)
    asked: list[frozenset[str]] = []
    monkeypatch.setattr(window.filtering, "request", lambda parts=ALL_PARTS: asked.append(parts))
    window.casework.publish(opening=True)
    assert asked == []  # nothing annotated: the load's own view stands
    select_seqs(qtbot, window, [1])
    window.casework.toggle_star()
    assert asked[-1] == frozenset({PART_TABLE})  # idle: the table alone
    monkeypatch.setattr(window.refresher, "pending", lambda: True)
    window.casework.toggle_star()
    assert asked[-1] == ALL_PARTS
    monkeypatch.setattr(window.refresher, "pending", lambda: False)
    window.state = window.state.with_(query="starred:yes")
    window.casework.toggle_star()
    assert asked[-1] == ALL_PARTS  # the filter reads annotations: everything depends on them


def test_an_unwritable_data_folder_is_said_not_raised(qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    a, _ = _bundles(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("AUDITVIEWER_DATA_DIR", str(blocker))  # the data folder cannot be made
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    load(qtbot, window, a)
    select_seqs(qtbot, window, [1])
    window.casework.toggle_star()  # no exception reaches Qt
    window.casework.undo()
    window.casework.searches.save_search("x")
    assert said and all("not-a-folder" in s for s in said)
