"""The leaves §7 walks: leaf hashes by seq, gathered from entry batches and proofs as they are read.

:class:`LeafCollector` takes each :class:`~auditviewer.input.formats.batches.LeafBatch`
as it passes (so the viewer can store the same batches), keeps only their seqs,
leaf hashes and recorded heads — flat arrays, no object per entry — notes
reader problems and proof conflicts as findings, and feeds the
:class:`~auditviewer.integrity.time_watch.TimeWatch`. :meth:`LeafCollector.included`
hands :func:`auditviewer.integrity.verify.verify` the sorted, de-duplicated view.
"""

from __future__ import annotations

import array
import bisect
import itertools
import operator
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from auditviewer.core.native import NATIVE
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.integrity.report import (
    Finding,
    FindingBudget,
)
from auditviewer.integrity.time_watch import TimeWatch

_NO_HEAD = bytes(32)


@dataclass(slots=True)
class LeafCollector:
    """Leaf hashes by seq from entry batches and proofs, with conflicts noted.

    Kept as flat arrays (seq arrays, concatenated 32-byte hashes), not a dict,
    so that a million entries cost tens of megabytes and no per-entry objects.
    """

    seq_chunks: list[pa.Array] = field(default_factory=list)
    count: int = 0
    hashes: bytearray = field(default_factory=bytearray)
    heads: bytearray = field(default_factory=bytearray)
    has_heads: bool = False
    sources: list[tuple[int, str, pa.Array]] = field(default_factory=list)
    proof_hashes: dict[int, bytes] = field(default_factory=dict)
    failed_seqs: set[int] = field(default_factory=set)
    #: Bounded: millions of bad lines are a hundred findings and a summary per kind.
    findings: FindingBudget = field(default_factory=FindingBudget)
    #: The last finding kept for a problem with no seq, and that problem's text: the same
    #: problem on the following lines extends it (a file of blank lines is one finding).
    _run: tuple[Finding, str] | None = None
    #: Entries whose time goes backwards (information only).
    time_watch: TimeWatch = field(default_factory=lambda: TimeWatch())

    @property
    def seqs(self) -> list[int]:
        """Every collected seq, in the order read (duplicates included)."""
        return [s for chunk in self.seq_chunks for s in chunk.to_pylist()]

    def add_batch(self, batch: LeafBatch) -> None:
        table = batch.table
        n = table.num_rows
        self.time_watch.add(table.column(0), table.column(1), batch.times)
        self.sources.append((self.count, batch.source, table.column(2)))
        self.seq_chunks.append(table.column(0))
        self.count += n
        self.hashes += _fixed_bytes(table.column(4), 32)
        recorded = table.column(3)
        if recorded.null_count < n:
            if not self.has_heads:
                self.heads = bytearray(_NO_HEAD * (self.count - n))
                self.has_heads = True
            self.heads += _head_bytes(recorded)
        elif self.has_heads:
            self.heads += _NO_HEAD * n
        for problem in batch.problems:
            run = self._run
            if (
                run is not None
                and problem.seq is None
                and run[1] == problem.message
                and run[0].file == batch.source
                and (run[0].line_end or run[0].line or 0) + 1 == problem.line
            ):
                # The same problem on the next lines, across batches: one finding grows.
                _run_finding(run[0], problem.message, run[0].line or 0, problem.line + problem.count - 1)
                continue
            finding = Finding(kind=problem.kind, message="", seq=problem.seq, file=batch.source)
            _run_finding(finding, problem.message, problem.line, problem.line + problem.count - 1)
            kept = self.findings.append(finding)
            self._run = (finding, problem.message) if kept and problem.seq is None else None
            if problem.seq is not None:
                self.failed_seqs.add(problem.seq)

    def _where(self, index: int) -> tuple[str, int]:
        pos = bisect.bisect_right([start for start, _, _ in self.sources], index) - 1
        start, source, lines = self.sources[pos]
        return source, int(lines[index - start].as_py())

    def add_proof(self, pairs: Iterable[tuple[int, bytes]], *, source: str) -> None:
        for seq, lh in pairs:
            known = self.proof_hashes.get(seq)
            if known is not None and known != lh:
                self.failed_seqs.add(seq)
                self.findings.append(
                    Finding(
                        kind="seq_conflict",
                        message=f"{source}: the proof gives seq {seq} two different leaf hashes",
                        seq=seq,
                        file=source,
                    )
                )
            self.proof_hashes.setdefault(seq, lh)

    def included(self) -> tuple[Sequence[int], Sequence[bytes], Mapping[int, bytes]]:
        """Sorted unique included seqs, their leaf hashes, and recorded heads (when any).

        Identical duplicates are one entry; a seq seen again with other bytes is
        a ``seq_conflict`` and keeps the first bytes seen.
        """
        n = self.count
        # Views, not copies (at 10M entries each copy was 320 MB at the peak, issue 12):
        # this is the collector's last step, and a view keeps its arrays from growing.
        raw = memoryview(self.hashes)
        seq_array = pa.concat_arrays(self.seq_chunks) if self.seq_chunks else pa.array([], pa.int64())
        out_index: Sequence[int]
        out_seqs: Sequence[int]
        out_hashes: Sequence[bytes]
        if n > _FLAT_MIN and _strictly_increasing(seq_array):
            # Already sorted without repeats (the usual export): nothing to merge, and
            # no Python object per entry (an int64 array and the hashes as one buffer).
            out_seqs = array.array("q")
            out_seqs.frombytes(_fixed_bytes(seq_array, 8))
            out_hashes, out_index = HashList(raw), range(n)
        else:
            seqs: list[int] = seq_array.to_pylist()
            hashes = _split32(raw)
            if all(map(operator.lt, seqs, itertools.islice(seqs, 1, None))):
                out_seqs, out_hashes, out_index = seqs, hashes, range(n)
            else:
                out_seqs, out_hashes, out_index = self._merge(seqs, hashes)
        recorded: Mapping[int, bytes] = (
            _RecordedHeads(out_seqs, out_index, memoryview(self.heads)) if self.has_heads else {}
        )
        return out_seqs, out_hashes, recorded

    def _merge(self, seqs: list[int], hashes: list[bytes]) -> tuple[list[int], list[bytes], list[int]]:
        order = sorted(range(len(seqs)), key=seqs.__getitem__)
        out_seqs: list[int] = []
        out_hashes: list[bytes] = []
        out_index: list[int] = []
        for i in order:
            seq = seqs[i]
            if out_seqs and out_seqs[-1] == seq:
                if out_hashes[-1] != hashes[i]:
                    source, line = self._where(i)
                    self.failed_seqs.add(seq)
                    self.findings.append(
                        Finding(
                            kind="seq_conflict",
                            message=f"{source}:{line}: seq {seq} appears again with different bytes",
                            seq=seq,
                            file=source,
                            line=line,
                        )
                    )
                continue
            out_seqs.append(seq)
            out_hashes.append(hashes[i])
            out_index.append(i)
        return out_seqs, out_hashes, out_index


