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


def extend(head: bytes, hashes: Iterable[bytes]) -> bytes:
    """Fold leaf hashes into a head, returning the final head."""
    sha = hashlib.sha256
    for lh in hashes:
        head = sha(_NODE_PREFIX + head + lh).digest()
    return head


def heads(head: bytes, hashes: Iterable[bytes]) -> list[bytes]:
    """Every intermediate head while folding ``hashes`` into ``head``."""
    sha = hashlib.sha256
    out = []
    for lh in hashes:
        head = sha(_NODE_PREFIX + head + lh).digest()
        out.append(head)
    return out
