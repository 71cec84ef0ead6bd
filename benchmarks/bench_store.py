"""Benchmark of the workspace store (auditviewer.store.store) on a million entries.

Generates a realistic JSONL log (about 400 bytes an entry) in a temporary
folder, then prints medians of:

- the baseline: DuckDB's own ``read_json`` of that file into a table;
- loading the same entries through :class:`~auditviewer.store.store.Store` from an
  Arrow table of seq/leaf/source/line/state (in 65,536-row batches, as a
  loader hands them over), and the ratio to the baseline (target: <= 2);
- a filter change: new view + count + category and action facets;
- window fetches of 100 rows at random positions (target: well under 50 ms);
- setting states by ranges, the histogram and the scope tree.

Run: ``.venv/bin/python benchmarks/bench_store.py [--entries N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.core import domain
from auditviewer.store.store import Filter, Sort, StateRange, Store

CATEGORIES = list(domain.CATEGORIES)
ACTIONS = list(domain.ACTIONS)
PEOPLE = ["hana", "ana", "chen", "omar", "lea", "raj", "sofia", "ken", "farah", "yuki"]
TITLES = ["Dragon Tactics", "Sky Pirates", "Moon Farm", "Kart Legends", "Tiny Heroes"]


def generate(path: Path, entries: int, *, seed: int = 7) -> None:
    """Write ``entries`` JCS-shaped entries (sorted keys, no spaces), one a line.

    Strings are formatted directly (json.dumps per entry would dominate the
    run time); every value used is plain ASCII without characters to escape.
    """
    rng = random.Random(seed)
    moment = datetime(2026, 8, 1)  # naive: UTC, written with a Z
    with path.open("w", encoding="utf-8", newline="\n") as out:
        lines: list[str] = []
        for seq in range(entries):
            moment += timedelta(milliseconds=rng.randint(1, 6000))
            stamp = moment.isoformat(timespec="milliseconds") + "Z"
            number = rng.randint(1, 40)
            title = rng.randrange(len(TITLES))
            person = rng.choice(PEOPLE)
            chance = rng.random()
            if chance < 0.45:
                actor = (
                    f'{{"email":"{person}@acme-games.example","name":"{person.title()} K",'
                    f'"type":"user"}}'
                )
            elif chance < 0.9:
                actor = f'{{"email":"{person}@acme-games.example","type":"user"}}'
            else:
                actor = '{"name":"autoscaler","type":"system"}'
            before, after = rng.randint(10, 30), rng.randint(10, 30)
            metadata = (
                f'{{"image":{{"after":"registry.heroiclabs.com/acme/nakama:3.{after}.0",'
                f'"before":"registry.heroiclabs.com/acme/nakama:3.{before}.0"}}}}'
            )
            lines.append(
                f'{{"action":"{rng.choice(ACTIONS)}","actor":{actor},'
                f'"category":"{rng.choice(CATEGORIES)}","id":"evt_{rng.getrandbits(80):020x}",'
                f'"metadata":{metadata},'
                f'"resource":{{"id":"dep_{number:04d}","name":"dragon-staging-{number}",'
                f'"type":"nakama_deployment"}},"seq":{seq},"time":"{stamp}",'
                f'"title":{{"id":"ttl_{title:03d}","name":"{TITLES[title]}"}}}}\n'
            )
            if len(lines) >= 50_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


def arrow_entries(path: Path) -> pa.Table:
    """seq/leaf/source/line/state of every line, as a loader would produce them."""
    leaves = path.read_bytes().split(b"\n")
    if leaves and not leaves[-1]:
        leaves.pop()
    rows = len(leaves)
    return pa.table(
        {
            "seq": pa.array(range(rows), pa.int64()),  # the generator numbers lines from 0
            "leaf": pa.array(leaves, pa.binary()),
            "source": pa.array([path.name] * rows, pa.string()),
            "line": pa.array(range(1, rows + 1), pa.int64()),
            "state": pa.array(["unverified"] * rows, pa.string()),
        }
    )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def load_store(table: pa.Table, batch_rows: int) -> Store:
    store = Store()
    for batch in table.to_batches(max_chunksize=batch_rows):
        store.append(batch)
    store.finish()
    return store


def baseline_load(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds for DuckDB's own read_json of the file into a table."""
    with duckdb.connect() as con:
        started, started_cpu = time.perf_counter(), time.process_time()
        con.execute(
            "CREATE TABLE baseline AS SELECT * FROM read_json(?, format = 'newline_delimited')",
            [str(path)],
        )
        return time.perf_counter() - started, time.process_time() - started_cpu


