"""The one shape every entry reader yields: Arrow batches of stored leaves.

Columns: ``seq`` (int64), ``leaf`` (binary: the stored bytes), ``line`` (int64,
1-based line or row in its file), ``head`` (binary, nullable: the recorded
head after the entry, Parquet only), ``leaf_hash`` (binary 32: spec §3, computed
once while the leaf passes, so that verification never converts leaves back to
Python objects). A batch also carries its file's label and
the problems found in it, which become ``malformed_entry`` findings.
"""

from __future__ import annotations

import array
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from auditviewer.core.limits import Limits
from auditviewer.core.native import NATIVE

LEAF_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("leaf", pa.binary()),
        ("line", pa.int64()),
        ("head", pa.binary()),
        ("leaf_hash", pa.binary(32)),
    ]
)


def leaf_hashes(leaves: Iterable[bytes]) -> bytes:
    """Leaf hashes (spec §3) of many leaves, concatenated.

    Copying a hash object that already took the 0x00 prefix is cheaper than
    hashing ``b"\\x00" + leaf`` (measured: ~0.2 us less per entry).
    """
    copy = hashlib.sha256(b"\x00").copy
    out: list[bytes] = []
    append = out.append
    for leaf in leaves:
        h = copy()
        h.update(leaf)
        append(h.digest())
    return b"".join(out)


@dataclass(slots=True)
class Problem:
    """One entry that could not be taken as it is."""

    line: int
    message: str
    seq: int | None = None
    kind: str = "malformed_entry"
    #: Consecutive lines with this same problem and no seq (``line``..``line + count - 1``):
    #: a file of a million blank lines is one problem, not a million.
    count: int = 1
    #: For a problem with no seq, the bytes of its first lines as read (each cut to
    #: ``Limits.max_raw_line_bytes`` + 1, so that a longer one shows it was cut; at most
    #: ``Limits.max_malformed_lines`` of them):
    #: the reader holds them anyway, so the viewer shows a line without reading it again.
    raw: list[bytes] = field(default_factory=list)


def add_problem(
    problems: list[Problem], number: int, message: str, raw: bytes | None = None, limits: Limits | None = None
) -> None:
    """Add a problem with no seq; the same one on the line after the last extends it (a run).

    ``raw``: the line's bytes, kept (cut) within ``limits`` (see :attr:`Problem.raw`)."""
    last = problems[-1] if problems else None
    if last is not None and last.seq is None and last.message == message and last.line + last.count == number:
        last.count += 1
    else:
        last = Problem(number, message)
        problems.append(last)
    if raw is not None and limits is not None and len(last.raw) < limits.max_malformed_lines:
        last.raw.append(raw[: limits.max_raw_line_bytes + 1])


@dataclass(slots=True)
class LeafBatch:
    source: str
    table: pa.RecordBatch
    problems: list[Problem] = field(default_factory=list)
    #: From the C extension's check, when it read the batch: per row, where the top-level
    #: time text sits in the leaf (int32 offset, int32 length; -1 when not known).
    times: bytes | None = None

    @property
    def num_rows(self) -> int:
        return int(self.table.num_rows)


_counting: pa.Array | None = None


def counting_array(start: int, count: int) -> pa.Array:
    """int64 start, start+1, …, start+count-1 (in C when the extension is there)."""
    if NATIVE is not None:
        return pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(NATIVE.counting(start, count))])
    return _int64_array(range(start, start + count))


def _int64_array(values: Sequence[int]) -> pa.Array:
    if isinstance(values, range) and values.step == 1 and NATIVE is not None:
        return counting_array(values.start, len(values))
    if isinstance(values, range) and values.step == 1 and len(values) > 4096:
        # Many consecutive line numbers: 0, 1, 2, … made once, shifted in C (no Python int each).
        global _counting
        import pyarrow.compute as pc

        counting = _counting
        if counting is None or len(counting) < len(values):
            data = array.array("q", range(max(len(values), 65_536)))
            counting = _counting = pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])
        return pc.add(counting.slice(0, len(values)), pa.scalar(values.start, pa.int64()))
    if isinstance(values, range):  # consecutive line numbers: skip Python ints (measured 2.5x faster)
        data = array.array("q", values)
        return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])
    return pa.array(values, pa.int64())


def make_batch(
    source: str,
    seqs: Sequence[int] | pa.Array,
    leaves: Sequence[bytes],
    lines: Sequence[int],
    heads: Sequence[bytes | None] | pa.Array | None = None,
    problems: list[Problem] | None = None,
    *,
    leaf_array: pa.Array | None = None,
    leaf_hash_bytes: bytes | None = None,
    times: bytes | None = None,
) -> LeafBatch:
    """A batch. ``seqs`` and ``heads`` may already be Arrow arrays; ``leaf_array`` and
    ``leaf_hash_bytes`` may give the leaves as one and their hashes (concatenated)
    when the caller has them, in which case ``leaves`` may be left empty.
    """
    n = len(leaf_array) if leaf_array is not None else len(leaves)
    if heads is None:
        head_array = pa.nulls(n, pa.binary())
    elif isinstance(heads, pa.Array):
        head_array = heads
    else:
        head_array = pa.array(heads, pa.binary())
    if leaf_array is None:
        leaf_array = pa.array(leaves, pa.binary())
    hashes = leaf_hashes(leaves) if leaf_hash_bytes is None else leaf_hash_bytes
    table = pa.RecordBatch.from_arrays(
        [
            seqs if isinstance(seqs, pa.Array) else pa.array(seqs, pa.int64()),
            leaf_array,
            _int64_array(lines),
            head_array,
            pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), n, [None, pa.py_buffer(hashes)]),
        ],
        schema=LEAF_SCHEMA,
    )
    return LeafBatch(source=source, table=table, problems=problems or [], times=times)


def check_leaf_array(leaves: pa.Array, limits: Limits) -> tuple[pa.Array, bytes, bytes, int]:
    """The C extension's check of an Arrow binary (or large binary) array of leaves.

    Returns each leaf's seq (int64; -1 where the check declined and the Python
    check must judge), their leaf hashes (concatenated), where their times are
    (see :attr:`LeafBatch.times`) and how many were declined. Only when :data:`auditviewer.core.native.NATIVE` is there.
    """
    assert NATIVE is not None
    n = len(leaves)
    width = 8 if pa.types.is_large_binary(leaves.type) else 4
    _, offsets, data = leaves.buffers()
    if data is None:  # every value empty
        data = pa.py_buffer(b"")
    seqs, hashes, times, declined = NATIVE.check_leaves(
        data, offsets, leaves.offset, n, width, limits.max_entry_bytes, limits.max_json_depth
    )
    seq_array = pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(seqs)])
    return seq_array, hashes, times, declined
