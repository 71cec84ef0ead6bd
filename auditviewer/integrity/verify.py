"""Spec §7: from leaves, proofs and checkpoints to a :class:`Report`.

:class:`LeafCollector` takes leaf batches as they are read (so the viewer can
store the same batches while they pass), then :func:`verify` walks every pair
of consecutive anchors. Only leaf hashes are kept, never the leaves.
"""

from __future__ import annotations

import array
import bisect
import itertools
import operator
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import pyarrow as pa

from auditviewer.core.display import quoted
from auditviewer.core.domain import FAILED, UNVERIFIED, VERIFIED
from auditviewer.core.native import NATIVE
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.checkpoints import CheckpointLine
from auditviewer.integrity.chain import ZERO_HEAD, extend, extend_runs, heads
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.notes import Checkpoint, check_signatures
from auditviewer.integrity.report import (
    FAILURE,
    INCOMPLETE,
    STATUS_FAILED,
    STATUS_INCOMPLETE,
    STATUS_VERIFIED,
    CheckpointResult,
    Finding,
    FindingBudget,
    Report,
    Signer,
    b64,
)

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
        raw = bytes(self.hashes)
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
            _RecordedHeads(out_seqs, out_index, bytes(self.heads)) if self.has_heads else {}
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


def _joined(hashes: Sequence[bytes]) -> bytes | memoryview:
    """Hashes concatenated (a view when they already are)."""
    return hashes.raw if isinstance(hashes, HashList) else b"".join(hashes)


def _split32(raw: bytes) -> list[bytes]:
    """Concatenated 32-byte hashes as a list of bytes (a C loop; measured 5x faster than Arrow's to_pylist)."""
    return [h for (h,) in struct.iter_unpack("32s", raw)]


class _RecordedHeads(Mapping[int, bytes]):
    """seq -> recorded head, looked up only when a chain mismatch needs naming (no upfront cost)."""

    def __init__(self, seqs: Sequence[int], index: Sequence[int], heads: bytes) -> None:
        self._seqs, self._index, self._heads = seqs, index, heads

    def _head(self, seq: object) -> bytes | None:
        if not isinstance(seq, int):
            return None
        pos = bisect.bisect_left(self._seqs, seq)
        if pos == len(self._seqs) or self._seqs[pos] != seq:
            return None
        i = self._index[pos]
        head = self._heads[i * 32 : i * 32 + 32]
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
        return self._heads.strip(b"\x00") != b""


def _run_finding(finding: Finding, problem: str, first: int, last: int) -> None:
    """Set a reader problem's finding to cover lines ``first``..``last`` of its file."""
    if last > first:
        finding.message = f"{finding.file}:{first}-{last}: {problem} ({last - first + 1:,} lines)"
        finding.line, finding.line_end, finding.count = first, last, last - first + 1
    else:
        finding.message = f"{finding.file}:{first}: {problem}"
        finding.line = first


class _TopTime(msgspec.Struct):
    """An entry's top-level ``time`` as written (every other field skipped, nested ones never seen)."""

    seq: Any = None
    time: msgspec.Raw = msgspec.Raw(b"")


_TOP_TIME = msgspec.json.Decoder(_TopTime).decode


def _top_time(leaf: bytes, seq: int) -> bytes | None:
    """The text of a leaf's top-level ``time`` string, as the C check gives it: None when the
    field is absent, not a string, or written with an escape, or when the leaf's own top-level
    ``seq`` is not ``seq`` (a row whose entry names another seq is not compared)."""
    try:
        top = _TOP_TIME(leaf)
    except (msgspec.DecodeError, ValueError):
        return None
    raw = bytes(top.time)
    if top.seq.__class__ is not int or top.seq != seq or len(raw) < 2 or raw[:1] != b'"' or b"\\" in raw:
        return None
    return raw[1:-1]


