"""Leaf hashes and chain heads (spec §3).

    leaf_hash(i) = SHA-256(0x00 || leaf bytes)
    head(i)      = SHA-256(0x01 || head(i-1) || leaf_hash(i)),  head(-1) = 32 zero bytes
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

ZERO_HEAD = bytes(32)
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    """The leaf hash of one entry's stored bytes."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of many entries; one comprehension keeps the loop in C as far as it can."""
    sha = hashlib.sha256
    return [sha(_LEAF_PREFIX + leaf).digest() for leaf in leaves]


def next_head(head: bytes, leaf_hash_: bytes) -> bytes:
    """The head after appending one leaf hash."""
    return hashlib.sha256(_NODE_PREFIX + head + leaf_hash_).digest()


def extend(head: bytes, hashes: Iterable[bytes | memoryview]) -> bytes:
    """Fold leaf hashes into a head, returning the final head."""
    # Copying a hash object that has already taken the prefix is cheaper than
    # building a new one from concatenated bytes (measured: ~15% per step).
    copy = hashlib.sha256(_NODE_PREFIX).copy
    for lh in hashes:
        h = copy()
        h.update(head)
        h.update(lh)
        head = h.digest()
    return head


def heads(head: bytes, hashes: Iterable[bytes]) -> list[bytes]:
    """Every intermediate head while folding ``hashes`` into ``head``."""
    copy = hashlib.sha256(_NODE_PREFIX).copy
    out = []
    for lh in hashes:
        h = copy()
        h.update(head)
        h.update(lh)
        head = h.digest()
        out.append(head)
    return out


def extend_runs(starts: list[bytes], counts: list[int], hashes: bytes) -> list[bytes]:
    """Fold consecutive runs of a flat buffer of 32-byte leaf hashes, each from its own start head.

    Run ``i`` takes the next ``counts[i]`` hashes of ``hashes`` and starts from
    ``starts[i]``; returns each run's final head. Runs are independent, so
    callers may split them between processes.
    """
    view = memoryview(hashes)
    out = []
    pos = 0
    for head, count in zip(starts, counts, strict=True):
        out.append(extend(head, [view[i : i + 32] for i in range(pos, pos + 32 * count, 32)]))
        pos += 32 * count
    return out
