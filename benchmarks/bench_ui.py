"""Benchmark of the viewer (auditviewer.ui) on a workspace of a million entries.

Writes a signed bundle (benchmarks/_bundles.py), opens it in the real main
window through the real loader (offscreen), and prints:

- the longest stall of the GUI event loop while loading and verifying
  (a 5 ms timer measures the gaps between its ticks; target < 100 ms), with
  the machine's load average (other work on a 2-core machine shows in it);
  ``--why`` (Linux) splits the longest stalls into the GUI thread running,
  waiting for a CPU (runnable, not scheduled) and blocked (the GIL or a lock),
  from its scheduler statistics sampled by another process;
- a filter change: the table's new view, its count and the category and
  action facet counts (median; target < 200 ms), and the whole update with
  the timeline and the scope tree besides;
- a row fetch for any scroll position: one 128-row page at a random place,
  from the store to display rows (median and worst; target < 50 ms), and a
  jump of the view to a random place, painted.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py [--entries N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="reuse/keep the bundle in this folder")
    parser.add_argument("--watch", action="store_true",
                        help="name what the threads were doing at each long stall (debugging)")
    parser.add_argument("--why", action="store_true",
                        help="split the longest stalls into running / waiting for a CPU / "
                             "blocked (Linux)")
    parser.add_argument("--hang-dump", type=float, default=0,
                        help="print every thread's stack after this many seconds (debugging)")
    args = parser.parse_args()
    if args.hang_dump:
        import faulthandler

        faulthandler.dump_traceback_later(args.hang_dump, exit=True)

    from benchmarks._isolation import isolate

    tmp = isolate("auditviewer-bench-ui-")  # never the person's settings or cache

    from benchmarks._bundles import VERIFIER, write_big_bundle

    bundle = args.keep or (tmp / "bundle")
    if not (bundle / "manifest.json").is_file():
        t0 = time.perf_counter()
        write_big_bundle(bundle, args.entries)
        print(f"wrote {args.entries:,} entries in {time.perf_counter() - t0:.1f} s")

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from auditviewer.ui.main_window import MainWindow, make_settings
    from auditviewer.workspace.scopes import ALL
    from auditviewer.workspace.store_session import load_session

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(load_session, settings=make_settings())
    window.resize(1500, 900)
    window.show()

    # -- loading: event-loop stalls ------------------------------------------
    gaps: list[float] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(5)

    def tick() -> None:
        gaps.append(clock.restart())

    ticker.timeout.connect(tick)
    tick_times: list[float] = []
    sampler = None
    if args.why:
        ticker.timeout.connect(lambda: tick_times.append(time.perf_counter()))
        sampler = _start_sched_sampler(tmp / "gui-sched.txt")
    stalls: list[tuple[float, list[str]]] = []
    done: list[str] = []
    if args.watch:
        import threading
        import traceback

        gui_ident = threading.get_ident()
        beat = [time.perf_counter()]
        ticker.timeout.connect(lambda: beat.__setitem__(0, time.perf_counter()))

        def watch() -> None:
            while not done:
                time.sleep(0.02)
                late = time.perf_counter() - beat[0]
                if late > 0.15:
                    frames = sys._current_frames()
                    where = []
                    for ident, frame in frames.items():
                        if ident == threading.get_ident():
                            continue
                        stack = traceback.extract_stack(frame)[-3:]
                        tag = "GUI" if ident == gui_ident else f"thread {ident % 10000}"
                        where.append(tag + ": " + " < ".join(
                            f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)))
                    stalls.append((late * 1000, where))
                    beat[0] = time.perf_counter()

        threading.Thread(target=watch, daemon=True).start()
    loop = QEventLoop()
    window.loadFinished.connect(lambda status: (done.append(status), loop.quit()))
    first_rows: list[float] = []
    window.viewUpdated.connect(
        lambda: first_rows.append(time.perf_counter()) if not first_rows else None
    )
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    tick_times.append(t0)
    clock.start()
    ticker.start()
    window.open_paths([str(bundle)], trust=[VERIFIER], remember=False)
    loop.exec()
    while not window.is_idle():  # the final view, facets, timeline, scope tree
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    ticker.stop()
    load_s = time.perf_counter() - t0
    session = window.session
    assert session is not None, done
    total = session.total()
    print(f"\nloaded and verified {total:,} entries in {load_s:.1f} s: status {done[0]}")
    if first_rows:
        print(f"  first rows shown after            {first_rows[0] - t0:8.2f} s")
    worst = sorted(gaps)[-5:]
    print(f"  longest GUI event-loop stall       {max(gaps):8.1f} ms   (target < 100 ms)")
    print(f"  next longest stalls                {', '.join(f'{g:.0f}' for g in worst[-2::-1])} ms")
    print(f"  timer ticks                        {len(gaps):8d}")
    print(f"  machine load average (1 min)       {load_before:8.2f} before, "
          f"{os.getloadavg()[0]:.2f} after ({os.cpu_count()} CPUs)")
    if sampler is not None:
        _explain_stalls(sampler, tmp / "gui-sched.txt", tick_times)
    for late, where in sorted(stalls, reverse=True)[:6]:
        print(f"  stall seen after {late:.0f} ms:")
        for line in where:
            print("     ", line)

    # -- filter changes -----------------------------------------------------
    states = []
    cats = ["Nakama Deployment", "Nakama Builder", "Organization User", "Satori Deployment"]
    acts = ["Update", "Create", "Delete", "Reboot"]
    rng = random.Random(7)
    for i in range(args.repeat):
        base = window.state.cleared()
        kind = i % 5
        if kind == 0:
            states.append(base.with_(categories=frozenset({rng.choice(cats)})))
        elif kind == 1:
            states.append(base.with_(actions=frozenset({rng.choice(acts)})))
        elif kind == 2:
            states.append(base.with_(query=f"actor:user{rng.randrange(37)}@*"))
        elif kind == 3:
            states.append(base.with_(query="meta.image.after:*3.2*", sort_key="actor"))
        else:
            states.append(base.with_(query="dragon-prod-7"))
    table_facets: list[float] = []
    whole: list[float] = []
    for state in states:
        window.state = state.with_(scope=ALL)
        t = time.perf_counter()
        window.filtering.apply()
        while not window.is_idle():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        window.table.viewport().repaint()
        whole.append((time.perf_counter() - t) * 1000)
        table_facets.append(window.filtering.last_apply_ms)
        print(f"    {state.query or sorted(state.categories | state.actions)}: "
              f"{window.model.rowCount():,} rows, table+facets {window.filtering.last_apply_ms:.0f} ms, "
              f"whole {whole[-1]:.0f} ms")
    print(f"\nfilter change ({len(states)} filters, {total:,} entries)")
    print(
        f"  table view + count + 2 facets     median {statistics.median(table_facets):7.1f} ms"
        f"   worst {max(table_facets):7.1f} ms   (target < 200 ms)"
    )
    print(
        f"  whole update, request to painted  median {statistics.median(whole):7.1f} ms"
        f"   worst {max(whole):7.1f} ms"
    )

    # -- row fetch anywhere -------------------------------------------------
    window.clear_filters()
    while not window.is_idle():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
    model = window.model
    n = model.rowCount()
    fetch: list[float] = []
    for _ in range(args.repeat * 4):
        row = rng.randrange(n)
        model.invalidate()
        t = time.perf_counter()
        model.index(row, 1).data()  # asks the page thread; a placeholder meanwhile
        while not model.is_loaded(row):
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 2)
        fetch.append((time.perf_counter() - t) * 1000)
    jumps: list[float] = []
    for _ in range(args.repeat):
        row = rng.randrange(n)
        t = time.perf_counter()
        window.table.scrollTo(model.index(row, 0))
        window.table.viewport().repaint()
        jumps.append((time.perf_counter() - t) * 1000)
    print(f"\nrow fetch at random positions of {n:,} rows (page of 128, cold cache)")
    print(
        f"  page request to rows shown        median {statistics.median(fetch):7.1f} ms"
        f"   worst {max(fetch):7.1f} ms   (target < 50 ms)"
    )
    print(
        f"  jump + paint the view             median {statistics.median(jumps):7.1f} ms"
        f"   worst {max(jumps):7.1f} ms"
    )
    window.close()
    return 0


_SAMPLER = """
import os, sys, time
task, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
while not os.path.exists(stop):
    try:
        with open(task, "rb") as f:
            cpu, wait, _ = f.read().split()
    except OSError:
        break
    rows.append("%.6f %s %s" % (time.perf_counter(), cpu.decode(), wait.decode()))
    time.sleep(0.001)
