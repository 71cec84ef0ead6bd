"""``time_regression`` (spec §7, info): entries whose time goes backwards, batch by batch.

Only an entry's top-level ``time`` string counts, as written; with the C
extension its place was found by the entry check, else a decoder that skips
every other field reads it (``_top_time``). Both paths judge each pair alike:
same-length UTC text ending ``Z`` as text, anything else as moments by
:func:`auditviewer.core.times.parse_rfc3339` — a time without an offset names
no moment and is not compared (docs/verification.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import pyarrow as pa

from auditviewer.core.native import NATIVE
from auditviewer.core.times import parse_rfc3339
from auditviewer.integrity.report import (
    Finding,
)


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
    """True when ``later`` is an earlier moment than ``earlier``; False unless both are
    RFC 3339 times (a time without an offset names no moment: ``core/times.py``)."""
    if len(later) == len(earlier) and later.endswith("Z") and earlier.endswith("Z"):
        return later < earlier
    a, b = parse_rfc3339(later), parse_rfc3339(earlier)
    return a is not None and b is not None and a < b
