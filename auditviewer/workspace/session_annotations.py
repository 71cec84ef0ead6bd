"""The investigator's annotations as the viewer's session gives them to the store (issue 14).

:class:`SessionAnnotations` is a part of :class:`~auditviewer.workspace.store_session.StoreSession`
(its base): the :class:`~auditviewer.workspace.session.Session` members the case-work
controller (``ui/window/casework.py``) uses.

- **Written on the query thread.** The window hands the annotations over on the GUI thread
  (:meth:`SessionAnnotations.set_annotations`); they are kept and written into the store's
  table by the next filter compiled (``StoreSession.to_filter`` calls
  :meth:`SessionAnnotations._store_annotations`), which the window's next view asks for on
  the query thread. So the GUI thread never waits for a store busy with a query.
- **Counts kept for filters carry a version**, raised with every change: a count made
  before the change is never reused after it (one in flight meanwhile included).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from auditviewer.store.store import AnnotationRow, Filter, Store
from auditviewer.workspace.leaf_hashes import leaf_hashes_of
from auditviewer.workspace.session import FilterState

if TYPE_CHECKING:
    from auditviewer.workspace.inputs import Workspace


class SessionAnnotations:
    """See the module docstring; the session sets the attributes declared here."""

    store: Store
    workspace: Workspace | None
    _cache: OrderedDict[tuple[Any, ...], Any]
    _cache_lock: threading.Lock
    _annotations: list[AnnotationRow] | None
    _annotations_version: int

    def to_filter(self, state: FilterState, *, scope: bool = True) -> Filter:
        raise NotImplementedError

    def set_annotations(self, rows: Sequence[AnnotationRow]) -> None:
        """The annotations changed: kept, for the next filter compiled to write into the store."""
        with self._cache_lock:
            self._annotations = list(rows)
            self._annotations_version += 1
            self._cache.clear()

    def _store_annotations(self) -> None:
        with self._cache_lock:
            rows, self._annotations = self._annotations, None
        if rows is not None:
            self.store.set_annotations(rows)

    def tag_counts(self, state: FilterState) -> list[tuple[str, int]]:
        """The Tags facet: its own ticks left out, so that it still offers the other tags."""
        return self.store.tag_counts(self.to_filter(state.with_(tags=frozenset())))

    def leaf_hashes(self, seqs: Sequence[int]) -> dict[int, list[str]]:
        """seq → the hex leaf hashes of its stored entries (``workspace/leaf_hashes.py``)."""
        return leaf_hashes_of(self.store, seqs)

    def annotation_files(self) -> list[tuple[str, bytes]]:
        """The opened bundles' ``annotations`` files (label, bytes) whose manifest hash held."""
        return list(self.workspace.annotation_files) if self.workspace is not None else []


__all__ = ["SessionAnnotations"]
