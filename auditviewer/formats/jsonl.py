"""JSONL and JSONL.gz entry files: one entry per line, the leaf is the line without its newline."""

from __future__ import annotations

from collections.abc import Iterator

from auditviewer.formats.batches import LeafBatch, Problem, make_batch
from auditviewer.formats.entry import check_leaf
from auditviewer.limits import DEFAULT_LIMITS, Limits
from auditviewer.sources import CHUNK

BATCH_LINES = 65_536


def split_lines(
    stream_read: object, *, source: str, limits: Limits
) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line bytes without the newline) from a byte stream.

    A line longer than the entry limit is yielded cut to ``limit + 1`` bytes so
    the check reports it, without ever holding more than one chunk of it.
    """
    read = stream_read  # a bound .read method
    pending = b""
    number = 0
    skipping = False
    limit = limits.max_entry_bytes
    while True:
        chunk = read(CHUNK)  # type: ignore[operator]
        if not chunk:
            break
        parts = (pending + chunk if pending else chunk).split(b"\n")
        pending = parts.pop()
        if skipping and parts:
            # The rest of an over-long line ends here; it was reported already.
            number += 1
            parts = parts[1:]
            skipping = False
        for line in parts:
            number += 1
            yield number, line if len(line) <= limit else line[: limit + 1]
        if len(pending) > limit and not skipping:
            yield number + 1, pending[: limit + 1]
            skipping = True
        if skipping:
            pending = b""
    if pending and not skipping:
        number += 1
        yield number, pending


def read_jsonl(
    read: object, *, source: str, limits: Limits = DEFAULT_LIMITS, batch_lines: int = BATCH_LINES
) -> Iterator[LeafBatch]:
    """Leaf batches from a JSONL byte stream (``read`` is the stream's bound ``read`` method)."""
    seqs: list[int] = []
    leaves: list[bytes] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for number, leaf in split_lines(read, source=source, limits=limits):
        if not leaf:
            problems.append(Problem(number, "blank line (entry files have none)"))
            continue
        check = check_leaf(leaf, limits=limits)
        if check.seq is None:
            problems.append(Problem(number, check.problem or "unreadable entry"))
        else:
            seqs.append(check.seq)
            leaves.append(leaf)
            lines.append(number)
            if check.problem:
                problems.append(Problem(number, check.problem, seq=check.seq))
        if len(lines) >= batch_lines:
            yield make_batch(source, seqs, leaves, lines, problems=problems)
            seqs, leaves, lines, problems = [], [], [], []
    if lines or problems:
        yield make_batch(source, seqs, leaves, lines, problems=problems)