def measure_loads(path: Path, table: pa.Table, repeat: int, batch_rows: int) -> Store:
    """Print load times; CPU time (all threads) is printed too, as it is far
    less disturbed than wall time when other work shares the machine."""
    # Baseline and store loads alternate, so that other work on the machine
    # weighs on both alike.
    baseline_runs: list[tuple[float, float]] = []
    store_runs: list[tuple[float, float]] = []
    store: Store | None = None
    for _ in range(repeat):
        baseline_runs.append(baseline_load(path))
        if store is not None:
            store.close()
        started, started_cpu = time.perf_counter(), time.process_time()
        store = load_store(table, batch_rows)
        store_runs.append((time.perf_counter() - started, time.process_time() - started_cpu))
    assert store is not None
    for label, runs in (
        ("baseline read_json into a table", baseline_runs),
        ("Store.append+finish            ", store_runs),
    ):
        walls = [wall for wall, _ in runs]
        cpus = [cpu for _, cpu in runs]
        print(
            f"{label}   wall {ms(statistics.median(walls))}  cpu {ms(statistics.median(cpus))}"
            f"  (wall runs: {_list(walls)})"
        )
    wall_ratio = statistics.median(w for w, _ in store_runs) / statistics.median(
        w for w, _ in baseline_runs
    )
    cpu_ratio = statistics.median(c for _, c in store_runs) / statistics.median(
        c for _, c in baseline_runs
    )
    print(
        f"load ratio store / read_json      wall {wall_ratio:.2f}  cpu {cpu_ratio:.2f}  (target <= 2)"
    )
    return store


def measure_filter_changes(store: Store) -> None:
    filters = [
        ("everything", Filter()),
        ("actor:hana@*", Filter(query="actor:hana@*")),
        ("word 'dragon-staging-1'", Filter(query="dragon-staging-1")),
        ("meta.image.after:*3.22*", Filter(query="meta.image.after:*3.22*")),
        (
            "actor+time range+negation",
            Filter(query="actor:hana@* time:2026-08-05..2026-08-20 -action:Reboot"),
        ),
        ("category facet pick", Filter(categories=frozenset({"Nakama Deployment"}))),
    ]
    print(
        "\nfilter change: create_view + count + category/action facets + histogram\n"
        "  (new: the search runs; again: its kept matches are reused, as when\n"
        "  clicking facets or the timeline; medians of 3)"
    )
    for label, entry_filter in filters:

        def change(entry_filter: Filter = entry_filter) -> None:
            view = store.create_view(entry_filter, sort=Sort(column="time", descending=True))
            store.count(view)
            store.facet_counts(entry_filter, "category")
            store.facet_counts(entry_filter, "action")
            store.histogram(entry_filter, 200)

        def fresh_change(change: Callable[[], None] = change) -> None:
            # The benchmark's only private call: forget kept matches so that
            # each run pays for the search itself.
            store._forget_matches()
            change()

        new = [timed(fresh_change) for _ in range(3)]
        again = [timed(change) for _ in range(3)]
        rows = store.count_matching(entry_filter)
        print(
            f"  {label:28s} new {ms(statistics.median(new))}  "
            f"again {ms(statistics.median(again))}  ({rows:,} rows)"
        )


def measure_windows(store: Store, fetches: int = 200) -> None:
    print(f"\nwindow fetches of 100 rows at random positions ({fetches} each)")
    rng = random.Random(1)
    cases = [
        ("all, by seq", Filter(), Sort()),
        ("all, by time desc", Filter(), Sort(column="time", descending=True)),
        ("all, by category", Filter(), Sort(column="category")),
        ("actor:hana@*, by actor_email", Filter(query="actor:hana@*"), Sort(column="actor_email")),
    ]
    for label, entry_filter, sort in cases:
        view = store.create_view(entry_filter, sort=sort)
        times: list[float] = []
        for _ in range(fetches):
            start = rng.randrange(max(1, view.row_count - 100))
            started = time.perf_counter()
            store.window(view, start, 100)
            times.append(time.perf_counter() - started)
        times.sort()
        print(
            f"  {label:30s} median {ms(statistics.median(times))}  "
            f"p95 {ms(times[int(fetches * 0.95)])}  max {ms(times[-1])}"
        )


def measure_others(store: Store, entries: int) -> None:
    print("\nother operations")
    ranges = [
        StateRange(first_seq=start, last_seq=min(start + 1023, entries - 1), state="verified")
        for start in range(0, entries, 1024)
    ]
    print(f"  set_states ({len(ranges)} ranges)      {ms(timed(lambda: store.set_states(ranges)))}")
    print(f"  histogram (200 buckets)        {ms(timed(lambda: store.histogram(Filter(), 200)))}")
    print(f"  scope_tree                     {ms(timed(store.scope_tree))}")
    print(f"  entry(seq)                     {ms(timed(lambda: store.entry(entries // 2)))}")
    hana = Filter(query="actor:hana@*")
    started = time.perf_counter()
    exported = sum(batch.num_rows for batch in store.iter_leaves(hana))
    print(
        f"  iter_leaves (actor:hana@*)     {ms(time.perf_counter() - started)}  ({exported:,} rows)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each load (median)")
    parser.add_argument("--batch-rows", type=int, default=65_536)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="auditviewer-bench-") as folder:
        path = Path(folder) / "entries.jsonl"
        generate_time = timed(lambda: generate(path, args.entries))
        size = path.stat().st_size
        print(
            f"generated {args.entries:,} entries, {size / args.entries:.0f} bytes each, "
            f"in {generate_time:.1f} s"
        )
        table = arrow_entries(path)
        store = measure_loads(path, table, args.repeat, args.batch_rows)
        assert store.total_count() == args.entries
        store.lock_down()
        measure_filter_changes(store)
        measure_windows(store)
        measure_others(store, args.entries)
        store.close()


def _list(values: list[float]) -> str:
    return ", ".join(f"{value * 1000:.0f}" for value in values)


if __name__ == "__main__":
    main()