def _fixed_bytes(column: pa.Array, width: int) -> bytes:
    """The values of a fixed_size_binary column, concatenated."""
    n = len(column)
    if n == 0:
        return b""
    start = column.offset * width
    return bytes(memoryview(column.buffers()[1])[start : start + n * width])


def _head_bytes(recorded: pa.Array) -> bytes:
    """Recorded heads as 32 bytes each; a missing or malformed one reads as 32 zero bytes."""
    import pyarrow.compute as pc  # only Parquet files record heads; keep it off the start-up path

    n = len(recorded)
    if recorded.null_count == 0 and pa.types.is_binary(recorded.type):
        lengths = pc.binary_length(recorded)
        if pc.min(lengths).as_py() == 32 == pc.max(lengths).as_py():
            offsets = memoryview(recorded.buffers()[1]).cast("i")
            first, last = offsets[recorded.offset], offsets[recorded.offset + n]
            return bytes(memoryview(recorded.buffers()[2])[first:last])
    return b"".join(
        head if head is not None and len(head) == 32 else _NO_HEAD for head in recorded.to_pylist()
    )


#: Fewer entries are simply listed (which keeps pyarrow.compute off a small verify's start-up).
_FLAT_MIN = 65_536


def _strictly_increasing(seqs: pa.Array) -> bool:
    if NATIVE is not None:
        return NATIVE.strictly_increasing(_fixed_bytes(seqs, 8))
    import pyarrow.compute as pc

    return bool(pc.all(pc.less(seqs.slice(0, len(seqs) - 1), seqs.slice(1))).as_py())


class HashList(Sequence[bytes]):
    """Concatenated 32-byte leaf hashes read as a sequence of bytes, without a list of them.

    :attr:`raw` gives the bytes of any slice at once, for the C chain fold.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: bytes | memoryview) -> None:
        self.raw = memoryview(raw)

    def __len__(self) -> int:
        return len(self.raw) // 32

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return HashList(self.raw[32 * start : 32 * max(start, stop)])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return bytes(self.raw[32 * index : 32 * index + 32])

    def __iter__(self) -> Iterator[bytes]:
        return (h for (h,) in struct.iter_unpack("32s", self.raw))


def joined_hashes(hashes: Sequence[bytes]) -> bytes | memoryview:
    """Hashes concatenated (a view when they already are)."""
    return hashes.raw if isinstance(hashes, HashList) else b"".join(hashes)


def _split32(raw: bytes | memoryview) -> list[bytes]:
    """Concatenated 32-byte hashes as a list of bytes (a C loop; measured 5x faster than Arrow's to_pylist)."""
    return [h for (h,) in struct.iter_unpack("32s", raw)]


class _RecordedHeads(Mapping[int, bytes]):
    """seq -> recorded head, looked up only when a chain mismatch needs naming (no upfront cost)."""

    def __init__(self, seqs: Sequence[int], index: Sequence[int], heads: bytes | memoryview) -> None:
        self._seqs, self._index, self._heads = seqs, index, heads

    def _head(self, seq: object) -> bytes | None:
        if not isinstance(seq, int):
            return None
        pos = bisect.bisect_left(self._seqs, seq)
        if pos == len(self._seqs) or self._seqs[pos] != seq:
            return None
        i = self._index[pos]
        head = bytes(self._heads[i * 32 : i * 32 + 32])
        return None if head == _NO_HEAD else head

    def __getitem__(self, seq: int) -> bytes:
        head = self._head(seq)
        if head is None:
            raise KeyError(seq)
        return head

    def __contains__(self, seq: object) -> bool:
        return self._head(seq) is not None

    def __iter__(self) -> Iterator[int]:
        return (s for s in self._seqs if s in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        import pyarrow.compute as pc  # only Parquet files record heads

        words = pa.Array.from_buffers(pa.uint64(), len(self._heads) // 8, [None, pa.py_buffer(self._heads)])
        return bool(pc.max(words).as_py())


def _run_finding(finding: Finding, problem: str, first: int, last: int) -> None:
    """Set a reader problem's finding to cover lines ``first``..``last`` of its file."""
    if last > first:
        finding.message = f"{finding.file}:{first}-{last}: {problem} ({last - first + 1:,} lines)"
        finding.line, finding.line_end, finding.count = first, last, last - first + 1
    else:
        finding.message = f"{finding.file}:{first}: {problem}"
        finding.line = first
