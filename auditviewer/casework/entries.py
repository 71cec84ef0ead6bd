"""Which entries of a loaded workspace are which bytes: seq → leaf hash, for annotations.

Annotations are keyed by seq *and* leaf hash (spec §3 over the stored bytes), so
finding one's annotations, or putting one on an entry, needs the entry's exact
bytes: read here through the store's public :meth:`~auditviewer.store.store.Store.iter_leaves`
(the stored bytes, never a re-serialisation) and hashed with
:func:`auditviewer.integrity.chain.leaf_hash`.
"""

from __future__ import annotations

from auditviewer.casework.annotations import AnnotationStore
from auditviewer.integrity.chain import leaf_hash
from auditviewer.store.store import Filter, Store


def leaf_hashes(store: Store, selection: Filter | None = None) -> dict[int, list[str]]:
    """seq → the hex leaf hashes of the entries ``selection`` matches (two if files disagree on a seq)."""
    out: dict[int, list[str]] = {}
    for batch in store.iter_leaves(selection or Filter()):
        seqs = batch.column("seq").to_pylist()
        leaves = batch.column("leaf").to_pylist()
        for seq, leaf in zip(seqs, leaves, strict=True):
            data = leaf if isinstance(leaf, bytes) else str(leaf).encode("utf-8", "surrogatepass")
            hashes = out.setdefault(int(seq), [])
            digest = leaf_hash(data).hex()
            if digest not in hashes:
                hashes.append(digest)
    return out


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
