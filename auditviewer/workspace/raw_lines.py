"""The raw bytes of a line that is not an entry: what a ``malformed_entry``
finding's line holds (issue 13, defect 8).

The readers already hold a malformed line's bytes when they find it, so they
hand them on with its problem (:attr:`~auditviewer.input.formats.batches.Problem.raw`,
cut to ``Limits.max_raw_line_bytes``); :class:`KeptLines` keeps those of one
load (at most ``Limits.max_malformed_lines`` lines in all), by file label and
line, and the viewer shows a finding's line from there without reading the
file again. Only a line past that bound is read again, by :func:`read_raw_line`.

A line that is not an entry never reaches the store's ``entries`` (it has no seq, and may
not be JSON): the kept lines go to a side table of their own
(:meth:`KeptLines.rows` → ``store/malformed.py``), listed as rows after the entries.
:func:`read_raw_line` finds the file by the label the finding names (the label
the workspace gave it while loading, :meth:`Container.label`), streams it through
the same bounded readers (zip members, gzip inflation under the ratio and size
limits), counts lines up to the one asked for, and keeps at most ``limit`` bytes
of it. The bytes are data: the caller shows them through
:func:`auditviewer.core.display.visible` (or escaped, :func:`json_text`).
Reading up to a late line of a large file takes as long as reading the file to
there: callers run it off the GUI thread and may cancel (``cancelled``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditviewer.core.errors import InputError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.containers import HashingReader, decompressed, iter_chunks, open_container
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.store.malformed import MalformedLine

#: Bytes of a raw line kept (an entry is at most ``max_entry_bytes``; showing 64 KiB is enough).
RAW_LINE_LIMIT = DEFAULT_LIMITS.max_raw_line_bytes


@dataclass(frozen=True, slots=True)
class RawLine:
    label: str
    line: int
    data: bytes
    #: The line is longer than ``data`` (cut at the limit).
    cut: bool


class KeptLines:
    """The malformed lines' bytes the readers handed on during one load (see the module's docstring)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._lines: dict[tuple[str, int], bytes] = {}
        #: Each kept line's problem (the finding's words), by the same key.
        self._reasons: dict[tuple[str, int], str] = {}
        #: Every malformed line read (those past the bound counted, not kept).
        self.seen = 0
        #: Of those, lines whose reader handed on no bytes (a plain export's rows): not listed.
        self.without_bytes = 0
        self._lock = threading.Lock()

    def add_batch(self, batch: LeafBatch) -> None:
        """Keep the bytes of ``batch``'s problems without a seq (while there is room)."""
        if not batch.problems:
            return
        with self._lock:
            for problem in batch.problems:
                if problem.seq is not None:
                    continue
                self.seen += problem.count
                if not problem.raw:
                    self.without_bytes += problem.count
                for offset, data in enumerate(problem.raw):
                    if len(self._lines) >= self._limits.max_malformed_lines:
                        break
                    self._lines[(batch.source, problem.line + offset)] = data
                    self._reasons[(batch.source, problem.line + offset)] = problem.message

    def get(self, label: str, line: int) -> RawLine | None:
        """Line ``line`` of the file labelled ``label``, if its bytes were kept."""
        with self._lock:
            data = self._lines.get((label, line))
        if data is None:
            return None
        limit = self._limits.max_raw_line_bytes
        return RawLine(label, line, data[:limit], len(data) > limit)

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def not_kept(self) -> int:
        """Malformed lines read but not kept (past ``max_malformed_lines``, or a reader that
        hands on no bytes): counted, not listed."""
        return max(0, self.seen - len(self._lines))

    @property
    def past_limit(self) -> int:
        """Malformed lines not kept because ``max_malformed_lines`` were kept already."""
        return max(0, self.not_kept - self.without_bytes)

    def rows(self) -> list[MalformedLine]:
        """The kept lines as the store's malformed rows, in log order (files as first read, then line)."""
        limit = self._limits.max_raw_line_bytes
        with self._lock:
            files = {label: i for i, label in enumerate(dict.fromkeys(label for label, _ in self._lines))}
            keys = sorted(self._lines, key=lambda key: (files[key[0]], key[1]))
            return [
                MalformedLine(
                    file=label,
                    line=line,
                    raw=self._lines[(label, line)][:limit],
                    reason=self._reasons.get((label, line), "malformed entry"),
                    cut=len(self._lines[(label, line)]) > limit,
                )
                for label, line in keys
            ]


class Cancelled(Exception):
    """The read was cancelled."""


def read_raw_line(
    paths: Sequence[str],
    label: str,
    line: int,
    *,
    limit: int = RAW_LINE_LIMIT,
    limits: Limits = DEFAULT_LIMITS,
    cancelled: Callable[[], bool] = lambda: False,
) -> RawLine:
    """Line ``line`` (1-based) of the entry file labelled ``label`` among ``paths``' inputs.

    Raises :class:`InputError` naming the file when it is not among the inputs any more,
    cannot be read, or has fewer lines."""
    if line < 1:
        raise InputError(f"no line {line}", path=label)
    for path in paths:
        container = open_container(Path(path), limits=limits)
        try:
            for name in container.names():
                if container.label(name) != label:
                    continue
                with container.open_raw(name) as raw:
                    stream = decompressed(
                        HashingReader(raw), name=label, gz=name.lower().endswith(".gz"), limits=limits
                    )
                    return _line_of(stream, label, line, limit, cancelled)
        finally:
            container.close()
    raise InputError("is not among the opened inputs any more", path=label)


def _line_of(stream: object, label: str, line: int, limit: int, cancelled: Callable[[], bool]) -> RawLine:
    number = 1
    kept = bytearray()
    cut = False
    for chunk in iter_chunks(stream):  # type: ignore[arg-type]
        if cancelled():
            raise Cancelled()
        start = 0
        while number < line:
            at = chunk.find(b"\n", start)
            if at < 0:
                break
            number += 1
            start = at + 1
        if number < line:
            continue
        end = chunk.find(b"\n", start)
        piece = chunk[start:] if end < 0 else chunk[start:end]
        room = limit - len(kept)
        if len(piece) > room:
            kept += piece[:room]
            cut = True
            return RawLine(label, line, bytes(kept), cut)
        kept += piece
        if end >= 0:
            return RawLine(label, line, bytes(kept), cut)
    if number < line:
        raise InputError(f"has no line {line} (it has {number})", path=label)
    return RawLine(label, line, bytes(kept), cut)