@dataclass(slots=True)
class TimeWatch:
    """Finds entries whose time goes backwards, batch by batch.

    An entry's time is its top-level ``time`` string as written (an escaped one is
    not compared), never a nested ``time`` in ``metadata`` or elsewhere. With the
    C extension the check found where that text sits; otherwise (and for batches
    with entries the C check declined) it is read here by a decoder that skips every
    other field. Both then compare alike: only neighbours in reading order with
    consecutive seqs; same-length UTC text (ending ``Z``) as text, anything else as
    datetimes. time_regression is information, never a verdict; a shuffled file is
    checked less, never wrongly. tests/unit/core/test_native.py holds the two to the same
    findings.
    """

    last: tuple[int, str] | None = None
    found: list[tuple[int, str, int, str]] = field(default_factory=list)
    more: int = 0

    def add(
        self, seqs: pa.Array | pa.ChunkedArray, leaves: pa.Array | pa.ChunkedArray, time_spans: bytes | None = None
    ) -> None:
        """Watch one batch; ``time_spans`` is :attr:`LeafBatch.times` when the C extension read it."""
        if len(seqs) == 0:
            return
        if time_spans is not None and NATIVE is not None:
            self._add_native(_flat(seqs), _flat(leaves), time_spans)
            return
        import pyarrow.compute as pc

        seq_values = _flat(seqs).to_pylist()
        texts = [
            _top_time(leaf, seq) if leaf is not None and seq is not None else None
            for seq, leaf in zip(seq_values, _flat(leaves).to_pylist(), strict=True)
        ]
        last = self.last
        if last is not None:
            seq_values = [last[0], *seq_values]
            texts = [last[1].encode("utf-8", "surrogatepass"), *texts]
        n = len(texts)
        if n > 1:
            # As the C extension's time_candidates decides (see _add_native), in Arrow:
            # consecutive seqs with both times known; same-length text ending in Z that sorts
            # earlier is certain, any other shape is compared as datetimes.
            times = pa.array(texts, pa.binary())
            seq_array = pa.array(seq_values, pa.int64())
            earlier, later = times.slice(0, n - 1), times.slice(1)
            consecutive = pc.equal(seq_array.slice(1), pc.add(seq_array.slice(0, n - 1), 1))
            utc = pc.and_(pc.ends_with(later, pattern="Z"), pc.ends_with(earlier, pattern="Z"))
            alike = pc.and_(pc.equal(pc.binary_length(later), pc.binary_length(earlier)), utc)
            certain = pc.and_(alike, pc.less(later, earlier))
            wanted = pc.and_(consecutive, pc.or_(certain, pc.invert(alike)))
            for index in pc.indices_nonzero(pc.fill_null(wanted, False)).to_pylist():
                before, after = texts[index], texts[index + 1]
                assert before is not None and after is not None
                b, a = before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
                if (after < before) if _alike(after, before) else _time_order(a, b):
                    self._note(seq_values[index + 1], a, seq_values[index], b)
        final = texts[-1]
        self.last = (seq_values[-1], final.decode("utf-8", "replace")) if final is not None else None

    def _add_native(self, seqs: pa.Array, leaves: pa.Array, times: bytes) -> None:
        """:meth:`add` by the C extension, from the times' places its check found.

        It compares the top-level ``time`` fields wherever they stand in the
        entry (not only right after ``seq``), so it checks at least what the
        pattern does.
        """
        assert NATIVE is not None
        n = len(seqs)
        width = 8 if pa.types.is_large_binary(leaves.type) else 4
        _, offsets, data = leaves.buffers()
        data = data if data is not None else pa.py_buffer(b"")
        seq_values = memoryview(seqs.buffers()[1])[seqs.offset * 8 : (seqs.offset + n) * 8].cast("q")
        offset_values = memoryview(offsets).cast("q" if width == 8 else "i")
        spans = memoryview(times).cast("i")
        raw = memoryview(data)

        def time_at(i: int) -> str | None:
            start = spans[2 * i]
            if start < 0:
                return None
            at = offset_values[leaves.offset + i] + start
            return bytes(raw[at : at + spans[2 * i + 1]]).decode("utf-8", "replace")

        last = self.last
        prev_seq, prev_time = (last[0], last[1].encode("utf-8", "surrogatepass")) if last else (-1, None)
        for found in NATIVE.time_candidates(
            data, offsets, leaves.offset, n, width, times, seq_values, prev_seq, prev_time
        ):
            certain = found >= 0  # same-length UTC text that sorts earlier (else: compare as datetimes)
            i = found if certain else -found - 1
            if certain and len(self.found) >= 100:
                self.more += 1  # only counted: no need to read the times
                continue
            after = time_at(i)
            before = time_at(i - 1) if i else (last[1] if last else None)
            if after is not None and before is not None and (certain or _time_order(after, before)):
                self._note(seq_values[i], after, seq_values[i - 1] if i else prev_seq, before)
        last_time = time_at(n - 1)
        self.last = (seq_values[n - 1], last_time) if last_time is not None else None

    def _note(self, seq: int, time: str, previous_seq: int, previous_time: str) -> None:
        if len(self.found) < 100:
            self.found.append((seq, time, previous_seq, previous_time))
        else:
            self.more += 1

    def findings(self) -> list[Finding]:
        out = [
            Finding(
                kind="time_regression",
                message=(
                    f"seq {seq} has time {time}, earlier than seq {previous_seq} ({previous_time}); "
                    "a clock or ordering problem at the source, not a sign of tampering"
                ),
                seq=seq,
            )
            for seq, time, previous_seq, previous_time in self.found
        ]
        if self.more:
            out.append(
                # The report's one summary per kind (FindingBudget) takes it in, with its count.
                Finding(
                    kind="time_regression",
                    message=f"and {self.more:,} more entries whose time goes backwards",
                    count=self.more,
                    summary=True,
                )
            )
        return out


