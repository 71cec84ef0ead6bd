"""What listing malformed lines after the entries (issue 13, defect 8) costs the viewer.

A view the window shows is ``WithMalformed`` (``workspace/malformed_view.py``): the store's
view plus a count of the malformed lines its filter matches, and a page across the
boundary joins two reads. Printed, as medians over ``--repeat`` rounds (the cases in turn
in each round, so that a shared machine's load falls on each alike), beside the baseline
(the store's view alone, no side table rows):

- making a view (log order; by actor; a word search), with 1,000 malformed lines stored
  (``Limits.max_malformed_lines``, the most a load keeps);
- a page of 128 rows inside the entries, and the last page (the boundary: entries then
  malformed lines).

Run: ``.venv/bin/python benchmarks/bench_malformed_rows.py [--entries N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.store.store import Filter, MalformedLine, Sort
from auditviewer.workspace.malformed_view import WithMalformed
from auditviewer.workspace.store_session import StoreView
from benchmarks.bench_store import arrow_entries, generate, load_store

PAGE = 128
CASES = {
    "log order": (Filter(), Sort(column="seq")),
    "by actor": (Filter(), Sort(column="actor_email")),
    "word search": (Filter(query="dragon"), Sort(column="seq")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditviewer-bench-") as folder:
        path = Path(folder) / "entries.jsonl"
        generate(path, args.entries)
        store = load_store(arrow_entries(path), 65_536)
        store.lock_down()
        lines = [
            MalformedLine("entries.jsonl", 10 + i, b'{"seq":\x1b[2J "dragon" \xff' * 8, "not JSON")
            for i in range(DEFAULT_LIMITS.max_malformed_lines)
        ]
        store.set_malformed_lines(lines)
        print(f"{args.entries:,} entries, {len(lines):,} malformed lines; medians of {args.repeat} rounds")
        for label, (filter, sort) in CASES.items():
            times: dict[str, list[float]] = {k: [] for k in ("view", "view+malformed", "page", "page+malformed",
                                                              "last page", "last page+malformed")}
            for _ in range(args.repeat):
                began = time.perf_counter()
                base = StoreView(store, store.create_view(filter, sort=sort))
                times["view"].append(time.perf_counter() - began)
                began = time.perf_counter()
                inner = StoreView(store, store.create_view(filter, sort=sort))
                both = WithMalformed(inner, store, filter)
                times["view+malformed"].append(time.perf_counter() - began)
                middle = base.count() // 2
                for name, source, start in (
                    ("page", base, middle), ("page+malformed", both, middle),
                    ("last page", base, max(0, base.count() - PAGE)),
                    ("last page+malformed", both, max(0, base.count() - PAGE // 2)),  # across the boundary
                ):
                    began = time.perf_counter()
                    source.window(start, PAGE)
                    times[name].append(time.perf_counter() - began)
                base.close()
                both.close()
            m = {k: statistics.median(v) * 1000 for k, v in times.items()}
            print(
                f"  {label}: view {m['view']:.1f} ms, with malformed {m['view+malformed']:.1f} ms "
                f"({m['view+malformed'] / m['view']:.2f}x); page {m['page']:.2f} ms, with "
                f"{m['page+malformed']:.2f} ms ({m['page+malformed'] / m['page']:.2f}x); last page "
                f"{m['last page']:.2f} ms, across the boundary {m['last page+malformed']:.2f} ms "
                f"({m['last page+malformed'] / m['last page']:.2f}x)"
            )
        store.close()


if __name__ == "__main__":
    main()
