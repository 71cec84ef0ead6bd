"""Which stored entries are which bytes: seq → leaf hash, for the investigator's annotations.

Annotations are keyed by seq *and* leaf hash (spec §3 over the stored bytes), so
putting one on an entry, or telling whether one was made on other content, needs
the entry's exact bytes: read here through the store's
:meth:`~auditviewer.store.store.Store.iter_leaves` (the stored bytes, never a
re-serialisation) and hashed with :func:`auditviewer.integrity.chain.leaf_hash`.
The viewer's session (:mod:`auditviewer.workspace.store_session`) and the case-work
core (``casework/``) both call these.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditviewer.integrity.chain import leaf_hash
from auditviewer.store.store import Filter, Store

#: Seqs looked up per query when hashing a selection's entries (under max_query_terms).
SEQS_PER_QUERY = 200


def leaf_hashes(store: Store, selection: Filter | None = None) -> dict[int, list[str]]:
    """seq → the hex leaf hashes of the entries ``selection`` matches (two if files disagree
    on a seq): the stored bytes read through :meth:`Store.iter_leaves` (never a
    re-serialisation) and hashed as spec §3 says. Annotations are keyed by them."""
    out: dict[int, list[str]] = {}
    for batch in store.iter_leaves(selection or Filter()):
        for seq, leaf in zip(batch.column("seq").to_pylist(), batch.column("leaf").to_pylist(), strict=True):
            data = leaf if isinstance(leaf, bytes) else str(leaf).encode("utf-8", "surrogatepass")
            digests = out.setdefault(int(seq), [])
            digest = leaf_hash(data).hex()
            if digest not in digests:
                digests.append(digest)
    return out


def leaf_hashes_of(store: Store, seqs: Sequence[int]) -> dict[int, list[str]]:
    """:func:`leaf_hashes` of the entries with these seqs: runs of consecutive seqs become one
    ``seq:A..B`` term each (a selection is mostly runs), at most :data:`SEQS_PER_QUERY` terms
    a query."""
    wanted = sorted(set(seqs))
    runs: list[tuple[int, int]] = []
    for seq in wanted:
        if runs and runs[-1][1] == seq - 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    out: dict[int, list[str]] = {}
    for start in range(0, len(runs), SEQS_PER_QUERY):
        group = runs[start : start + SEQS_PER_QUERY]
        query = " OR ".join(f"seq:{a}" if a == b else f"seq:{a}..{b}" for a, b in group)
        out.update(leaf_hashes(store, Filter(query=query)))
    return out


__all__ = ["leaf_hashes", "leaf_hashes_of"]
