"""Benchmark: find without filtering (issue 13, feature 2) over the log's paged model.

Writes a sample bundle of ``--entries`` entries, loads it with the viewer's loader, and
times the find bar's worst case: a text no row holds, so one press reads rows (their
pages fetched from the store on the GUI thread) until its budget (``MAX_SCAN_ROWS``
rows, ``SCAN_BUDGET_S`` seconds) runs out and says how far it looked; then a text in
a row 2,000 rows ahead. Target: no press over 0.5 s.

Measured (2 cores shared with other work, 100,000 entries): a press finding nothing
0.31–0.34 s (831–2,495 rows read, as the machine's load varied); a match 2,000 rows
ahead 0.011–0.031 s.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_find_bar.py
[--entries 100000]``.
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
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    from benchmarks._isolation import isolate

    tmp = isolate("bench-find-")  # never the person's settings or cache

    from PySide6.QtWidgets import QApplication, QTableView

    from auditviewer.demo import write_sample_bundle
    from auditviewer.ui.models.table_model import EntryTableModel
    from auditviewer.ui.widgets.find_bar import MAX_SCAN_ROWS, SCAN_BUDGET_S, FindBar
    from auditviewer.workspace.session import FilterState
    from auditviewer.workspace.store_session import load_session

    class Ctx:
        cancelled = False
        trust: tuple[str, ...] = ()
        memory = None

        def progress(self, *a: object, **k: object) -> None: ...
        def rows_stored(self, *a: object, **k: object) -> None: ...
        def partial(self, *a: object) -> None: ...
        def give_way(self, *a: object) -> None: ...

    app = QApplication([])
    bundle = tmp / "sample"
    write_sample_bundle(bundle, entries=args.entries)
    session = load_session([str(bundle)], Ctx())
    view_source = session.view(FilterState())
    model = EntryTableModel()
    model.set_source(view_source)
    table = QTableView()
    table.setModel(model)
    bar = FindBar(table)
    bar.open("no row holds this text")
    started = time.perf_counter()
    bar.find_next()
    miss = time.perf_counter() - started
    print(f"{model.rowCount():,} rows; a press finding nothing took {miss:.2f} s "
          f"(at most {MAX_SCAN_ROWS:,} rows, {SCAN_BUDGET_S} s): {bar.status.text()!r}")
    last = model.row_texts(model.rowCount() - 1)
    assert last is not None
    bar.open(last[4] if last[4] else last[3])  # a resource or actor near the end
    table.setCurrentIndex(model.index(model.rowCount() - 2_000, 0))
    started = time.perf_counter()
    row = bar.find_next()
    print(f"next match from 2,000 rows before the end: row {row} in "
          f"{time.perf_counter() - started:.3f} s")
    session.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
