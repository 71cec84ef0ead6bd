"""Workers: progress, result, failure and cancel, off the GUI thread.

Signals are received by a QObject living on the GUI thread (queued
connections), as the window receives them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from auditviewer.core.errors import InputError
from auditviewer.ui.workers import (
    BACKGROUND_NICENESS,
    JobContext,
    Worker,
    lower_thread_priority,
    start,
)


class Receiver(QObject):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.events: list[tuple[str, Any]] = []
        self.threads: set[int] = set()
        worker.progress.connect(self.on_progress)
        worker.rowsStored.connect(self.on_rows)
        worker.finished.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.cancelled.connect(self.on_cancelled)

    def _add(self, kind: str, value: Any) -> None:
        self.threads.add(threading.get_ident())
        self.events.append((kind, value))

    @Slot(str, int, int)
    def on_progress(self, phase: str, done: int, total: int) -> None:
        self._add("progress", (phase, done, total))

    @Slot(int)
    def on_rows(self, n: int) -> None:
        self._add("rows", n)

    @Slot(object)
    def on_finished(self, result: object) -> None:
        self._add("finished", result)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self._add("failed", message)

    @Slot()
    def on_cancelled(self) -> None:
        self._add("cancelled", None)

    def last(self) -> tuple[str, Any] | None:
        return self.events[-1] if self.events else None

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]


def run(qtbot: Any, job: Any, *, background: bool = False) -> tuple[Worker, QThread, Receiver]:
    worker = Worker(job, background=background)
    receiver = Receiver(worker)
    thread = start(worker)
    qtbot.waitUntil(thread.isFinished, timeout=5000)
    qtbot.waitUntil(
        lambda: bool(set(receiver.kinds()) & {"finished", "failed", "cancelled"}), timeout=5000
    )
    return worker, thread, receiver


def test_result_and_progress(qtbot: Any) -> None:
    where: list[int] = []

    def job(ctx: JobContext) -> str:
        where.append(threading.get_ident())
        for i in range(5):
            ctx.progress("Reading", i, 5, force=True)
        ctx.rows_stored(10, force=True)
        return "done"

    _, _, rec = run(qtbot, job)
    assert rec.kinds() == ["progress"] * 5 + ["rows", "finished"]
    assert rec.last() == ("finished", "done")
    assert rec.threads == {threading.get_ident()}  # delivered on the GUI thread
    assert where and where[0] != threading.get_ident()  # ran elsewhere


def test_failure_is_reported(qtbot: Any) -> None:
    def job(ctx: JobContext) -> None:
        raise InputError("cannot read", path="x.zip")

    _, _, rec = run(qtbot, job)
    assert rec.last() == ("failed", "x.zip: cannot read")


def test_unexpected_exception_is_reported(qtbot: Any) -> None:
    def job(ctx: JobContext) -> None:
        raise ValueError("boom")

    _, _, rec = run(qtbot, job)
    kind, message = rec.last() or ("", "")
    assert kind == "failed" and "boom" in message


def test_cancel(qtbot: Any) -> None:
    started = threading.Event()

    def job(ctx: JobContext) -> None:
        started.set()
        while True:
            ctx.check()
            time.sleep(0.005)

    worker = Worker(job)
    rec = Receiver(worker)
    thread = start(worker)
    assert started.wait(5)
    worker.cancel()
    qtbot.waitUntil(thread.isFinished, timeout=5000)
    qtbot.waitUntil(lambda: rec.last() == ("cancelled", None), timeout=5000)


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_background_job_gives_way_to_the_gui_thread(qtbot: Any) -> None:
    """A loading job, and the threads it starts (DuckDB's, the readers'), run nicer than the GUI."""
    gui = _nice()
    seen: dict[str, int] = {}

    def job(ctx: JobContext) -> str:
        seen["job"] = _nice()
        child = threading.Thread(target=lambda: seen.setdefault("started by the job", _nice()))
        child.start()
        child.join()
        return "done"

    _, _, rec = run(qtbot, job, background=True)
    assert rec.last() == ("finished", "done")
    assert seen["job"] == min(19, gui + BACKGROUND_NICENESS) > gui
    assert seen["started by the job"] == seen["job"]
    assert _nice() == gui  # the GUI thread keeps its priority

    seen.clear()
    run(qtbot, job)  # an ordinary job keeps the GUI's priority
    assert seen["job"] == gui


def test_the_gui_thread_is_never_lowered() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform.startswith("linux") else 0
    assert lower_thread_priority() is False  # called on the main (GUI) thread: refused
    if sys.platform.startswith("linux"):
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_a_job_gives_way_when_it_says_so(qtbot: Any) -> None:
    """ctx.give_way(): threads the job started before keep the GUI's priority, later ones not."""
    gui = _nice()
    seen: dict[str, int] = {}

    def job(ctx: JobContext) -> str:
        early = threading.Event()
        done = threading.Event()

        def before() -> None:  # started before give_way, like DuckDB's threads
            early.wait()
            seen["started before"] = _nice()
            done.set()

        threading.Thread(target=before).start()
        ctx.give_way()
        seen["job"] = _nice()
        early.set()
        done.wait()
        return "done"

    _, _, rec = run(qtbot, job)
    assert rec.last() == ("finished", "done")
    assert seen["job"] == min(19, gui + BACKGROUND_NICENESS) > gui
    assert seen["started before"] == gui == _nice()


