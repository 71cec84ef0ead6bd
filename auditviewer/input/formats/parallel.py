"""Worker processes for the CPU-bound part of reading big entry files.

Checking entries is pure Python per entry, so threads do not help; processes
do. They are started with ``forkserver`` (or ``spawn`` where there is none),
never a plain ``fork``: the viewer reads from a Qt worker thread, and forking
a threaded process is unsafe. Results always come back in submission order,
so batches, line numbers and findings are exactly those of reading inline.

Parallel reading is an optimisation only: with one CPU (or no spare one: see
:func:`worker_count`), in a frozen app, when ``AUDITVIEWER_WORKERS`` is ``0``
or ``1``, or when the pool cannot start or breaks, the same function runs in
this process instead. ``AUDITVIEWER_WORKERS=N`` forces N workers.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # concurrent.futures imports logging: kept off the start-up path
    from concurrent.futures import Future

R = TypeVar("R")

#: Modules the fork server imports once, so each worker starts with them loaded.
_PRELOAD = ["auditviewer.input.formats.jsonl", "auditviewer.input.formats.parquet"]
_MAX_WORKERS = 8


def _forced_count() -> int | None:
    """``AUDITVIEWER_WORKERS`` when it is set to a number (capped), else None."""
    value = os.environ.get("AUDITVIEWER_WORKERS", "").strip()
    if value:
        try:
            return max(1, min(int(value), _MAX_WORKERS))
        except ValueError:
            pass
    return None


def _cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count() -> int:
    """How many worker processes to use for big files (1: read inline)."""
    forced = _forced_count()
    if forced is not None:
        return forced
    if getattr(sys, "frozen", False):
        return 1  # a frozen app would have to re-enter its own entry point to start workers
    cpus = _cpus()
    # Only CPUs nobody else is using help. Where the scheduler gives every
    # session an equal share (Linux autogroup), workers on a busy machine get
    # no more CPU than one process and only add the cost of handing work over:
    # measured on a loaded 2-CPU machine, 28.3 s and 11.0 CPU s with 2 workers
    # against 22.2 s and 9.1 CPU s inline for a million entries.
    try:
        spare = cpus - os.getloadavg()[0]
    except (AttributeError, OSError):
        spare = float(cpus)
    return max(1, min(cpus, _MAX_WORKERS, round(spare)))


def _executor(workers: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context: Any
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def ordered_map(
    fn: Callable[..., R], jobs: Iterable[tuple[Any, ...]], *, workers: int, window: int | None = None
) -> Iterator[R]:
    """``fn(*job)`` for every job, in order, computed by ``workers`` processes.

    At most ``window`` jobs are in flight (their arguments and results held
    here). ``fn`` must be a module-level function. A job whose worker raised
    is run again here, so its exception is raised exactly as inline (pickling
    loses an exception's attributes). If the pool cannot start or a worker
    dies, the remaining jobs run inline, so the result is the same either way.
    """
    from concurrent.futures.process import BrokenProcessPool

    try:
        pool = _executor(workers)
    except (OSError, ValueError, ImportError, RuntimeError):
        for job in jobs:
            yield fn(*job)
        return
    limit = window or 2 * workers
    pending: deque[tuple[tuple[Any, ...], Future[R] | None]] = deque()
    broken = False
    finished = False

    def take() -> R:
        nonlocal broken
        job, future = pending.popleft()
        if future is not None and not broken:
            try:
                return future.result()
            except BrokenProcessPool:
                broken = True
            except Exception:  # raised again, natively, by the inline run below
                pass
        return fn(*job)

    try:
        for job in jobs:
            future: Future[R] | None = None
            if not broken:
                try:
                    future = pool.submit(fn, *job)
                except (BrokenProcessPool, RuntimeError, OSError):
                    broken = True
            pending.append((job, future))
            while len(pending) > limit or (pending and _done(pending[0][1])):
                yield take()
        while pending:
            yield take()
        finished = True
    finally:
        for _, future in pending:
            if future is not None:
                future.cancel()
        pool.shutdown(wait=finished and not broken, cancel_futures=True)


def _done(future: Future[Any] | None) -> bool:
    return future is not None and future.done()


def split_map(fn: Callable[..., R], jobs: list[tuple[Any, ...]], *, workers: int) -> list[R]:
    """``[fn(*job) for job in jobs]``: the first job here, the others in worker processes meanwhile."""
    from concurrent.futures.process import BrokenProcessPool

    if len(jobs) < 2 or workers < 2:
        return [fn(*job) for job in jobs]
    try:
        pool = _executor(min(workers - 1, len(jobs) - 1))
    except (OSError, ValueError, ImportError, RuntimeError):
        return [fn(*job) for job in jobs]
    try:
        futures: list[Future[R] | None] = []
        for job in jobs[1:]:
            try:
                futures.append(pool.submit(fn, *job))
            except (BrokenProcessPool, RuntimeError, OSError):
                futures.append(None)
        out = [fn(*jobs[0])]
        for job, future in zip(jobs[1:], futures, strict=True):
            try:
                out.append(future.result() if future is not None else fn(*job))
            except Exception:  # a broken pool, or an error raised again inline
                out.append(fn(*job))
        return out
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def thread_count() -> int:
    """How many threads to use for work that releases the GIL (the C extension's checks)."""
    forced = _forced_count()
    return forced if forced is not None else max(1, min(_cpus(), _MAX_WORKERS))


def thread_map(fn: Callable[..., R], jobs: Iterable[tuple[Any, ...]], *, workers: int) -> Iterator[R]:
    """``fn(*job)`` for every job, in order, computed by ``workers`` threads.

    For functions that spend their time with the GIL released (the C
    extension's): threads then run them in parallel without the cost of
    handing data to other processes. At most ``2 * workers`` jobs are in flight;
    leaving early cancels the ones not started.
    """
    from concurrent.futures import ThreadPoolExecutor

    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="auditviewer-check") as pool:
        try:
            for job in jobs:
                pending.append(pool.submit(fn, *job))
                while len(pending) > 2 * workers or (pending and pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
