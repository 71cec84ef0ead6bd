"""The leaf collector hands verification its hashes and recorded heads without copying them.

At 10M entries the hashes are 320 MB and the recorded heads another 320 MB; a copy of
each at the end of reading was 640 MB at the load's peak (issue 12). By construction:
what ``included()`` returns is a view of the collector's own buffers.
"""

from __future__ import annotations

import hashlib

from auditviewer.input.formats.batches import make_batch
from auditviewer.integrity.leaves import _FLAT_MIN, HashList, LeafCollector


def _collector(n: int, *, heads: bool) -> LeafCollector:
    collector = LeafCollector()
    step = 25_000
    for start in range(0, n, step):
        seqs = list(range(start, min(n, start + step)))
        leaves = [b'{"seq":%d}' % s for s in seqs]
        recorded = [hashlib.sha256(b"%d" % s).digest() if s % 3 else None for s in seqs] if heads else None
        collector.add_batch(make_batch("e.parquet", seqs, leaves, [s + 1 for s in seqs], recorded))
    return collector


def test_sorted_hashes_and_heads_are_views_of_the_collectors_buffers() -> None:
    n = _FLAT_MIN + 10_000
    collector = _collector(n, heads=True)
    seqs, hashes, recorded = collector.included()
    assert isinstance(hashes, HashList) and hashes.raw.obj is collector.hashes
    assert recorded._heads.obj is collector.heads  # type: ignore[attr-defined]
    assert len(seqs) == len(hashes) == n
    assert hashes[7] == hashlib.sha256(b'\x00{"seq":7}').digest()
    # The heads read as before: bytes, a missing one absent.
    assert recorded[4] == hashlib.sha256(b"4").digest() and isinstance(recorded[4], bytes)
    assert 3 not in recorded and bool(recorded)


def test_heads_all_missing_read_as_none() -> None:
    collector = LeafCollector()
    collector.add_batch(make_batch("e.parquet", [0, 1], [b"{}", b"[]"], [1, 2], [None, None]))
    collector.add_batch(make_batch("e.parquet", [2], [b"{}"], [3], [b"short"]))  # malformed: zeros
    _, _, recorded = collector.included()
    assert not recorded and 2 not in recorded


def test_unsorted_seqs_still_merge_from_the_view() -> None:
    collector = LeafCollector()
    collector.add_batch(make_batch("e.jsonl", [2, 0, 1, 1], [b"c", b"a", b"b", b"b"], [1, 2, 3, 4]))
    seqs, hashes, _ = collector.included()
    assert list(seqs) == [0, 1, 2]
    assert list(hashes) == [hashlib.sha256(b"\x00" + leaf).digest() for leaf in (b"a", b"b", b"c")]