def _alike(later: bytes, earlier: bytes) -> bool:
    """Same-length UTC text (both end in ``Z``): compared as text, as the C code does."""
    return len(later) == len(earlier) and later[-1:] == b"Z" and earlier[-1:] == b"Z"


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _time_order(later: str, earlier: str) -> bool:
    """True when ``later`` is an earlier moment than ``earlier`` (both RFC 3339)."""
    if len(later) == len(earlier) and later.endswith("Z") and earlier.endswith("Z"):
        return later < earlier
    try:
        a, b = datetime.fromisoformat(later), datetime.fromisoformat(earlier)
        return a.tzinfo is not None and b.tzinfo is not None and a < b
    except ValueError:
        return False


@dataclass(slots=True)
class _Anchor:
    size: int
    head: bytes
    result: CheckpointResult | None


def judge_checkpoints(
    checkpoint_lines: Iterable[CheckpointLine], trusted_keys: Iterable[VerifierKey], *, origin: str | None
) -> dict[int, CheckpointResult]:
    """Every well-formed checkpoint judged (signatures checked), by ``id()`` of its line.

    Needs no entry, so callers may run it while the entries are read (see
    :func:`auditviewer.workspace.verification.verify_workspace`) and hand it to :func:`verify`.
    """
    trusted = {(k.name, k.key_id): k for k in trusted_keys}
    return {
        id(line): _judge_checkpoint(line, line.checkpoint, origin, trusted)
        for line in checkpoint_lines
        if line.checkpoint is not None
    }


def _judge_checkpoint(
    line: CheckpointLine,
    checkpoint: Checkpoint,
    origin: str | None,
    trusted: dict[tuple[str, bytes], VerifierKey],
) -> CheckpointResult:
    signers = [
        Signer(key=s.key, trusted=s.trusted, valid=s.valid)
        for s in check_signatures(checkpoint.text, checkpoint.signatures, trusted)
    ]
    if origin is not None and checkpoint.origin != origin:
        status = "foreign"
    elif any(s.trusted and s.valid is False for s in signers):
        status = "bad_signature"
    elif any(s.trusted and s.valid for s in signers):
        status = "ok"
    else:
        status = "untrusted"
    return CheckpointResult(
        size=checkpoint.size,
        head=checkpoint.head,
        origin=checkpoint.origin,
        time=checkpoint.time,
        signers=signers,
        status=status,
        source=f"{line.source}:{line.line}",
        note=checkpoint.note,
    )


