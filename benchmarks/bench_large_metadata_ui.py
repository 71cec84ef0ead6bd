"""Benchmark: the viewer on entries with huge metadata (issue 17, item 3).

Writes a bundle of ``--entries`` entries, each with ``--keys`` metadata keys (the
issue's case: 130 × 95,000 keys, about 118 MB), opens it in the real main window
(offscreen) and prints the longest GUI event-loop stall (a 5 ms QTimer) while
loading, then while selecting entries, sorting by Actor and searching; and the time
of one 128-row page fetch (store window to display rows). Target: no stall over
100 ms after loading.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_large_metadata_ui.py
[--entries 130 --keys 95000]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=130)
    parser.add_argument("--keys", type=int, default=95_000)
    parser.add_argument("--select", type=int, default=20, help="entries to select one by one")
    args = parser.parse_args()

    from benchmarks._isolation import isolate

    tmp = isolate("bench-large-")  # never the person's settings or cache

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from auditviewer.ui.main_window import MainWindow, make_settings
    from auditviewer.ui.models.table_model import COL_ACTOR, COL_SUMMARY
    from auditviewer.ui.models.table_rows import rows_from_table
    from auditviewer.workspace.store_session import load_session
    from tests.helpers.bundle_builder import make_entry, signer, write_bundle
    from tests.helpers.stall import StallWatch

    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "s"))
    key = signer()
    leaves = [
        make_entry(i, metadata={f"{k:x}": 0 for k in range(args.keys)})  # ~9 bytes a key
        for i in range(args.entries)
    ]
    bundle = write_bundle(tmp / "big", leaves, checkpoint_sizes=[args.entries], key=key)
    size = sum(len(leaf) for leaf in leaves)
    del leaves
    print(f"{args.entries} entries × {args.keys:,} keys ({size / 1e6:.0f} MB)")

    def pump(until: object, timeout: float = 600) -> None:
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.002)

    window = MainWindow(load_session, settings=make_settings())
    window.resize(1600, 1000)
    window.show()
    window.set_column_visible(COL_SUMMARY, True)
    done: list[str] = []
    window.loadFinished.connect(done.append)
    watch = StallWatch()
    watch.start()
    started = time.perf_counter()
    window.open_paths([str(bundle)], trust=[key.verifier_string])
    pump(lambda: bool(done) and window.is_idle())
    watch.stop()
    print(f"load: {time.perf_counter() - started:.1f} s ({done[0]}), "
          f"longest stall {watch.longest * 1000:.0f} ms wall, {watch.longest_busy * 1000:.0f} ms of GUI-thread work")

    watch = StallWatch()
    watch.start()
    for row in range(min(args.select, window.model.rowCount())):
        watch.mark(f"select row {row}")
        window.table.selectRow(row)
        pump(lambda r=row: window.pane.entry() is not None
             and window.pane.entry().get("seq") == window.model.seq_at(r), 60)
    watch.mark("sort by actor")
    window.table.sortByColumn(COL_ACTOR, Qt.SortOrder.AscendingOrder)
    pump(window.is_idle)
    watch.mark("search")
    window.search.set_text("dragon-1")
    window.search.apply()
    pump(window.is_idle)
    watch.stop()
    print(f"select {args.select} entries, sort, search: longest stall "
          f"{watch.longest * 1000:.0f} ms wall ({watch.where}), "
          f"{watch.longest_busy * 1000:.0f} ms of GUI-thread work ({watch.where_busy})")

    source = window.model.source()
    started = time.perf_counter()
    table = source.window(0, 128)
    fetched = time.perf_counter()
    rows_from_table(table, utc=True, retention_ms=None)
    print(f"one 128-row page (page thread): store window {(fetched - started) * 1000:.0f} ms, "
          f"to display rows {(time.perf_counter() - fetched) * 1000:.0f} ms")
    # Does the page thread's store window hold the GIL? The longest gap of a 1 ms
    # sleep loop here while another thread fetches a page says.
    import threading

    worker = threading.Thread(target=lambda: source.window(0, 128))
    longest, last = 0.0, time.perf_counter()
    worker.start()
    while worker.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    print(f"GUI-side longest gap while another thread fetches a page: {longest * 1000:.0f} ms")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
