"""What a metadata column (issue 13, feature 3) costs a page of the viewer's log.

The viewer's table reads pages of 128 rows (``ui/models/table_model.PAGE_SIZE``) with
the window's columns (``workspace/store_session.WINDOW_COLUMNS``); a metadata column
adds a ``json_extract_string`` of the stored entry to the same query
(``Store.window(meta=…)``). Printed: the median time of a page at random positions,
in log order and sorted by time, with no metadata column (the baseline), one and
three, and the ratio to the baseline; the three cases are read in turn at each
position, so that a shared machine's load falls on each alike.

Run: ``.venv/bin/python benchmarks/bench_meta_columns.py [--entries N] [--fetches F]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.store.store import Sort
from auditviewer.workspace.store_session import WINDOW_COLUMNS
from benchmarks.bench_store import arrow_entries, generate, load_store

PAGE = 128
PATHS = {
    "none": (),
    "1 column": (("image", "after"),),
    "3 columns": (("image", "after"), ("image", "before"), ("absent",)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--fetches", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditviewer-bench-") as folder:
        path = Path(folder) / "entries.jsonl"
        generate(path, args.entries)
        store = load_store(arrow_entries(path), 65_536)
        store.lock_down()
        print(f"{args.entries:,} entries; pages of {PAGE} rows, {args.fetches} at random positions")
        for label, sort in (("log order", Sort()), ("by time, desc", Sort(column="time", descending=True))):
            view = store.create_view(sort=sort)
            for meta in PATHS.values():  # warm: the first read of a view pays for its caches
                store.window(view, 0, PAGE, columns=WINDOW_COLUMNS, meta=meta)
            times: dict[str, list[float]] = {name: [] for name in PATHS}
            rng = random.Random(1)
            for _ in range(args.fetches):
                # The cases in turn at each position: a shared machine's load falls on all alike.
                start = rng.randrange(max(1, view.row_count - PAGE))
                for name, meta in PATHS.items():
                    began = time.perf_counter()
                    store.window(view, start, PAGE, columns=WINDOW_COLUMNS, meta=meta)
                    times[name].append(time.perf_counter() - began)
            medians = {name: statistics.median(values) for name, values in times.items()}
            base = medians["none"]
            print(f"  {label}: " + ", ".join(
                f"{name} {value * 1000:.2f} ms ({value / base:.2f}x)" for name, value in medians.items()
            ))
        store.close()


if __name__ == "__main__":
    main()