def verify(
    collector: LeafCollector,
    checkpoint_lines: list[CheckpointLine],
    trusted_keys: Iterable[VerifierKey],
    *,
    origin: str | None,
    extra_findings: Iterable[Finding] = (),
    has_integrity_data: bool = True,
    judged: Mapping[int, CheckpointResult] | None = None,
) -> Report:
    """Run spec §7 over everything collected and return the report.

    ``judged`` may hold checkpoints already judged by :func:`judge_checkpoints`
    (by ``id()`` of their line), with the same keys and origin.
    """
    trusted = {(k.name, k.key_id): k for k in trusted_keys}
    findings: list[Finding] = list(extra_findings)
    included, included_hashes, recorded_heads = collector.included()
    findings.extend(collector.time_watch.findings())
    seen = {_finding_key(f) for f in findings}
    for f in collector.findings:
        key = _finding_key(f)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    proof = collector.proof_hashes
    for seq, lh in zip(included, included_hashes, strict=True) if proof else ():
        known = proof.get(seq)
        if known is not None and known != lh and seq not in collector.failed_seqs:
            collector.failed_seqs.add(seq)
            findings.append(
                Finding(
                    kind="seq_conflict",
                    message=f"seq {seq}: the entry's bytes do not match the proof's leaf hash",
                    seq=seq,
                )
            )
    all_seqs: Sequence[int]
    all_hashes: Sequence[bytes]
    if proof:
        merged = dict(proof)
        merged.update(zip(included, included_hashes, strict=True))
        all_seqs = sorted(merged)
        all_hashes = [merged[s] for s in all_seqs]
    else:
        all_seqs, all_hashes = included, included_hashes

    def leaf_range(lo: int, hi: int) -> Sequence[bytes]:
        """Leaf hashes of seqs lo..hi-1; the caller has checked they are all present."""
        start = bisect.bisect_left(all_seqs, lo)
        return all_hashes[start : start + (hi - lo)]

    # Checkpoints: judge each, gather the anchors.
    results: list[CheckpointResult] = []
    by_size: dict[int, list[CheckpointResult]] = {}
    for line in checkpoint_lines:
        if line.checkpoint is None:
            findings.append(
                Finding(
                    kind="malformed_checkpoint",
                    message=f"{line.source}:{line.line}: {line.problem}",
                    file=line.source,
                    line=line.line,
                )
            )
            continue
        result = judged.get(id(line)) if judged else None
        if result is None:
            result = _judge_checkpoint(line, line.checkpoint, origin, trusted)
        results.append(result)
        if result.status == "foreign":
            findings.append(
                Finding(
                    kind="foreign_checkpoint",
                    message=(
                        f"checkpoint at size {result.size} is for origin {quoted(result.origin)}, "
                        f"not this log's {quoted(origin)}; it verifies nothing"
                    ),
                    checkpoint=result.size,
                    file=line.source,
                    line=line.line,
                )
            )
        elif result.status == "bad_signature":
            bad = ", ".join(s.key for s in result.signers if s.trusted and s.valid is False)
            findings.append(
                Finding(
                    kind="bad_signature",
                    message=(
                        f"checkpoint at size {result.size}: the signature by trusted key {bad} "
                        "does not verify; the whole checkpoint is rejected"
                    ),
                    checkpoint=result.size,
                    file=line.source,
                    line=line.line,
                )
            )
        elif result.status == "untrusted":
            keys = ", ".join(s.key for s in result.signers) or "no key"
            findings.append(
                Finding(
                    kind="untrusted_key",
                    message=(
                        f"checkpoint at size {result.size} is signed only by keys you do not trust "
                        f"({keys}); compare the key out of band before trusting it"
                    ),
                    checkpoint=result.size,
                    file=line.source,
                    line=line.line,
                )
            )
        else:
            by_size.setdefault(result.size, []).append(result)

    anchors: dict[int, _Anchor] = {0: _Anchor(0, ZERO_HEAD, None)}
    for size, group in sorted(by_size.items()):
        distinct = {r.head for r in group}
        if size == 0:
            distinct.add(ZERO_HEAD)
        if len(distinct) > 1:
            for r in group:
                r.status = "fork"
            findings.append(
                Finding(
                    kind="fork",
                    message=(
                        f"{len(distinct)} different heads are signed for size {size}: "
                        "the log was forked or rewritten; both notes are kept as evidence"
                    ),
                    checkpoint=size,
                    evidence=[r.note for r in group],
                )
            )
            if size != 0:
                continue
        if size != 0:
            anchors[size] = _Anchor(size, group[0].head, group[0])

    if not checkpoint_lines and has_integrity_data:
        findings.append(
            Finding(kind="no_checkpoints", message="the bundle holds no checkpoints; nothing can be verified")
        )

    # Walk the intervals.
    interval_states: list[tuple[int, int, str]] = []  # [lo, hi) in seq space
    ordered = sorted(anchors.values(), key=lambda a: a.size)
    first_entry = included[0] if included else None
    last_leaf = all_seqs[-1] if all_seqs else -1
    seen_interval_with_entries = False

    def present(lo: int, hi: int) -> int:
        return bisect.bisect_left(all_seqs, hi) - bisect.bisect_left(all_seqs, lo)

    def included_in(lo: int, hi: int) -> int:
        return bisect.bisect_left(included, hi) - bisect.bisect_left(included, lo)

    # Every complete interval's chain is recomputed first, all at once (in
    # worker processes for big logs): each starts from its own anchor's head.
    complete = [
        (a, b)
        for a, b in itertools.pairwise(ordered)
        if included_in(a.size, b.size) and present(a.size, b.size) == b.size - a.size
    ]
    computed_heads = _extend_intervals(
        [a.head for a, _ in complete], [(a.size, b.size) for a, b in complete], leaf_range
    )
    for a, b in itertools.pairwise(ordered):
        lo, hi = a.size, b.size
        if included_in(lo, hi) == 0:
            continue
        first_with_entries = not seen_interval_with_entries
        seen_interval_with_entries = True
        if present(lo, hi) == hi - lo:
            computed = computed_heads[lo]
            if computed == b.head:
                interval_states.append((lo, hi, VERIFIED))
                continue
            interval_states.append((lo, hi, FAILED))
            if b.result is not None:
                b.result.status = "mismatch"
            findings.append(_chain_mismatch(recorded_heads, leaf_range(lo, hi), a, b, computed))
            continue
        # Seqs may be missing only before the export's first entry (in its first
        # interval: §7 missing_anchor) and, our choice (docs/verification.md),
        # after its last one when the closing checkpoint lies beyond the export:
        # those entries are unproven, not missing. Both may hold at once.
        start = first_entry if first_with_entries and first_entry is not None and first_entry > lo else lo
        end = last_leaf + 1 if last_leaf < hi - 1 else hi
        if start < end and present(start, end) == end - start:
            interval_states.append((lo, hi, UNVERIFIED))
            if start > lo:
                findings.append(
                    Finding(
                        kind="missing_anchor",
                        message=(
                            f"the export starts at seq {start} with no signed checkpoint there; "
                            f"entries {start}..{end - 1} cannot be tied to the checkpoint at {hi}"
                        ),
                        seq=start,
                        seq_end=end - 1,
                        checkpoint=hi,
                    )
                )
            if end < hi:
                findings.append(
                    Finding(
                        kind="unsigned_tail",
                        message=(
                            f"entries {start}..{end - 1} come after the last checkpoint the export "
                            f"reaches (size {lo}); the log's checkpoint at {hi} lies beyond the export"
                        ),
                        seq=start,
                        seq_end=end - 1,
                        checkpoint=hi,
                    )
                )
            continue
        missing = _first_missing(all_seqs, lo, hi)
        interval_states.append((lo, hi, FAILED))
        if b.result is not None:
            b.result.status = "mismatch"
        findings.append(
            Finding(
                kind="entry_missing",
                message=(
                    f"{hi - lo - present(lo, hi)} entries of the interval {lo}..{hi - 1} are missing "
                    f"(first: seq {missing}); the interval cannot be checked against the checkpoint at {hi}"
                ),
                seq=lo,
                seq_end=hi - 1,
                checkpoint=hi,
            )
        )

    last_anchor = ordered[-1].size
    tail = [s for s in included[bisect.bisect_left(included, last_anchor) :]]
    if tail:
        interval_states.append((last_anchor, tail[-1] + 1, UNVERIFIED))
    if tail and has_integrity_data:
        findings.append(
            Finding(
                kind="unsigned_tail",
                message=(
                    f"entries {tail[0]}..{tail[-1]} come after the last trusted checkpoint "
                    f"(size {last_anchor}) and are not verified"
                ),
                seq=tail[0],
                seq_end=tail[-1],
                checkpoint=last_anchor if last_anchor else None,
            )
        )
    if included:
        for anchor in ordered:
            if anchor.size > included[-1] + 1 and anchor.result is not None:
                findings.append(
                    Finding(
                        kind="log_continues",
                        message=(
                            f"a trusted checkpoint at size {anchor.size} shows the log continues "
                            f"past this export's last entry (seq {included[-1]})"
                        ),
                        checkpoint=anchor.size,
                    )
                )
                break

    _check_untrusted(results, leaf_range, all_seqs, ordered)

    state_ranges = _state_ranges(included, interval_states, collector.failed_seqs)
    state_counts = {VERIFIED: 0, FAILED: 0, UNVERIFIED: 0}
    for lo, hi, state in state_ranges:
        state_counts[state] += bisect.bisect_right(included, hi) - bisect.bisect_left(included, lo)
    verified_entries = state_counts[VERIFIED]
    severities = {f.severity for f in findings}
    if FAILURE in severities:
        status = STATUS_FAILED
    elif INCOMPLETE in severities or verified_entries < len(included) or not included:
        status = STATUS_INCOMPLETE
    else:
        status = STATUS_VERIFIED
    return Report(
        status=status,
        origin=origin,
        entries=len(included),
        verified_entries=verified_entries,
        first_seq=included[0] if included else None,
        last_seq=included[-1] if included else None,
        checkpoints=sorted(results, key=lambda r: r.size),
        findings=list(FindingBudget(findings)),  # every source together, bounded per kind
        state_ranges=state_ranges,
        state_counts=state_counts,
    )