with open(out, "w") as f:
    f.write("\\n".join(rows))
"""


def _start_sched_sampler(out: Path) -> tuple[object, Path] | None:
    """Another process samples the GUI thread's /proc schedstat (CPU time, time
    waiting for a CPU) every millisecond; it needs no GIL of ours to do so."""
    import subprocess
    import threading

    task = Path(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/schedstat")
    if not task.exists():
        print("  (--why needs Linux's /proc/<pid>/task/<tid>/schedstat)")
        return None
    stop = out.with_suffix(".stop")
    process = subprocess.Popen([sys.executable, "-c", _SAMPLER, str(task), str(out), str(stop)])
    return process, stop


def _explain_stalls(sampler: tuple[object, Path], out: Path, ticks: list[float]) -> None:
    import bisect
    import itertools

    process, stop = sampler
    stop.touch()
    process.wait()  # type: ignore[attr-defined]
    rows = [tuple(float(v) for v in line.split()) for line in out.read_text().splitlines() if line]
    times = [r[0] for r in rows]

    def used(a: float, b: float) -> tuple[float, float]:
        i, j = bisect.bisect_left(times, a), bisect.bisect_right(times, b) - 1
        if i >= len(rows) or j <= i:
            return 0.0, 0.0
        return (rows[j][1] - rows[i][1]) / 1e6, (rows[j][2] - rows[i][2]) / 1e6

    stalls = sorted(((b - a, a, b) for a, b in itertools.pairwise(ticks)), reverse=True)[:5]
    print("  longest stalls, GUI thread: running / waiting for a CPU / blocked (GIL, lock), ms")
    for length, a, b in stalls:
        cpu, wait = used(a, b)
        blocked = max(0.0, length * 1000 - cpu - wait)
        print(f"    {length * 1000:6.0f} at {a - ticks[0]:6.2f} s: {cpu:5.0f} / {wait:5.0f} / {blocked:5.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
