"""The command line's progress line: what a long ``verify``, ``query``, ``export`` or ``sample`` is doing.

The core reports progress through plain callables (``progress(done, total)``:
bytes read in :mod:`auditviewer.workspace.inputs`, entries written in
:mod:`auditviewer.demo.sample`, units of work in :mod:`auditviewer.export.write`) and
batches through ``on_batch``; :class:`ProgressLine` is a set of such
callables that draws one line on standard error::

    verifying  4,120,000 entries  41%  515,000 entries/s  0:08 left

Only when standard error is a terminal (never into a pipe or a file, so
scripts and ``--json`` output see nothing new) and not asked to be quiet.
The line is drawn at most ten times a second, not before
:data:`FIRST_DRAW_AFTER` (a command that ends sooner shows nothing), cut to
the terminal's width (a wrapped line could not be redrawn in place), and
erased at the end or before an error is printed: ``\\r``, spaces over it,
``\\r`` (no escape sequences, so it works on any terminal). Its text is the
program's own (counts, never a file name or anything else from the input),
so it needs no :func:`auditviewer.core.display.visible`.

Hand-written rather than ``rich``: this is all the command line needs, and it
imports nothing beyond the standard library at start-up (``verify`` of 3,000
entries must stay under a second, whole process).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

#: Seconds between two drawings of the line.
MIN_INTERVAL = 0.1
#: Seconds of work before the line first appears.
FIRST_DRAW_AFTER = 0.5


def wanted(stream: TextIO | None = None, *, quiet: bool = False) -> bool:
    """Whether a progress line belongs on ``stream`` (default: standard error)."""
    stream = sys.stderr if stream is None else stream
    if quiet or stream is None:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class ProgressLine:
    """One progress line on a terminal; every method is a no-op when it is not wanted.

    ``stage(label)`` starts a stage (its own clock and counts). Feed it with
    :meth:`bytes_read` (a workspace ``Progress``: fraction and time left),
    :meth:`entries_done` (entries out of a known total) and :meth:`batch`
    (an ``on_batch``: entries counted as they are read). Use it as a context
    manager, or call :meth:`erase`, so the line never outlives the work.
    """

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = sys.stderr if stream is None else stream
        self.enabled = wanted(self._stream, quiet=quiet)
        self._clock = clock
        self._shown = 0  # characters on the line now
        self.stage(label)

    @property
    def label(self) -> str:
        return self._label

    def stage(self, label: str) -> ProgressLine:
        """Start a stage: its own label, clock and counts (the line stays until redrawn)."""
        self._label = label
        self._started = self._clock()
        self._last_draw = self._started
        self._entries = 0
        self._entries_total: int | None = None
        self._fraction: float | None = None
        return self

    # -- the callables handed to the core --------------------------------------------

    def bytes_read(self, done: int, total: int) -> None:
        """``progress(bytes done, bytes in all)``: how far through the input."""
        if self.enabled and total > 0:
            self._fraction = min(max(done / total, 0.0), 1.0)
            self._maybe_draw()

    def entries_done(self, done: int, total: int) -> None:
        """``progress(entries done, entries in all)``."""
        if self.enabled:
            self._entries, self._entries_total = done, total
            self._fraction = min(done / total, 1.0) if total > 0 else None
            self._maybe_draw()

    def units_done(self, done: int, total: int) -> None:
        """``progress(units done, units in all)`` of work not counted in entries."""
        if self.enabled and total > 0:
            self._fraction = min(max(done / total, 0.0), 1.0)
            self._maybe_draw()

    def batch(self, batch: Any) -> None:
        """An ``on_batch``: counts the entries of each batch read."""
        if self.enabled:
            self._entries += int(batch.num_rows)
            self._maybe_draw()

    def rows(self, count: int) -> None:
        """An ``on_rows``: the number of entries read so far."""
        if self.enabled:
            self._entries = count
            self._maybe_draw()

    # -- drawing -------------------------------------------------------------------------

    def _maybe_draw(self) -> None:
        now = self._clock()
        if now - self._last_draw < MIN_INTERVAL or now - self._started < FIRST_DRAW_AFTER:
            return
        self._last_draw = now
        self._draw(self.text(now))

    def text(self, now: float | None = None) -> str:
        """The line as it would be drawn now."""
        now = self._clock() if now is None else now
        elapsed = max(now - self._started, 1e-9)
        parts = [self._label]
        if self._entries_total is not None:
            parts.append(f"{self._entries:,} of {self._entries_total:,} entries")
        elif self._entries:
            parts.append(f"{self._entries:,} entries")
        if self._fraction is not None:
            parts.append(f"{self._fraction:.0%}")
        if self._entries:
            parts.append(f"{self._entries / elapsed:,.0f} entries/s")
        if self._fraction and elapsed >= 1.0 and self._fraction < 1.0:
            parts.append(f"{_duration(elapsed * (1 - self._fraction) / self._fraction)} left")
        return "  ".join(parts)

    def _draw(self, text: str) -> None:
        width = _width(self._stream)
        text = text[: max(width - 1, 0)]
        pad = " " * max(self._shown - len(text), 0)
        self._write("\r" + text + pad)
        self._shown = len(text)

    def erase(self) -> None:
        """Remove the line (if one is drawn), leaving the cursor where it began."""
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # the terminal went away: the work goes on without the line

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.erase()


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
