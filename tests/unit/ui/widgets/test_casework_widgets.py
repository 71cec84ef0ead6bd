"""The Case notes panel and the note editor: whose words, shown safely, other content flagged."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialogButtonBox

from auditviewer.casework.annotations import STAR, Annotation, EntryAnnotation
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.ui.widgets.annotation_panel import HEADING, OTHER_CONTENT, AnnotationPanel
from auditviewer.ui.widgets.casework_editors import WHOSE, NoteEditor, TagEditor


def _a(author: str, note: str, tags: tuple[str, ...] = (), seq: int = 3) -> Annotation:
    return Annotation(seq=seq, leaf_hash="ab" * 32, tags=tags, note=note, author=author, time="2026-11-20T10:00:00.000Z")


def test_panel_says_whose_and_flags_other_content_first(qtbot: Any) -> None:
    panel = AnnotationPanel()
    qtbot.addWidget(panel)
    assert panel.heading.text() == HEADING and "not the log's" in HEADING
    mine = [
        EntryAnnotation(_a("hana", "ok here", ("x", STAR)), other_content=False),
        EntryAnnotation(_a("bob\u202e", "changed\u200b since", ("y",)), other_content=True),
    ]
    bundled = [("slice.zip/annotations.jsonl", EntryAnnotation(_a("chen", "theirs"), other_content=False))]
    panel.set_annotations(3, mine, bundled)
    rows = panel.shown_texts()
    assert rows[0] == ["Kept in your data folder"]
    assert rows[1][0] == "⚠ bob⟨U+202E⟩" and rows[1][3].startswith(f"[{OTHER_CONTENT}]")  # first, flagged, visible
    assert "⟨U+200B⟩" in rows[1][3]
    assert [rows[2][0], rows[2][2]] == ["hana", f"{STAR} x"]
    assert rows[3][0].startswith("From the bundle's annotations file slice.zip/annotations.jsonl")
    assert rows[4][0] == "chen"
    assert not panel.warning.isHidden() and "(1)" in panel.warning.text()
    drawn = panel.label_texts()
    assert "⚠ bob⟨U+202E⟩  ·  2026-11-20T10:00:00.000Z  ·  y" in drawn
    assert any(t.startswith(f"[{OTHER_CONTENT}] changed") for t in drawn)
    assert not any("\u202e" in t or "\u200b" in t for t in drawn)  # nothing obeyed
    panel.set_annotations(3, [])
    assert panel.shown_texts() == [] and panel.warning.isHidden() and not panel.empty.isHidden()


def test_note_editor_bounds_the_note(qtbot: Any) -> None:
    editor = NoteEditor(2, "")
    qtbot.addWidget(editor)
    ok = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    editor.edit.setPlainText("x" * (DEFAULT_LIMITS.max_note_chars + 1))
    assert not ok.isEnabled() and not editor.limit.isHidden()
    editor.edit.setPlainText("fine")
    assert ok.isEnabled() and editor.text() == "fine"


def test_tag_editor_lists_partial_tags_and_completes_the_last_word(qtbot: Any) -> None:
    editor = TagEditor(3, {"exfil": 3, "odd\u202e": 1}, ["exfil", "lateral"])
    qtbot.addWidget(editor)
    labels = [editor.current.item(i).text() for i in range(editor.current.count())]
    assert labels == ["exfil", "odd⟨U+202E⟩   (1 of 3)"]
    editor.edit.setText("first la")
    assert editor.completer.splitPath(editor.edit.text()) == ["la"]
    index = editor.completer.model().index(1, 0)
    assert editor.completer.pathFromIndex(index) == "first lateral"
    assert WHOSE.startswith("Yours")