#: Recomputing more chain steps than this is split between worker processes
#: (about 0.3 s of hashing on a loaded machine: worth more than starting one).
PARALLEL_CHAIN_STEPS = 524_288


def _extend_intervals(
    starts: list[bytes], intervals: list[tuple[int, int]], leaf_range: Callable[[int, int], Sequence[bytes]]
) -> dict[int, bytes]:
    """The head computed over each interval [lo, hi) from its start head, by lo."""
    from auditviewer.input.formats import parallel

    total = sum(hi - lo for lo, hi in intervals)
    workers = parallel.worker_count() if total > PARALLEL_CHAIN_STEPS else 1
    if NATIVE is not None:  # SHA-NI in C, the GIL released: threads, not worker processes
        native = NATIVE
        chain_jobs = [(head, _joined(leaf_range(lo, hi))) for head, (lo, hi) in zip(starts, intervals, strict=True)]
        threads = parallel.thread_count() if total > PARALLEL_CHAIN_STEPS else 1
        if threads > 1 and len(chain_jobs) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=threads) as pool:
                heads_ = list(pool.map(lambda job: native.chain(*job), chain_jobs))
        else:
            heads_ = [native.chain(*job) for job in chain_jobs]
        return {lo: head for (lo, _), head in zip(intervals, heads_, strict=True)}
    if workers <= 1 or len(intervals) < 2:
        return {lo: extend(head, leaf_range(lo, hi)) for head, (lo, hi) in zip(starts, intervals, strict=True)}
    # Cut the intervals into one group per worker with about as many steps each.
    jobs: list[tuple[list[bytes], list[int], bytes]] = []
    share = total / workers
    group_starts: list[bytes] = []
    counts: list[int] = []
    parts: list[bytes] = []
    done = 0
    for head, (lo, hi) in zip(starts, intervals, strict=True):
        group_starts.append(head)
        counts.append(hi - lo)
        parts.append(bytes(_joined(leaf_range(lo, hi))))
        done += hi - lo
        if done >= share * (len(jobs) + 1) and len(jobs) < workers - 1:
            jobs.append((group_starts, counts, b"".join(parts)))
            group_starts, counts, parts = [], [], []
    if counts:
        jobs.append((group_starts, counts, b"".join(parts)))
    heads = [h for result in parallel.split_map(extend_runs, jobs, workers=workers) for h in result]
    return {lo: head for (lo, _), head in zip(intervals, heads, strict=True)}


