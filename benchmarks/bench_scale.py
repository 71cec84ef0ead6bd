"""Scale: open a very large bundle as the viewer does (verify + store), then change filters.

    auditviewer sample /tmp/big10m --entries 10000000 --format parquet   # prints the key
    .venv/bin/python benchmarks/bench_scale.py /tmp/big10m --trust KEY [--on-disk]

First DuckDB's own ``read_parquet`` (``read_json``) of the entry files into a table,
whole process, as the baseline measured in the same run. Then prints the time to
open, verify and store everything (and its ratio to the baseline), each filter change (new view,
count, two facet lists, one window from the middle) with its row count, their median,
and the process's peak RSS (issue 5's targets: < 4 GB, filter change < 1 s); before
those, issue 12's: the first full-text search (a common word, an entry's id, an absent
word: the first page and the whole search, beside the ILIKE scan of before), a sort by
a text column and an ``actor:`` search with few matches (goals at 10M: 2 s, 1 s,
0.1 s), the sort beside a baseline sort by the text itself. ``--on-disk`` puts the
database in a file whatever the input's size (as a 10M export's is; a temporary
cache folder), and prints its size against the entry files' (issue 16.1: <= 1.5).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.store.store import Filter, Sort, Store
from auditviewer.store.text_index import GRAM_BYTES
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from auditviewer.workspace.store_session import FIRST_ROWS_READ

QUERIES = (
    "action:Update",
    "actor:hana@*",
    "resource:dragon-prod-1",
    'category:"Nakama Deployment" -action:Reboot',
    "status:verified type:nakama_deployment",
)


def full_text_searches(store: Store) -> None:
    """Issue 12's first full-text search, for a common word, an entry's id (one row) and
    an absent word: the first page (newest first, looked for in the last 1.2M rows, as
    the viewer does before the view: ``StoreSession.first_rows``) and the whole search (view and count); the first run, then
    the median of 3 with nothing kept; beside the scan they replace, run in the same
    process: the ILIKE of every entry's text that kept the matches before (no index)."""
    (entry_id,) = store._fetchone("SELECT id FROM entries WHERE rid = (SELECT max(rid) // 2 FROM entries)")
    index = store._text_index
    print(
        f"word index: {index.rows:,} rows, {len(index._bitmaps) * GRAM_BYTES / 1e6:.0f} MB, "
        f"built in {index.build_seconds:.1f} s (on the inserting thread, within the open)"
    )
    for kind, word in (("common", "dragon"), ("an entry's id", entry_id), ("absent", "zzqxj")):
        firsts, fulls, baselines = [], [], []
        rows = 0
        for _ in range(3):
            store._forget_matches()
            started = time.perf_counter()
            page = store.first_rows(
                Filter(query=f'"{word}"'), 128, descending=True, max_read=FIRST_ROWS_READ  # a page: 128
            ).num_rows
            firsts.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = store.count(store.create_view(Filter(query=f'"{word}"')))
            fulls.append(time.perf_counter() - started)
        for _ in range(3):
            started = time.perf_counter()
            with store._lock:
                store._con.execute(
                    "CREATE OR REPLACE TEMP TABLE ilike_scan AS SELECT rid, time, category, action "
                    "FROM entries WHERE coalesce(leaf ILIKE ?, false)",
                    [f"%{word}%"],
                )
            baselines.append(time.perf_counter() - started)
        baseline = statistics.median(baselines)
        print(
            f"full-text search, {kind} ({rows:,} rows): first page ({page} rows) {firsts[0] * 1000:.0f} ms "
            f"(median {statistics.median(firsts) * 1000:.0f}), whole search {fulls[0] * 1000:.0f} ms "
            f"(median {statistics.median(fulls) * 1000:.0f} = {statistics.median(fulls) / baseline:.2f}x "
            f"the ILIKE scan, median {baseline * 1000:.0f} ms)",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--trust", required=True, help="the bundle's verifier key")
    parser.add_argument("--on-disk", action="store_true", help="a database file whatever the size")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    entry_files = sorted(p for p in (args.bundle / "entries").iterdir() if p.is_file())
    entry_bytes = sum(p.stat().st_size for p in entry_files)
    reader = "read_parquet" if entry_files[0].suffix == ".parquet" else "read_json"
    code = (
        "import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        f"con.execute('CREATE TABLE t AS SELECT * FROM {reader}(?)', [sys.argv[1:]])"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *map(str, entry_files)], check=True)
    baseline = time.perf_counter() - started
    print(f"DuckDB {reader} of the entry files ({entry_bytes / 1e6:.0f} MB) into a table, whole process: {baseline:.1f} s")
    cache = tempfile.mkdtemp(prefix="bench-scale-")
    os.environ["AUDITVIEWER_CACHE_DIR"] = cache
    if args.on_disk:
        workspace_cache.ON_DISK_BYTES = 0
    started = time.perf_counter()
    loaded = load([args.bundle], [parse_verifier_key(args.trust)])
    opened = time.perf_counter() - started
    print(
        f"open + verify + store: {opened:.1f} s = {opened / baseline:.2f}x {reader}, status {loaded.report.status}, "
        f"verified {loaded.report.verified_entries:,}, notices {loaded.notices}",
        flush=True,
    )
    database = sum(p.stat().st_size for p in Path(cache).rglob("*.duckdb*") if p.is_file())
    if database:
        print(f"database file: {database / 1e6:.0f} MB = {database / entry_bytes:.2f}x the entry files")
    store = loaded.store
    full_text_searches(store)
    # Issue 12's other searches at scale: a sort by a text column, and an actor: search
    # with few matches.
    for label, make in (
        ("sort by actor_email", lambda: store.count(store.create_view(sort=Sort(column="actor_email")))),
        ("actor: with few matches", lambda: store.count_matching(Filter(query="actor:nobody@example.org"))),
    ):
        started = time.perf_counter()
        rows = make()
        print(f"{label}: {rows:,} rows, {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    # Baseline for the sort, same run: ordering by the text itself (what views did before
    # they sorted a text column by rank, see store/views.py RANKED_SORT_COLUMNS).
    started = time.perf_counter()
    with store._lock:
        store._con.execute("CREATE TEMP TABLE text_sort AS SELECT rid FROM entries ORDER BY actor_email, rid")
        store._con.execute("DROP TABLE text_sort")
    print(f"  baseline, sort by the text itself: {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
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
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
