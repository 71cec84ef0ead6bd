"""Which entries of a loaded workspace are which bytes: seq → leaf hash, for annotations.

Annotations are keyed by seq *and* leaf hash (spec §3 over the stored bytes), so
finding one's annotations, or putting one on an entry, needs the entry's exact
bytes: :func:`leaf_hashes` (its home is :mod:`auditviewer.workspace.leaf_hashes`,
which the viewer's session uses too) reads them through the store's
:meth:`~auditviewer.store.store.Store.iter_leaves` and hashes them. And the store's
query terms need the annotations: :func:`publish_annotations`.
"""

from __future__ import annotations

from auditviewer.casework.annotations import AnnotationStore
from auditviewer.store.store import Store
from auditviewer.workspace.leaf_hashes import leaf_hashes


def publish_annotations(
    store: Store, origin: str | None, annotations: AnnotationStore | None = None
) -> AnnotationStore | None:
    """Give ``store`` the annotations of log ``origin`` (``annotations``, else the origin's
    store in the user's data folder), so that the query terms ``tag:``, ``starred:``,
    ``note:`` and ``annotated:`` see them. Returns the annotation store, or None without an
    origin (a plain export: nothing to look up, and the terms match nothing)."""
    if annotations is None:
        if not origin:
            return None
        annotations = AnnotationStore(origin)
    store.set_annotations(annotations.store_rows())
    return annotations


__all__ = ["leaf_hashes", "publish_annotations"]