def _finding_key(f: Finding) -> tuple[object, ...]:
    """What makes two findings equal (Finding holds a list, so it is not hashable itself)."""
    return (f.kind, f.message, f.seq, f.seq_end, f.checkpoint, f.expected, f.computed, f.file, f.line, tuple(f.evidence))


def _first_missing(all_seqs: Sequence[int], lo: int, hi: int) -> int:
    start = bisect.bisect_left(all_seqs, lo)
    expected = lo
    for seq in all_seqs[start:]:
        if seq != expected or seq >= hi:
            return expected
        expected += 1
    return expected


def _chain_mismatch(
    recorded: Mapping[int, bytes], hashes: Sequence[bytes], a: _Anchor, b: _Anchor, computed: bytes
) -> Finding:
    lo, hi = a.size, b.size
    message = (
        f"entries {lo}..{hi - 1} do not hash to the head signed at size {hi}: "
        "an entry in this interval was changed, added or removed"
    )
    if recorded and any(s in recorded for s in range(lo, hi)):
        for offset, head in enumerate(heads(a.head, hashes)):
            seq = lo + offset
            if seq in recorded and recorded[seq] != head:
                message += f"; the first entry whose recorded head differs is seq {seq}"
                break
    return Finding(
        kind="chain_mismatch",
        message=message,
        seq=lo,
        seq_end=hi - 1,
        checkpoint=hi,
        expected=b.head,
        computed=computed,
    )


