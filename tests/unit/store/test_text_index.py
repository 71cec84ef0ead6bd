"""The word index (``store/text_index.py``): which blocks of rows a word can be in.

It must never lose a match: a store searched through the index finds exactly what the
same store finds by scanning every text, for every query the language allows (words
with ``*``, ``%`` and ``_``, NOT, OR, phrases) over fuzzed text with the characters
whose case folding is not ASCII's. The C builder and the Python one set the same bits.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditviewer.core.native import NATIVE
from auditviewer.store.store import Filter, Store
from auditviewer.store.text_index import (
    GRAM_BYTES,
    TextIndex,
    native_builder,
    python_grams,
    word_alignments,
)

# U+0130 and U+212A lower to i and k in DuckDB; the others fold elsewhere in other engines.
TRICKY = "\u0130\u0131\u212a\u017f\u03c2\u03a3\u00df\u1e9e\u00e9\u00c9"
ALPHABET = "abikKsIRAG0_%\\ .-" + TRICKY + "\u0130\u212a"


def _store(texts: list[str], index: TextIndex) -> Store:
    store = Store()
    store._text_index = index
    # Two appends: the index follows rids across batches and partial blocks.
    half = len(texts) // 2
    for first, part in ((0, texts[:half]), (half, texts[half:])):
        if part:
            store.append(
                pa.table(
                    {
                        "seq": pa.array(range(first, first + len(part)), pa.int64()),
                        "leaf": pa.array([text.encode() for text in part], pa.binary()),
                    }
                )
            )
    store.finish()
    return store


def _seqs(store: Store, query: str) -> list[int]:
    view = store.create_view(Filter(query=query))
    return sorted(store.window(view, 0, view.row_count, columns=["seq"]).column("seq").to_pylist())


def _quoted(word: str) -> str:
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def _corpus_and_words(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    texts = draw(st.lists(st.text(alphabet=ALPHABET, max_size=24), min_size=1, max_size=40))
    words = []
    for _ in range(3):
        source = draw(st.sampled_from(texts))
        if len(source) >= 2 and draw(st.booleans()):
            start = draw(st.integers(0, len(source) - 1))
            word = source[start : start + draw(st.integers(1, 12))]
            word = "".join(draw(st.sampled_from([c, c.upper(), c.lower()])) for c in word)
            if draw(st.booleans()):  # the ASCII word that ILIKE finds in İ and K (Kelvin)
                word = word.replace("\u0130", "i").replace("\u212a", "k")
            if draw(st.booleans()) and len(word) > 2:
                cut = draw(st.integers(1, len(word) - 1))
                word = word[:cut] + "*" + word[cut:]
        else:
            word = draw(st.text(alphabet=ALPHABET + "*", min_size=1, max_size=8))
        words.append(word if word.strip() else "dragon")
    return texts, words


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpus_and_words())
def test_indexed_search_finds_what_the_scan_finds(case: tuple[list[str], list[str]]) -> None:
    texts, words = case
    indexed = _store(texts, TextIndex(python_grams, block_rows=3, skip_blocks=1))
    scanned = _store(texts, TextIndex(None))
    try:
        a, b, c = (_quoted(word) for word in words)
        for query in (a, f"-{a}", f"{a} OR {b}", f"{a} {b}", f"-({a} OR -{c})", f"{a} -{b} OR {c}"):
            assert _seqs(indexed, query) == _seqs(scanned, query), query
    finally:
        indexed.close()
        scanned.close()


def test_a_word_absent_from_most_blocks_reads_only_its_blocks() -> None:
    texts = [f"entry {i} action update" for i in range(60)]
    texts[41] = "entry 41 a rare dragonfly-larva"
    index = TextIndex(python_grams, block_rows=4, skip_blocks=1)
    store = _store(texts, index)
    try:
        assert index.rows == 60
        # Block 10 holds rid 41; the rows the index has not seen stay readable.
        assert index.rows_for("DragonFly") == "(rid BETWEEN 40 AND 43 OR rid >= 60)"
        assert index.rows_for("dragonfly*larva") == "(rid BETWEEN 40 AND 43 OR rid >= 60)"
        assert index.rows_for("drag*onfly") == "(rid BETWEEN 40 AND 43 OR rid >= 60)"
        assert index.rows_for("absent words") == "(rid >= 60)"
        assert _seqs(store, "dragonfly") == [41]
        (where, _params) = list(store._kept)[-1]  # the search as it ran
        assert where.startswith("((rid BETWEEN 40 AND 43 OR rid >= 60) AND ")
        # What the index cannot narrow is scanned: not ASCII, no piece of 5 bytes, most blocks.
        assert index.rows_for("caf\u00e9 dragonfly") is None
        assert index.rows_for("drag*fly") is None
        assert index.rows_for("action update") is None
    finally:
        store.close()


def test_a_block_with_a_character_lowering_to_ascii_is_always_read() -> None:
    texts = ["plain"] * 8 + ["DRAGON\u212aING"] + ["plain"] * 7
    index = TextIndex(python_grams, block_rows=4, skip_blocks=1)
    store = _store(texts, index)
    try:
        assert index.rows_for("dragonking") == "(rid BETWEEN 8 AND 11 OR rid >= 16)"
        assert _seqs(store, "dragonking") == [8]
    finally:
        store.close()


def test_rows_out_of_seq_order_forget_the_index() -> None:
    index = TextIndex(python_grams, block_rows=2, skip_blocks=1)
    store = Store()
    store._text_index = index
    try:
        store.append(pa.table({"seq": pa.array([5, 3, 4], pa.int64()), "leaf": pa.array([b"x dragonfly", b"y", b"z"])}))
        store.finish()  # rids renumbered in seq order
        assert index.rows_for("dragonfly") is None
        assert _seqs(store, "dragonfly") == [5]
    finally:
        store.close()


@pytest.mark.skipif(NATIVE is None, reason="the C extension is not built (AUDITVIEWER_NATIVE=0)")
def test_c_and_python_builders_set_the_same_bits() -> None:
    builder = native_builder()
    assert builder is not None
    for size in range(0, 300, 7):
        data = os.urandom(size) + "Dragon\u0130x".encode()
        for start, end in ((0, len(data)), (3, max(3, len(data) - 5))):
            native, python = bytearray(GRAM_BYTES), bytearray(GRAM_BYTES)
            assert builder(data, start, end, native) == python_grams(data, start, end, python)
            assert native == python
    for offset in range(4):  # one alignment of the word's 4-grams is indexed, whatever its place
        bits = bytearray(GRAM_BYTES)
        text = b"x" * offset + b"a DRAGONFLY b"
        builder(text, 0, len(text), bits)
        alignments = word_alignments(b"dragonfly")
        assert alignments is not None
        assert any(all(bits[bit >> 3] >> (bit & 7) & 1 for bit in bits_) for bits_ in alignments)
    with pytest.raises(ValueError, match="bad range"):
        builder(b"abc", 0, 4, bytearray(GRAM_BYTES))
    with pytest.raises(ValueError, match="bitmap size"):
        builder(b"abc", 0, 3, bytearray(10))


_VOCABULARY = [
    "dragonfly", "Drag\u0130nfly", "kitesurf", "\u212aITESURF", "a_%b_%c_%", "stra\u00dfenbahn", "gateway",
    "\u00e9tagere", "x",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.lists(st.sampled_from(_VOCABULARY), max_size=3).map(" ".join), min_size=1, max_size=30
    ),
    picks=st.lists(
        st.sampled_from([*_VOCABULARY, "draginfly", "kitesurfin", "dragonf*ly", "kitesu*rf", "tagere"]),
        min_size=3,
        max_size=3,
    ),
    fold=st.booleans(),
)
def test_indexed_search_of_words_finds_what_the_scan_finds(
    texts: list[str], picks: list[str], fold: bool
) -> None:
    """Words that are often present, in few blocks, some matched only through folding."""
    if fold:
        picks = [p.lower().replace("\u0130", "i").replace("\u212a", "k") for p in picks]
    indexed = _store(texts, TextIndex(python_grams, block_rows=2, skip_blocks=1))
    scanned = _store(texts, TextIndex(None))
    try:
        a, b, c = (_quoted(word) for word in picks)
        for query in (a, f"-{a}", f"{a} OR {b}", f"{a} {b}", f"-({a} OR -{c})"):
            assert _seqs(indexed, query) == _seqs(scanned, query), query
    finally:
        indexed.close()
        scanned.close()


def test_a_database_file_is_indexed_while_loading_and_a_store_in_memory_is_not(tmp_path: Path) -> None:
    texts = [f"entry {i} with a dragonfly" if i == 5000 else f"entry {i}" for i in range(6000)]
    table = pa.table({"seq": pa.array(range(6000), pa.int64()), "leaf": pa.array([t.encode() for t in texts])})
    on_file = Store(database=tmp_path / "w.duckdb")
    in_memory = Store()
    try:
        for store in (on_file, in_memory):
            store.append(table)
            store.finish()
            assert _seqs(store, "dragonfly") == [5000]
        assert on_file._text_index.rows == (6000 if NATIVE is not None else 0)
        assert in_memory._text_index.rows == 0 and not in_memory._text_index.enabled
        if NATIVE is not None:  # block 2 (rids 4096-6143) alone can hold it
            assert on_file._text_index.rows_for("dragonfly") == "(rid BETWEEN 4096 AND 5999 OR rid >= 6000)"
    finally:
        on_file.close()
        in_memory.close()
