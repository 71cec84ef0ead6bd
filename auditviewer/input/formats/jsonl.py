"""JSONL and JSONL.gz entry files: one entry per line, the leaf is the line without its newline."""

from __future__ import annotations

import array
import dataclasses
import itertools
from collections import deque
from collections.abc import Callable, Iterator

import pyarrow as pa

from auditviewer.core.limits import DEFAULT_LIMITS, Limits, MiB
from auditviewer.core.native import NATIVE
from auditviewer.input.containers import CHUNK
from auditviewer.input.formats.batches import (
    LeafBatch,
    Problem,
    add_problem,
    counting_array,
    leaf_hashes,
    make_batch,
)
from auditviewer.input.formats.entry import MAY_START_JSON, NOT_JSON_START, check_leaf, fast_seqs

BATCH_LINES = 65_536
#: Entry files are cut into segments of whole lines of about this size; each is checked on its own.
SEGMENT_BYTES = 16 * MiB
#: Files (or decompressed streams) larger than this are checked by worker processes.
PARALLEL_MIN_BYTES = 64 * MiB


def split_lines(
    stream_read: object, *, source: str, limits: Limits
) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line bytes without the newline) from a byte stream.

    A line longer than the entry limit is yielded cut to ``limit + 1`` bytes so
    the check reports it, without ever holding more than one read of it (the
    stream is cut by :func:`iter_pieces`, as every reader's is).
    """
    limit = limits.max_entry_bytes
    number = 0
    for prefix, chunk, start, end in iter_pieces(stream_read, limits=limits, size=CHUNK):  # type: ignore[arg-type]
        lines = (prefix + chunk[start:end]).split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        for line in lines:
            number += 1
            yield number, line if len(line) <= limit else line[: limit + 1]


def iter_segments(
    read: Callable[[int], bytes], *, limits: Limits = DEFAULT_LIMITS, size: int = SEGMENT_BYTES
) -> Iterator[bytes]:
    """Cut a byte stream into segments of whole lines (the pieces of :func:`iter_pieces`, joined).

    Every line of a segment ends with a newline (one is added after a last line
    that has none), so ``segment.split(b"\\n")`` gives its lines plus an empty
    tail, and the lines of all segments are those of :func:`split_lines`, with
    the same numbers when counted from 1 (a line over the entry limit may be
    kept whole here and is cut when checked).
    """
    for prefix, chunk, start, end in iter_pieces(read, limits=limits, size=size):
        segment = prefix + chunk[start:end] if prefix or start or end < len(chunk) else chunk
        yield segment if segment.endswith(b"\n") else segment + b"\n"


def _check_segment(
    segment: bytes, first_line: int, source: str, limits: Limits, batch_lines: int
) -> tuple[list[LeafBatch], int]:
    lines = segment.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    out: list[LeafBatch] = []
    for part in _check_lines(lines, segment, first_line, source, limits, batch_lines):
        if isinstance(part, LeafBatch):
            out.append(part)
        else:
            start, stop, seqs, hashes = part
            leaves = lines[start:stop] if start or stop < len(lines) else lines
            numbers = range(first_line + start, first_line + stop)
            out.append(make_batch(source, seqs, leaves, numbers, leaf_hash_bytes=hashes))
    return out, len(lines)


def _check_segment_native(
    segment: bytes,
    first_line: int,
    source: str,
    limits: Limits,
    batch_lines: int,
    *,
    prefix: bytes = b"",
    start: int = 0,
    end: int = -1,
) -> tuple[list[LeafBatch], int]:
    """:func:`_check_segment` by the C extension: no Python object per line unless one is declined.

    The lines are those of ``prefix + segment[start:end]`` (see :func:`iter_pieces`).
    """
    assert NATIVE is not None
    count, data, offsets, seqs, hashes, times, declined = NATIVE.check_jsonl(
        segment, limits.max_entry_bytes, limits.max_json_depth, prefix, start, end
    )
    leaf_array = pa.Array.from_buffers(pa.binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    seq_array = pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(seqs)])
    seq_view = memoryview(seqs).cast("q")
    out: list[LeafBatch] = []
    for start in range(0, count, batch_lines):
        stop = min(start + batch_lines, count)
        n = stop - start
        if declined and -1 in seq_view[start:stop]:
            part_seqs = [None if seq < 0 else seq for seq in seq_view[start:stop]]
            lines = leaf_array.slice(start, n).to_pylist()
            out.append(_judged_batch(lines, part_seqs, first_line + start, source, limits))
            continue
        out.append(
            make_batch(
                source,
                seq_array.slice(start, n),
                [],
                range(first_line + start, first_line + stop),
                leaf_array=leaf_array.slice(start, n),
                leaf_hash_bytes=hashes[32 * start : 32 * stop],
                times=times[8 * start : 8 * stop],
            )
        )
    return out, count


#: A run of good lines as a worker sends it back: (first index, end index, seqs, leaf hashes).
_Run = tuple[int, int, list[int], bytes]


def _check_lines(
    lines: list[bytes], segment: bytes, first_line: int, source: str, limits: Limits, batch_lines: int
) -> list[LeafBatch | _Run]:
    """Batches of a segment's lines: a run of good lines is left for the caller to build."""
    seqs = fast_seqs(lines, limits=limits, joined=segment)
    out: list[LeafBatch | _Run] = []
    for start in range(0, len(lines), batch_lines):
        stop = min(start + batch_lines, len(lines))
        first = first_line + start
        part_seqs = seqs[start:stop] if start or stop < len(seqs) else seqs
        part_lines = lines[start:stop] if start or stop < len(lines) else lines
        if None not in part_seqs:  # every line proven good: the common case
            out.append((start, stop, part_seqs, leaf_hashes(part_lines)))  # type: ignore[arg-type]
            continue
        out.append(_judged_batch(part_lines, part_seqs, first, source, limits))
    return out


def _judged_batch(
    part_lines: list[bytes], part_seqs: list[int | None], first: int, source: str, limits: Limits
) -> LeafBatch:
    """A batch of lines some of which the fast check did not prove (None): the Python check judges those."""
    limit = limits.max_entry_bytes
    kept_seqs: list[int] = []
    leaves: list[bytes] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for offset, (leaf, seq) in enumerate(zip(part_lines, part_seqs, strict=True)):
        number = first + offset
        if seq is None:
            if not leaf:
                add_problem(problems, number, "blank line (entry files have none)", leaf, limits)
                continue
            if leaf[:1] not in MAY_START_JSON and len(leaf) <= limit:  # as check_leaf says, cheaper
                add_problem(problems, number, NOT_JSON_START, leaf, limits)
                continue
            check = check_leaf(leaf if len(leaf) <= limit else leaf[: limit + 1], limits=limits)
            if check.seq is None:
                add_problem(problems, number, check.problem or "unreadable entry", leaf, limits)
                continue
            seq = check.seq
            if check.problem:
                problems.append(Problem(number, check.problem, seq=seq))
        kept_seqs.append(seq)
        leaves.append(leaf)
        numbers.append(number)
    return make_batch(source, kept_seqs, leaves, numbers, problems=problems)


def check_segment_lean(
    segment: bytes, source: str, limits: Limits, batch_lines: int
) -> tuple[list[LeafBatch | _Run], bytes, int]:
    """What a worker sends back for a segment: batches numbered from line 1, except
    that runs of good lines come as (start, end, seqs, hashes) plus the leaves'
    offsets, because the reader already holds their bytes (shipping them back
    would cost more than checking); and the number of lines.
    """
    lines = segment.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    parts = _check_lines(lines, segment, 1, source, limits, batch_lines)
    offsets = b""
    if any(not isinstance(part, LeafBatch) for part in parts):
        offsets = array.array("i", itertools.accumulate(map(len, lines), initial=0)).tobytes()
    return parts, offsets, len(lines)


def _build_lean(
    segment: bytes, first_line: int, source: str, parts: list[LeafBatch | _Run], offsets: bytes
) -> Iterator[LeafBatch]:
    """The batches of :func:`_check_segment`, from :func:`check_segment_lean`'s answer."""
    data: pa.Buffer | None = None
    offset_buffer = pa.py_buffer(offsets) if offsets else None
    for part in parts:
        if isinstance(part, LeafBatch):
            yield _renumbered(part, first_line - 1)
            continue
        start, stop, seqs, hashes = part
        if data is None:
            # The lines' bytes without their newlines: exactly the leaves, back to back.
            data = pa.py_buffer(segment.replace(b"\n", b""))
        leaf_array = pa.Array.from_buffers(
            pa.binary(), stop - start, [None, offset_buffer, data], offset=start
        )
        numbers = range(first_line + start, first_line + stop)
        yield make_batch(source, seqs, [], numbers, leaf_array=leaf_array, leaf_hash_bytes=hashes)


def read_jsonl(
    read: object,
    *,
    source: str,
    limits: Limits = DEFAULT_LIMITS,
    batch_lines: int = BATCH_LINES,
    workers: int | None = None,
    segment_bytes: int = SEGMENT_BYTES,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> Iterator[LeafBatch]:
    """Leaf batches from a JSONL byte stream (``read`` is the stream's bound ``read`` method).

    Streams longer than ``parallel_min_bytes`` are checked by ``workers``
    processes (default: one per spare CPU, see :func:`auditviewer.input.formats.parallel.worker_count`);
    the batches are the same, in the same order, as when read inline.
    """
    from auditviewer.input.formats import parallel

    if NATIVE is not None:
        yield from _read_native(read, source, limits, batch_lines, workers, segment_bytes)  # type: ignore[arg-type]
        return
    segments = iter_segments(read, limits=limits, size=segment_bytes)  # type: ignore[arg-type]
    count = parallel.worker_count() if workers is None else workers
    ahead: list[bytes] = []
    if count > 1:
        held = 0
        for segment in segments:
            ahead.append(segment)
            held += len(segment)
            if held > parallel_min_bytes:
                break
        else:
            count = 1  # the whole stream is small: not worth starting processes
    first_line = 1
    if count <= 1:
        for segment in _drain(ahead, segments):
            batches, lines = _check_segment(segment, first_line, source, limits, batch_lines)
            first_line += lines
            yield from batches
        return
    held_segments: deque[bytes] = deque()

    def jobs() -> Iterator[tuple[bytes, str, Limits, int]]:
        for segment in _drain(ahead, segments):
            held_segments.append(segment)
            yield segment, source, limits, batch_lines

    for parts, offsets, lines in parallel.ordered_map(check_segment_lean, jobs(), workers=count):
        yield from _build_lean(held_segments.popleft(), first_line, source, parts, offsets)
        first_line += lines


def iter_pieces(
    read: Callable[[int], bytes], *, limits: Limits = DEFAULT_LIMITS, size: int = SEGMENT_BYTES
) -> Iterator[tuple[bytes, bytes, int, int]]:
    """The stream as (prefix, chunk, start, end): ``prefix + chunk[start:end]`` is whole lines.

    The one place a stream is cut into lines: :func:`split_lines` and
    :func:`iter_segments` join the pieces; the C check takes them as they are.
    Each chunk is one read, cut after its last newline; ``prefix`` is the start
    of its first line, read before (it holds no newline). A line that grows past
    the entry limit before it ends is cut to ``limit + 1`` bytes and its rest
    skipped, so no more than one read and one cut line are held.
    """
    limit = limits.max_entry_bytes
    pending = b""
    skipping = False
    while True:
        chunk = read(size)
        if not chunk:
            break
        start = 0
        if skipping:
            start = chunk.find(b"\n")
            if start < 0:
                continue  # still inside the cut line
            skipping = False  # the text goes on from this newline, which ends the cut line
        cut = chunk.rfind(b"\n", start)
        if cut < 0:
            pending += chunk
        else:
            yield from _dense_split(pending, chunk, start, cut + 1)
            pending = chunk[cut + 1 :]
        if len(pending) > limit:
            pending = pending[: limit + 1]
            skipping = True
    if pending:
        yield pending, b"", 0, 0


#: Lines of one piece at most: the C check's output is ~56 bytes a line, so a piece of
#: 16 MiB of newlines (16.7 million empty lines) would cost ~1 GB; it is cut smaller.
MAX_PIECE_LINES = 1 << 20


def _dense_split(prefix: bytes, chunk: bytes, start: int, end: int) -> Iterator[tuple[bytes, bytes, int, int]]:
    """``prefix + chunk[start:end]`` (whole lines) as pieces of at most about ``MAX_PIECE_LINES`` lines."""
    # Counted by memchr in C: bytes.count looks at every byte (0.2 s for 500 MB).
    lines = NATIVE.count_lines(chunk, start, end) if NATIVE is not None else chunk.count(b"\n", start, end)
    if lines <= MAX_PIECE_LINES:
        yield prefix, chunk, start, end
        return
    step = max(1, (end - start) * MAX_PIECE_LINES // lines)
    at = start
    while at < end:
        stop = chunk.rfind(b"\n", at, min(at + step, end)) + 1
        if stop <= at:  # no newline within a step: the next one ends this piece (end - 1 is one)
            stop = chunk.find(b"\n", at + step - 1) + 1
        yield prefix, chunk, at, stop
        prefix, at = b"", stop


def _check_piece(
    prefix: bytes, chunk: bytes, start: int, end: int, source: str, limits: Limits, batch_lines: int
) -> tuple[list[LeafBatch], int]:
    return _check_segment_native(chunk, 1, source, limits, batch_lines, prefix=prefix, start=start, end=end)


def _read_native(
    read: Callable[[int], bytes],
    source: str,
    limits: Limits,
    batch_lines: int,
    workers: int | None,
    segment_bytes: int,
) -> Iterator[LeafBatch]:
    """The stream's lines checked by the C extension, on threads when there are several pieces."""
    from auditviewer.input.formats import parallel

    jobs = (
        (prefix, chunk, start, end, source, limits, batch_lines)
        for prefix, chunk, start, end in iter_pieces(read, limits=limits, size=segment_bytes)
    )
    ahead = list(itertools.islice(jobs, 2))
    count = parallel.thread_count() if workers is None else workers
    results: Iterator[tuple[list[LeafBatch], int]]
    if len(ahead) < 2 or count <= 1:  # one piece (a small file) or one CPU: no threads
        results = (_check_piece(*job) for job in itertools.chain(ahead, jobs))
    else:
        results = parallel.thread_map(_check_piece, itertools.chain(ahead, jobs), workers=count)
    del ahead
    first_line = 1
    for batches, lines in results:
        for batch in batches:
            yield _renumbered(batch, first_line - 1)
        first_line += lines


def _renumbered(batch: LeafBatch, shift: int) -> LeafBatch:
    """A batch whose line numbers were counted from 1, moved to where its segment starts."""
    if not shift:
        return batch
    table = batch.table
    column = table.column(2)
    n = len(column)
    if n and not batch.problems and column[n - 1].as_py() - column[0].as_py() == n - 1:
        # Line numbers only grow, so these are consecutive: made anew from the first (in C).
        lines = counting_array(column[0].as_py() + shift, n)
    else:
        import pyarrow.compute as pc

        lines = pc.add(column, pa.scalar(shift, pa.int64()))
    problems = [dataclasses.replace(p, line=p.line + shift) for p in batch.problems]
    return LeafBatch(batch.source, table.set_column(2, table.schema.field(2), lines), problems, batch.times)


def _drain(ahead: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """The segments read ahead (letting go of each), then the rest."""
    queue = deque(ahead)
    ahead.clear()
    while queue:
        yield queue.popleft()
    yield from rest
