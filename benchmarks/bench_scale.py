"""Scale: open a very large bundle as the viewer does (verify + store), then change filters.

    auditviewer sample /tmp/big10m --entries 10000000 --format parquet   # prints the key
    .venv/bin/python benchmarks/bench_scale.py /tmp/big10m --trust KEY

Prints the time to open, verify and store everything, each filter change (new view,
count, two facet lists, one window from the middle) with its row count, their median,
and the process's peak RSS (issue 5's targets: < 4 GB, filter change < 1 s); before
those, issue 12's: the first full-text search, a sort by a text column and an ``actor:``
search with few matches (goals at 10M: 2 s, 1 s, 0.1 s).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.store.store import Filter, Sort
from auditviewer.workspace.loading import load

QUERIES = (
    "action:Update",
    "actor:hana@*",
    "resource:dragon-prod-1",
    'category:"Nakama Deployment" -action:Reboot',
    "status:verified type:nakama_deployment",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--trust", required=True, help="the bundle's verifier key")
    args = parser.parse_args()
    started = time.perf_counter()
    loaded = load([args.bundle], [parse_verifier_key(args.trust)])
    print(
        f"open + verify + store: {time.perf_counter() - started:.1f} s, status {loaded.report.status}, "
        f"verified {loaded.report.verified_entries:,}, notices {loaded.notices}",
        flush=True,
    )
    store = loaded.store
    # Issue 12's searches at scale: the first full-text search (nothing kept yet), a sort
    # by a text column, and an actor: search with few matches.
    for label, make in (
        ("first full-text search 'dragon'", lambda: store.count(store.create_view(Filter(query="dragon")))),
        ("sort by actor_email", lambda: store.count(store.create_view(sort=Sort(column="actor_email")))),
        ("actor: with few matches", lambda: store.count_matching(Filter(query="actor:nobody@example.org"))),
    ):
        started = time.perf_counter()
        rows = make()
        print(f"{label}: {rows:,} rows, {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    times = []
    for query in QUERIES:
        started = time.perf_counter()
        selection = Filter(query=query)
        view = store.create_view(selection)
        rows = store.count(view)
        store.facet_counts(selection, "category")
        store.facet_counts(selection, "action")
        store.window(view, rows // 2, 100)
        times.append(time.perf_counter() - started)
        print(f"filter {query!r}: {rows:,} rows, {times[-1] * 1000:.0f} ms", flush=True)
    print(f"median filter change {statistics.median(times) * 1000:.0f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GiB")
    loaded.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
