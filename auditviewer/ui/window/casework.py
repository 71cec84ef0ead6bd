"""Case work in the viewer (issue 14): tags, the star and notes on the selected entries, undo,
the Tags facet and column; and the Case menu, which also holds the saved searches
(:mod:`auditviewer.ui.window.searches`, with the search history) and the evidence
report (:mod:`auditviewer.ui.window.evidence`), controllers this one makes.

The core does the work (``auditviewer/casework/``: the annotations of the log's
origin in the user's data folder, locked, atomic, undoable; the search history
and saved searches; the evidence report); this controller puts it in the window:

- **Edit ▸ / the log's context menu**: *Star* (Ctrl+D, a toggle: stars the
  selection unless every selected entry is starred already), *Tags…* (Ctrl+T, the
  tag editor: untick to remove, type words to add, completed from the log's
  tags), *Note…* (Ctrl+Shift+N) and *Undo Case Change* (Ctrl+Z; the search field
  keeps its own Ctrl+Z while it has the focus). A change reaches the store's
  annotations table at once (:meth:`Session.set_annotations`), so ``tag:``,
  ``starred:``, ``note:`` and ``annotated:`` searches, the Tags facet and the Tags
  column show it with the next view.
- **The Case notes tab** beside Entry shows the selected entry's annotations
  apart from the entry (:class:`~auditviewer.ui.widgets.annotation_panel.AnnotationPanel`):
  whose they are, flagged when made on other content, and those the opened
  bundle's ``annotations`` file carries, under its name.
- **Case ▸ Import the Bundle's Annotations** adds those of the opened bundle's file
  to one's own (undoable, as every change).

Everything the window shows of an annotation passes the display-safety function;
annotations are never styled like a verified value (italic in the table, plain in
their tab).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from auditviewer.casework.annotations import (
    STAR,
    Annotation,
    AnnotationStore,
    EntryAnnotation,
    annotation_cells,
    parse_annotations,
)
from auditviewer.core.about import APP_NAME
from auditviewer.core.errors import AuditViewerError
from auditviewer.query.sql import reads_annotations
from auditviewer.ui.models.table_model import COL_TAGS
from auditviewer.ui.refresher import ALL_PARTS, PART_TABLE, ViewResult
from auditviewer.ui.widgets.annotation_panel import AnnotationPanel
from auditviewer.ui.widgets.casework_editors import NoteEditor, TagEditor
from auditviewer.ui.widgets.facets import FacetList
from auditviewer.ui.window.base import Controller, said, shown
from auditviewer.ui.window.evidence import EvidenceController
from auditviewer.ui.window.searches import SearchesController

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

#: Entries one change may annotate (a selection beyond it is refused, with a message).
MAX_ANNOTATE = 10_000
#: Why the actions are off on a malformed line's row (annotations are kept by an entry's seq).
NOT_ANNOTATABLE = "A malformed line is not an entry: it has no seq, so it cannot be starred, tagged or noted."


class CaseworkController(Controller):
    """See the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        w = window
        self.notes: AnnotationStore | None = None
        #: (file label, annotation) read from the opened bundles' ``annotations`` files.
        self.bundled: list[tuple[str, Annotation]] = []
        self._tags_column_shown = False

        self.tag_facet = FacetList("Tags", w.left)
        self.tag_facet.setObjectName("tagFacet")
        self.tag_facet.setToolTip("Your case work's tags (★: starred): tick to show entries with any of them")
        w.left.addWidget(self.tag_facet)
        self.tag_facet.hide()
        self.panel = AnnotationPanel(w.right)
        w.right.addTab(self.panel, "Case notes")

        self.star_action = self._action("&Star / Unstar", "Ctrl+D", self.toggle_star)
        self.tags_action = self._action("&Tags…", "Ctrl+T", lambda: self.edit_tags())
        self.note_action = self._action("&Note…", "Ctrl+Shift+N", lambda: self.edit_note())
        self.undo_action = self._action("&Undo Case Change", QKeySequence.StandardKey.Undo, self.undo)
        self.searches = SearchesController(window)
        self.evidence = EvidenceController(window)
        self.import_bundled_action = self._action(
            "&Import the Bundle's Annotations", None, self.import_bundled
        )
        bar = w.menuBar()
        menu = QMenu("&Case", bar)
        menu.setObjectName("caseMenu")
        bar.insertMenu(bar.actions()[-1], menu)  # before Help
        for action in (self.star_action, self.tags_action, self.note_action, self.undo_action):
            menu.addAction(action)
        menu.addSeparator()
        self.searches.add_to_menu(menu)
        menu.addSeparator()
        menu.addAction(self.import_bundled_action)
        menu.addAction(self.evidence.evidence_action)
        # File ▸ Evidence Report…, beside the report's other savers.
        file_menu = w.menus.save_html_action.associatedObjects()
        for owner in file_menu:
            if isinstance(owner, QMenu):
                owner.insertAction(w.menus.export_action, self.evidence.evidence_action)
                break
        self.menu = menu

        self.tag_facet.model.selectionChanged.connect(
            lambda sel: w.filtering.set_state(w.state.with_(tags=frozenset(sel)))
        )
        w.refresher.resultReady.connect(self._result)
        w.loadFinished.connect(self._load_finished)
        w.sessionReady.connect(self._session_installed)
        w.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_current())
        w.table.selectionModel().currentRowChanged.connect(lambda *_: self.update_actions())
        w.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.update_actions()

    def _action(self, text: str, keys: Any, slot: Any) -> QAction:
        action = QAction(text, self.w)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            # The window's, not the search field's: a focused line edit keeps its own Ctrl+Z.
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.w.addAction(action)
        return action

    # -- the workspace coming and going ------------------------------------------

    def _session_installed(self) -> None:
        """A new workspace: nothing of the previous one's case work is shown."""
        self.notes = None
        self.bundled = []
        self._tags_column_shown = False
        self.w.model.set_annotations({})
        self.tag_facet.model.set_checked((), notify=False)
        self.tag_facet.model.set_counts([])
        self.tag_facet.hide()
        self.panel.set_annotations(None, [])
        self.update_actions()

    @said
    def _load_finished(self, status: str) -> None:
        w = self.w
        if w.session is None or status in ("cancelled", "error"):
            self.update_actions()
            return
        origin = w.trust.origin()
        if origin and (self.notes is None or self.notes.origin != origin):
            self.notes = AnnotationStore(origin)
        self.bundled = self._read_bundled()
        self.publish(opening=True)
        if self.bundled:
            authors = sorted({a.author for _, a in self.bundled})
            w.status(
                f"The bundle carries {len(self.bundled):,} annotation(s) by {shown(', '.join(authors), 120)}: "
                "their statements, not the log's (Case notes tab; Case ▸ Import the Bundle's Annotations)."
            )
        self.update_actions()

    def _read_bundled(self) -> list[tuple[str, Annotation]]:
        """The annotations the opened bundles' ``annotations`` files carry (spec §5), each
        under its file's name; a file that is not well formed is named in the banner."""
        session = self.w.session
        if session is None:
            return []
        found: list[tuple[str, Annotation]] = []
        problems = []
        for label, data in session.annotation_files():
            try:
                found.extend((label, a) for a in parse_annotations(data, label=label))
            except (AuditViewerError, OSError) as exc:
                problems.append(f"{exc} (the bundle's annotations file: its notes are not shown)")
        if problems:
            self.w.banner.set_notes(problems)
        return found

    def update_actions(self) -> None:
        ready = self.w.session is not None and self.notes is not None
        malformed = ready and self.malformed_selected()
        for action in (self.star_action, self.tags_action, self.note_action):
            action.setEnabled(ready and not malformed)
            action.setStatusTip(NOT_ANNOTATABLE if malformed else "")
        if malformed:
            self.w.status(NOT_ANNOTATABLE)
        self.undo_action.setEnabled(ready)
        self.searches.save_search_action.setEnabled(self.w.session is not None)
        self.evidence.update_actions()
        self.import_bundled_action.setEnabled(ready and bool(self.bundled))

    def publish(self, *, opening: bool = False) -> None:
        """The annotations changed (or, ``opening``, a workspace finished loading): the store's
        table, the Tags column, then the view asked again."""
        w = self.w
        if w.session is None:
            return
        notes = self.notes
        try:
            rows = notes.store_rows() if notes is not None else []
            w.session.set_annotations(rows)
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not read your case notes: {shown(exc)}")
            return
        if notes is not None:
            self._warn(notes.take_problems())
            cells = {seq: annotation_cells(found) for seq, found in notes.by_seq().items()}
            w.model.set_annotations(cells)
            if cells and not self._tags_column_shown:
                # Once per workspace, when the log has annotations: hiding it again is the person's choice.
                self._tags_column_shown = True
                w.layouts.set_column_visible(COL_TAGS, True)
        if opening and not rows:
            return  # a log nobody annotated: the view the load asked for shows all there is
        # The refresher answers only the newest request, so a narrower one must never replace one
        # still pending (the load's whole view, a filter change). Else the table (Tags column and
        # facet) alone, unless the filter reads annotations (a tag: term, a Tags tick): then the
        # timeline and scope counts depend on them too.
        reads = bool(w.state.tags) or reads_annotations(w.state.query)
        whole = opening or reads or w.refresher.pending()
        w.filtering.request(ALL_PARTS if whole else frozenset({PART_TABLE}))
        self.show_current()

    def _warn(self, problems: list[str]) -> None:
        if problems:
            QMessageBox.warning(self.w, APP_NAME, "\n\n".join(shown(p) for p in problems))

    # -- the selection ---------------------------------------------------------------

    def malformed_selected(self) -> bool:
        """A malformed line's row is selected (or current): a view lists them after its
        entries (``WithMalformed.entries`` rows), so the rows' places say it."""
        w = self.w
        first = getattr(w.model.source(), "entries", None)
        if not isinstance(first, int) or first >= w.model.rowCount():
            return False
        selection = w.table.selectionModel().selection()
        if any(selection.at(i).bottom() >= first for i in range(selection.size())):
            return True
        return w.table.currentIndex().isValid() and w.table.currentIndex().row() >= first

    def selected_seqs(self) -> list[int] | None:
        """The seqs of the selected rows (the current one if none), None past :data:`MAX_ANNOTATE`."""
        w = self.w
        model = w.table.selectionModel()
        rows: set[int] = set()
        selection = model.selection()
        for part in (selection.at(i) for i in range(selection.size())):
            if len(rows) + part.height() > MAX_ANNOTATE:
                return None
            rows.update(range(part.top(), part.bottom() + 1))
        if not rows and w.table.currentIndex().isValid():
            rows.add(w.table.currentIndex().row())
        seqs = []
        for row in sorted(rows):
            r = w.model.row(row, wait=True)
            if r is not None and r.seq is not None:  # a malformed line's row has none
                seqs.append(r.seq)
        return sorted(set(seqs))

    def _entries(self) -> list[tuple[int, str]] | None:
        """(seq, leaf hash) of the selection, or None (said why)."""
        w = self.w
        if w.session is None or self.notes is None:
            return None
        seqs = self.selected_seqs()
        if seqs is None:
            w.status(f"Select at most {MAX_ANNOTATE:,} entries to annotate at once.")
            return None
        if not seqs:
            w.status("Select the entries to annotate first.")
            return None
        hashes = w.session.leaf_hashes(seqs)
        return [(seq, digest) for seq in seqs for digest in hashes.get(seq, [])]

    def _mine(self, entries: list[tuple[int, str]]) -> list[Annotation]:
        assert self.notes is not None
        by_seq = self.notes.by_seq()
        keys = set(entries)
        return [
            a for seq, _ in entries for a in by_seq.get(seq, [])
            if a.author == self.notes.author and (a.seq, a.leaf_hash) in keys
        ]

    def _change(self, done: str, **change: Any) -> None:
        entries = self._entries()
        if entries is None or self.notes is None:
            return
        try:
            changed = self.notes.annotate(entries, **change)
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return
        self.publish()
        count = len({s for s, _ in entries})
        self.w.status(f"{done} on {count:,} {'entry' if count == 1 else 'entries'}." if changed else "Nothing changed.")

    # -- the actions ---------------------------------------------------------------------

    @said
    def toggle_star(self) -> None:
        entries = self._entries()
        if entries is None:
            return
        starred = {(a.seq, a.leaf_hash) for a in self._mine(entries) if a.starred}
        star = not all(key in starred for key in entries)
        self._change("Starred" if star else "Unstarred", star=star)

    @said
    def edit_tags(self, *, exec_dialog: bool = True) -> TagEditor | None:
        """Open the tag editor on the selection (``exec_dialog=False``: return it unopened, for tests)."""
        entries = self._entries()
        if entries is None or self.notes is None:
            return None
        present: dict[str, int] = {}
        for a in self._mine(entries):
            for tag in a.tags:
                if tag != STAR:
                    present[tag] = present.get(tag, 0) + 1
        known = [t for t, _ in self.notes.tag_counts() if t != STAR]
        dialog = TagEditor(len(entries), present, known, self.w)
        if not exec_dialog:
            dialog.accepted.connect(lambda: self.apply_tags(dialog))
            return dialog
        if dialog.exec():
            self.apply_tags(dialog)
        return dialog

    def apply_tags(self, dialog: TagEditor) -> None:
        added, removed = dialog.added(), dialog.removed()
        if added or removed:
            self._change("Tags changed", add_tags=added, remove_tags=removed)

    @said
    def edit_note(self, *, exec_dialog: bool = True) -> NoteEditor | None:
        entries = self._entries()
        if entries is None:
            return None
        notes = {a.note for a in self._mine(entries) if a.note}
        dialog = NoteEditor(len(entries), notes.pop() if len(notes) == 1 else "", self.w)
        if not exec_dialog:
            dialog.accepted.connect(lambda: self._change("Note saved", note=dialog.text()))
            return dialog
        if dialog.exec():
            self._change("Note saved", note=dialog.text())
        return dialog

    @said
    def undo(self) -> None:
        if self.notes is None:
            return
        try:
            restored = self.notes.undo()
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return
        if restored is None:
            self.w.status("No case change to undo.")
            return
        self.publish()
        self.w.status(f"Undid the last case change ({restored:,} annotation(s) restored).")

    @said
    def import_bundled(self) -> None:
        if self.notes is None or not self.bundled:
            return
        try:
            result = self.notes.import_annotations(a for _, a in self.bundled)
        except (AuditViewerError, OSError) as exc:
            QMessageBox.warning(self.w, APP_NAME, shown(exc))
            return
        self.publish()
        self.w.status(
            f"Imported the bundle's annotations: {result.added:,} new, {result.replaced:,} replaced by a later "
            f"version, {result.unchanged:,} already there (Ctrl+Z undoes it)."
        )

    def export_notes(self) -> AnnotationStore | None:
        """What an export may carry of the log's case notes (None when the log has none)."""
        notes = self.notes
        try:
            return notes if notes is not None and notes.by_seq() else None
        except (AuditViewerError, OSError) as exc:  # unreadable: the export goes without them
            self.w.status(f"Case notes cannot be read, so the export will not carry them: {shown(exc)}")
            return None

    def add_to_menu(self, menu: QMenu) -> None:
        """The log's context menu: the case-work actions on the selection."""
        menu.addAction(self.star_action)
        menu.addAction(self.tags_action)
        menu.addAction(self.note_action)
        menu.addSeparator()

    # -- what is shown -------------------------------------------------------------------

    @Slot(object)
    def _result(self, result: ViewResult) -> None:
        if self.w.session is None or result.view is None or result.preview:
            return
        self.tag_facet.model.set_checked(result.state.tags, notify=False)
        self.tag_facet.model.set_counts(result.facets.get("tags", []))
        # Shown once the log has tags: a log nobody tagged keeps the room for the other lists.
        show = bool(self.tag_facet.model.values())
        if show and self.tag_facet.isHidden():
            self.tag_facet.show()
            left = self.w.left
            sizes = left.sizes()
            at = left.indexOf(self.tag_facet)
            largest = max(range(len(sizes)), key=lambda i: sizes[i] if i != at else -1)
            share = min(sizes[largest] // 2, 160)  # room for a few tags, taken from the largest list
            sizes[largest] -= share
            sizes[at] += share
            left.setSizes(sizes)
        elif not show:
            self.tag_facet.hide()

    def show_current(self) -> None:
        """The Case notes tab shows the current entry's annotations (one made on other content flagged)."""
        try:
            self._show_current()
        except (AuditViewerError, OSError) as exc:  # on every row change: a status line, not a box
            self.panel.set_annotations(None, [])
            self.w.status(f"Case notes cannot be read: {shown(exc)}")

    def _show_current(self) -> None:
        w = self.w
        index = w.table.currentIndex()
        row = w.model.row(index.row(), wait=True) if index.isValid() and w.session is not None else None
        if row is None or row.seq is None:  # no row, or a malformed line's (no annotations)
            self.panel.set_annotations(None, [])
            w.right.setTabText(w.right.indexOf(self.panel), "Case notes")
            return
        seq = row.seq
        mine = self.notes.by_seq().get(seq, []) if self.notes is not None else []
        bundled = [(label, a) for label, a in self.bundled if a.seq == seq]
        hashes = w.session.leaf_hashes([seq]).get(seq, []) if (mine or bundled) and w.session else []

        def flagged(a: Annotation) -> EntryAnnotation:
            return EntryAnnotation(a, other_content=a.leaf_hash not in hashes)

        self.panel.set_annotations(seq, [flagged(a) for a in mine], [(label, flagged(a)) for label, a in bundled])
        count = len(mine) + len(bundled)
        w.right.setTabText(w.right.indexOf(self.panel), f"Case notes ({count})" if count else "Case notes")

__all__ = ["MAX_ANNOTATE", "CaseworkController"]
