"""Which blocks of rows a word of the entry text can be in: the store's word index.

A search for a word reads every stored entry text otherwise: at 10M entries about
5.5 GB, zstd-compressed in the database, and decompressing it alone takes seconds
(issue 12). The index lets such a search read only the blocks of rows that can hold
the word.

**What it holds.** For each block of :data:`BLOCK_ROWS` rows (by rid, one DuckDB
vector), a bitmap of :data:`GRAM_BITS` bits: the bit of the 4-byte window at every
:data:`GRAM_STRIDE`-th byte of the block's entry text, ASCII letters lowered (the C
extension's ``text_grams``; :func:`gram_bits` is the same hash in Python), and
whether the block holds one of the two characters outside ASCII that DuckDB lowers
to an ASCII letter (U+0130 → i, U+212A → k: ``query/sql.py`` names them). 16 KiB per
2,048 rows: 80 MB at 10M.

**What a search asks.** :meth:`TextIndex.rows_for` takes a word as the search
language writes it (``*`` any characters) and gives a SQL condition on ``rid``: the
blocks whose bitmap holds, for every piece of the word between ``*`` signs, all the
4-grams of the piece at one of its :data:`GRAM_STRIDE` alignments (offsets 0, 2, 4…
or 1, 3, 5…), the blocks with a folding character, and every row the index has not
seen. The word's own match (``query/sql.py``) is ANDed to it, so the index never
decides a match: it only skips blocks that cannot hold one. A row matching the word
holds each piece of it, lowered, in its lowered text, inside the block's text: of the
piece's 4-grams, those starting at a multiple of the stride from the block's start
were indexed, and they are the 4-grams of one alignment. Where it cannot say (a word
not ASCII, no piece of 5 bytes, most blocks candidates), it gives None and the search
scans. NOT and OR need nothing more: the condition is equal, row by row, to the match
alone. DuckDB skips text only by whole row groups (60 blocks), so a word narrows a
search when it is absent from most row groups: an id, a name, a rare word.

**When it holds.** Built while loading a database file (a store in memory holds under
256 MiB of text, uncompressed, and scans it quickly), by ``StoreIngest._insert``, from
the same Arrow text that is inserted, rids known: about 0.5 s of CPU for 1M realistic
entries (7% of their open), 5 s at 10M; forgotten when loading renumbers rids
(rows out of seq order, duplicates folded). Held in memory only, never written to
the database file: a reused database (``workspace/cache.py``'s proof) has none and
its searches scan, so nothing read back from disk is trusted for it. Without the C
extension no index is built (hashing every byte in Python would cost more than the
scans it saves).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

import pyarrow as pa

from auditviewer.core.native import NATIVE

#: Rows per block: one DuckDB vector, and 60 blocks to a row group.
BLOCK_ROWS: Final = 2048
GRAM_BITS_LOG2: Final = 17
GRAM_BITS: Final = 1 << GRAM_BITS_LOG2
GRAM_BYTES: Final = GRAM_BITS // 8
GRAM: Final = 4
#: A 4-gram is indexed at every this-many bytes of a block's text (from its start): half
#: the work of every byte (the C builder takes 0.9 ns a byte of text on the shared
#: machine), and a word's occurrence still has all its 4-grams of one alignment indexed.
#: Every 4th byte cost less, but left words under 7 bytes unindexed and an entry's id
#: (24 bytes) 1.8-2.1 s to find at 10M, against 14 ms with every byte.
GRAM_STRIDE: Final = 2
#: Above this share of candidate blocks, the search scans (the ranges save little).
MAX_CANDIDATE_SHARE: Final = 0.5
#: At most this many rid ranges in one condition (DuckDB tests each row against them).
MAX_RANGES: Final = 128
#: Blocks in one of DuckDB's row groups (122,880 rows), the unit its scan skips: a
#: range of rids in one row group reads the whole group's text (measured on 1M
#: entries: 10 blocks in one row group 24 ms, one block in each of 8 row groups 386
#: ms, all 527-1,027 ms). Candidate blocks closer than this are read as one range.
SKIP_BLOCKS: Final = 60

_HASH: Final = 0x9E3779B1
_MASK32: Final = 0xFFFFFFFF
_FOLDING: Final = ("\u0130".encode(), "\u212a".encode())

#: ``(data, start, end, bits) -> folds``: sets the bits of data[start:end]'s 4-grams.
GramBuilder = Callable[[bytes | memoryview | pa.Buffer, int, int, bytearray], bool]


def gram_bit(gram: int) -> int:
    """The bit of one 4-gram (its 4 bytes, big-endian, letters lowered)."""
    return ((gram * _HASH) & _MASK32) >> (32 - GRAM_BITS_LOG2)


def _lower_ascii(data: bytes) -> bytes:
    return data.lower()  # bytes.lower() lowers ASCII letters only


def gram_bits(data: bytes, step: int = 1) -> list[int]:
    """The bits of the 4-grams of ``data`` at every ``step``-th byte (letters lowered),
    as the C extension sets them."""
    lowered = _lower_ascii(data)
    return [gram_bit(int.from_bytes(lowered[i : i + GRAM], "big")) for i in range(0, len(lowered) - GRAM + 1, step)]


def python_grams(data: bytes | memoryview | pa.Buffer, start: int, end: int, bits: bytearray) -> bool:
    """The builder in Python (tests; the C extension's ``text_grams`` does the same)."""
    chunk = bytes(memoryview(data)[start:end])
    for bit in gram_bits(chunk, GRAM_STRIDE):
        bits[bit >> 3] |= 1 << (bit & 7)
    return any(character in chunk for character in _FOLDING)


def word_alignments(piece: bytes) -> list[list[int]] | None:
    """The bits an occurrence of ``piece`` sets, one list per alignment (its 4-grams at
    offsets ``a``, ``a + GRAM_STRIDE``, …): an occurrence sets every bit of one of them.
    None when some alignment has no 4-gram (a piece under 5 bytes): it then says nothing."""
    grams = gram_bits(piece)
    alignments = [grams[offset::GRAM_STRIDE] for offset in range(GRAM_STRIDE)]
    return alignments if all(alignments) else None


def native_builder() -> GramBuilder | None:
    """The C extension's builder, or None without it."""
    if NATIVE is None or not hasattr(NATIVE, "text_grams"):
        return None
    builder: GramBuilder = NATIVE.text_grams
    return builder


class TextIndex:
    """Per-block 4-gram bitmaps of the entry text (see the module docstring).

    Not thread-safe by itself: the store adds to it on the thread that inserts and
    asks it under its lock after waiting for that thread.
    """

    def __init__(
        self,
        builder: GramBuilder | None = None,
        *,
        block_rows: int = BLOCK_ROWS,
        skip_blocks: int = SKIP_BLOCKS,
    ) -> None:
        self._builder = builder
        self._block_rows = block_rows  # smaller in tests, to have many blocks
        self._skip_blocks = skip_blocks
        self._bitmaps: list[bytearray] = []
        self._folds: list[bool] = []
        #: Every rid below this was indexed.
        self.rows = 0
        #: Time spent building it (benchmarks print it).
        self.build_seconds = 0.0

    @property
    def enabled(self) -> bool:
        return self._builder is not None

    def forget(self) -> None:
        """Rids changed: nothing is known any more, and nothing will be."""
        self._builder = None
        self._bitmaps = []
        self._folds = []
        self.rows = 0

    def add(self, leaf: pa.ChunkedArray | pa.Array, first_rid: int) -> None:
        """Index the texts of rids ``first_rid``… (a string column, in rid order).

        Rids must follow the rows already indexed; otherwise the index is forgotten."""
        builder = self._builder
        if builder is None:
            return
        if first_rid != self.rows:
            self.forget()
            return
        started = time.perf_counter()
        chunks = leaf.chunks if isinstance(leaf, pa.ChunkedArray) else [leaf]
        rid = first_rid
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            if not pa.types.is_string(chunk.type):
                self.forget()
                return
            offsets_buffer, data = chunk.buffers()[1], chunk.buffers()[2]
            if offsets_buffer is None or data is None:
                rid += len(chunk)
                continue
            offsets = memoryview(offsets_buffer).cast("i")
            row = 0
            while row < len(chunk):
                block = rid // self._block_rows
                take = min(len(chunk) - row, (block + 1) * self._block_rows - rid)
                while len(self._bitmaps) <= block:
                    self._bitmaps.append(bytearray(GRAM_BYTES))
                    self._folds.append(False)
                start = offsets[chunk.offset + row]
                end = offsets[chunk.offset + row + take]
                if builder(data, start, end, self._bitmaps[block]):
                    self._folds[block] = True
                row += take
                rid += take
        self.rows = rid
        self.build_seconds += time.perf_counter() - started

    def rows_for(self, word: str) -> str | None:
        """A SQL condition on ``rid`` holding every row whose text can contain ``word``
        (``*`` any characters), or None when the index cannot narrow the search.
        Only integers are written into it."""
        if self._builder is None or self.rows == 0 or not word.isascii():
            return None
        pieces = [found for piece in word.split("*") if (found := word_alignments(piece.encode()))]
        if not pieces:
            return None

        def holds(bitmap: bytearray, bits: list[int]) -> bool:
            return all(bitmap[bit >> 3] >> (bit & 7) & 1 for bit in bits)

        # A row holding the word holds each piece, at some alignment of its 4-grams.
        candidates = [
            block
            for block, bitmap in enumerate(self._bitmaps)
            if self._folds[block]
            or all(any(holds(bitmap, bits) for bits in alignments) for alignments in pieces)
        ]
        if len(candidates) > MAX_CANDIDATE_SHARE * len(self._bitmaps):
            return None
        ranges: list[list[int]] = []
        for block in candidates:
            if ranges and block - ranges[-1][1] < self._skip_blocks:
                ranges[-1][1] = block + 1  # a gap DuckDB would read anyway
            else:
                ranges.append([block, block + 1])
        if len(ranges) > MAX_RANGES:
            return None
        parts = [
            f"rid BETWEEN {int(first) * self._block_rows} AND {min(int(last) * self._block_rows, self.rows) - 1}"
            for first, last in ranges
        ]
        parts.append(f"rid >= {int(self.rows)}")
        return "(" + " OR ".join(parts) + ")"