def _fold(head: bytes, hashes: Sequence[bytes]) -> bytes:
    """One chain fold: in C when the extension is built (as trusted intervals are
    folded), else in Python. The untrusted check folded in Python always: 1.5x the
    trusted verify of 1M JSONL entries."""
    if NATIVE is not None:
        return bytes(NATIVE.chain(head, _joined(hashes)))
    return extend(head, hashes)


def _check_untrusted(
    results: list[CheckpointResult],
    leaf_range: Callable[[int, int], Sequence[bytes]],
    all_seqs: Sequence[int],
    anchors: list[_Anchor],
) -> None:
    """Untrusted checkpoints verify nothing, but say whether they agree with the chain.

    Each is checked from the nearest point below it whose head is known: the
    trusted anchor, or the head computed for the previous untrusted checkpoint
    above that anchor. Taken in order of size, every leaf is folded at most
    once, so a bundle whose key is not yet trusted costs what a trusted one
    does (before, each checkpoint was folded from its anchor: quadratic, 182 s
    for 1M entries signed every 1,024).
    """
    sizes = [a.size for a in anchors]
    known_size, known_head = -1, b""
    for result in sorted((r for r in results if r.status == "untrusted"), key=lambda r: r.size):
        i = bisect.bisect_right(sizes, result.size) - 1
        start = anchors[i]
        lo, head = start.size, start.head
        if known_size >= lo:
            lo, head = known_size, known_head
        hi = result.size
        count = bisect.bisect_left(all_seqs, hi) - bisect.bisect_left(all_seqs, lo)
        if count != hi - lo:
            continue
        computed = _fold(head, leaf_range(lo, hi))
        known_size, known_head = hi, computed
        result.source += " (agrees with the entries)" if computed == result.head else " (disagrees with the entries)"


def _state_ranges(
    included: Sequence[int], intervals: list[tuple[int, int, str]], failed: set[int]
) -> list[tuple[int, int, str]]:
    """Per-entry states as runs over included seqs: (first, last inclusive, state)."""
    out: list[tuple[int, int, str]] = []

    def push(first: int, last: int, state: str) -> None:
        # Merge runs of the same state when the gap between them holds no included entry.
        if (
            out
            and out[-1][2] == state
            and out[-1][1] < first
            and bisect.bisect_left(included, first) == bisect.bisect_right(included, out[-1][1])
        ):
            out[-1] = (out[-1][0], last, state)
            return
        out.append((first, last, state))

    covered = sorted(intervals)
    failed_sorted = sorted(failed)
    pos = 0
    n = len(included)
    for lo, hi, state in covered:
        start = bisect.bisect_left(included, lo, pos)
        end = bisect.bisect_left(included, hi, start)
        if start > pos:
            # Entries outside every interval: unverified, one run (as many single pushes would merge).
            push(included[pos], included[start - 1], UNVERIFIED)
        if start < end:
            run_start = start
            if state != FAILED:
                first = bisect.bisect_left(failed_sorted, included[start])
                last = bisect.bisect_right(failed_sorted, included[end - 1])
                for seq in failed_sorted[first:last]:
                    idx = bisect.bisect_left(included, seq, start, end)
                    if idx == end or included[idx] != seq:
                        continue  # failed, but not an included entry (a proof's seq)
                    if run_start < idx:
                        push(included[run_start], included[idx - 1], state)
                    push(seq, seq, FAILED)
                    run_start = idx + 1
            if run_start < end:
                push(included[run_start], included[end - 1], state)
        pos = max(pos, end)
    if pos < n:
        push(included[pos], included[-1], UNVERIFIED)
    return out


__all__ = ["LeafCollector", "b64", "verify"]