def test_cancel_calls_what_the_job_registered_and_never_waits(qtbot: Any) -> None:
    """on_cancel: the loader registers its store's interrupt; cancel() calls it at once,
    from the cancelling thread, and an error the interrupted statement raises ends as
    cancelled, not failed."""
    registered = threading.Event()
    interrupted = threading.Event()
    calls: list[int] = []

    def job(ctx: JobContext) -> None:
        def interrupt() -> None:
            calls.append(threading.get_ident())
            interrupted.set()

        ctx.on_cancel(interrupt)
        registered.set()
        interrupted.wait(5)  # a statement that only an interrupt ends
        raise InputError("statement interrupted", path="store")

    worker = Worker(job)
    rec = Receiver(worker)
    thread = start(worker)
    assert registered.wait(5)
    began = time.perf_counter()
    worker.cancel()
    assert time.perf_counter() - began < 0.05
    assert calls == [threading.get_ident()]
    qtbot.waitUntil(thread.isFinished, timeout=5000)
    qtbot.waitUntil(lambda: rec.last() == ("cancelled", None), timeout=5000)
    assert "failed" not in rec.kinds()
    late: list[str] = []
    worker.on_cancel(lambda: late.append("called"))  # registered after the cancel: called at once
    assert late == ["called"]


def test_a_result_finished_after_cancel_is_closed(qtbot: Any) -> None:
    cancelled = threading.Event()

    class Result:
        closed = False

        def close(self) -> None:
            self.closed = True

    result = Result()

    def job(ctx: JobContext) -> Result:
        ctx.on_cancel(cancelled.set)
        cancelled.wait(5)
        return result  # finished anyway, between two checks

    worker = Worker(job)
    rec = Receiver(worker)
    thread = start(worker)
    qtbot.wait(50)
    worker.cancel()
    qtbot.waitUntil(thread.isFinished, timeout=5000)
    qtbot.waitUntil(lambda: rec.last() == ("cancelled", None), timeout=5000)
    assert result.closed  # nobody else will: the window has let go of the job


def test_the_thread_ends_while_the_gui_thread_waits_for_it(qtbot: Any) -> None:
    """Quitting waits (blocking the GUI thread) for a cancelled job: its thread must end
    without the GUI's event loop running (the quit is not queued to the GUI thread)."""
    running = threading.Event()

    def job(ctx: JobContext) -> None:
        running.set()
        while True:
            ctx.check()
            time.sleep(0.005)

    worker = Worker(job)
    thread = start(worker)
    assert running.wait(5)
    worker.cancel()
    began = time.perf_counter()
    assert thread.wait(2000), "the thread waited for the GUI's event loop to quit"
    assert time.perf_counter() - began < 0.5
