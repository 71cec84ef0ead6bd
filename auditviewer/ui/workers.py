"""Long work off the GUI thread: a job runs in a ``QThread``, reports progress
through signals (throttled, so the GUI is never flooded), and stops at the
next batch when cancelled.

Cancelling never waits: :meth:`Worker.cancel` sets the flag the job checks
between batches and calls what the job registered with
:meth:`JobContext.on_cancel` (the loader registers its store's ``interrupt``,
so a long DuckDB statement stops too). Whatever the job does after that —
an exception from the interrupted statement, or a result it finished anyway —
ends as ``cancelled``, and such an orphaned result is closed here (it is
nobody's: the window has moved on).

A *background* job (loading a workspace) also gives way to the GUI thread for
the CPU: see :func:`lower_thread_priority`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from auditviewer.core.errors import AuditViewerError, Cancelled

PROGRESS_INTERVAL_S = 0.1
#: How much nicer (Linux) a background job's thread is than the GUI thread.
BACKGROUND_NICENESS = 10


def lower_thread_priority(step: int = BACKGROUND_NICENESS) -> bool:
    """Make the calling thread (and what it starts later) give way to the GUI thread.

    Loading keeps every core busy: the loading thread, the reading threads or
    processes it starts and DuckDB's threads. On two cores the GUI thread then
    waited up to a few hundred milliseconds for a CPU whenever it woke up
    (measured from its scheduler statistics: runnable but not running). On
    Linux, niceness is per thread and inherited by the threads and processes
    that thread starts afterwards (DuckDB's, if the database is opened after
    this), so the GUI thread, at the normal priority, is scheduled first; the
    whole load loses nothing when a core is idle. Elsewhere Qt's thread
    priority does the same for this thread. Returns whether it was lowered.
    """
    if threading.current_thread() is threading.main_thread():
        return False  # never the GUI thread (a job run in place, as tests may)
    if sys.platform.startswith("linux"):
        try:
            tid = threading.get_native_id()
            nice = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, nice + step))
        except (AttributeError, OSError):
            return False
        return True
    thread = QThread.currentThread()
    if thread is None:
        return False
    thread.setPriority(QThread.Priority.LowPriority)
    return True


class JobContext:
    """Handed to a job: report progress, announce stored rows, check for cancel."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._last = 0.0
        self._last_rows = 0.0
        self._last_read = 0.0

    @property
    def cancelled(self) -> bool:
        return self._worker.cancel_event.is_set()

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled("cancelled")

    def progress(self, phase: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self._worker.progress.emit(phase, int(done), int(total))

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        """Entries are in the store and may be shown (at most a few times a second)."""
        now = time.monotonic()
        if force or now - self._last_rows >= 0.25:
            self._last_rows = now
            self._worker.rowsStored.emit(int(count))

    def entries_read(self, count: int, expected: int | None, *, force: bool = False) -> None:
        """Entries read and verified so far, and how many the inputs hold when known
        (Parquet footers), else None; at most ten times a second."""
        now = time.monotonic()
        if force or now - self._last_read >= PROGRESS_INTERVAL_S:
            self._last_read = now
            self._worker.entriesRead.emit(int(count), -1 if expected is None else int(expected))

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the cancelling thread) when the job is cancelled; at once
        if it already was. For work the job cannot check between, such as a database
        statement (``Store.interrupt``)."""
        self._worker.on_cancel(callback)

    def partial(self, value: Any) -> None:
        """Hand something to the GUI before the job ends (e.g. the session, once rows exist)."""
        self._worker.partial.emit(value)

    def give_way(self) -> None:
        """From now on, run this job (and the threads it starts) at a lower CPU priority than
        the GUI (:func:`lower_thread_priority`). For a job that must first start threads that
        outlive it at the GUI's priority: the loader opens the store (DuckDB starts its
        threads, which later answer the window's filter changes), then gives way."""
        lower_thread_priority()


class Worker(QObject):
    """Runs ``job(context)`` on its own thread; exactly one of finished/failed/cancelled follows."""

    progress = Signal(str, int, int)
    #: entries read and verified so far, entries the inputs hold (-1: not known)
    entriesRead = Signal(int, int)
    rowsStored = Signal(int)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Callable[[JobContext], Any], *, background: bool = False) -> None:
        """``background``: the job runs at a lower CPU priority than the GUI
        (:func:`lower_thread_priority`); for long work the window waits for
        without a person waiting on each step, such as loading."""
        super().__init__()
        self._job = job
        self.background = background
        self.cancel_event = threading.Event()
        self.qthread: QThread | None = None
        self._on_cancel: list[Callable[[], None]] = []
        self._cancel_lock = threading.Lock()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._cancel_lock:
            if not self.cancel_event.is_set():
                self._on_cancel.append(callback)
                return
        _call_quietly(callback)

    def cancel(self) -> None:
        """Ask the job to stop; returns at once (never waits for the job)."""
        with self._cancel_lock:
            if self.cancel_event.is_set():
                return
            self.cancel_event.set()
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            _call_quietly(callback)

    @Slot()
    def run(self) -> None:
        if self.background:
            lower_thread_priority()
        context = JobContext(self)
        try:
            result = self._job(context)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # the GUI must hear of every failure
            if self.cancel_event.is_set():
                self.cancelled.emit()  # e.g. the interrupted statement's error
            elif isinstance(exc, AuditViewerError):
                self.failed.emit(str(exc))
            else:
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                self.failed.emit(detail)
        else:
            if self.cancel_event.is_set():
                close = getattr(result, "close", None)
                if callable(close):
                    _call_quietly(close)  # finished anyway: nobody will use it
                self.cancelled.emit()
            else:
                self.finished.emit(result)


def _call_quietly(callback: Callable[[], Any]) -> None:
    """Cancelling and cleaning up must not fail the caller (the GUI thread)."""
    with contextlib.suppress(Exception):  # a closed store refusing an interrupt, and the like
        callback()


def start(worker: Worker, parent: QObject | None = None) -> QThread:
    """Run ``worker`` on a new thread that quits (and is deleted) when the job ends."""
    thread = QThread(parent)
    worker.moveToThread(thread)
    worker.qthread = thread
    thread.started.connect(worker.run)
    # Direct: the thread quits from the job's own thread as it ends, even while the GUI
    # thread (where the QThread object lives) is blocked waiting for it (quitting).
    for signal in (worker.finished, worker.failed, worker.cancelled):
        signal.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread
