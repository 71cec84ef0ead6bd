"""Where a cold open's time goes, phase by phase (issue 12: the cold open against ``read_json``).

    .venv/bin/python benchmarks/bench_open_phases.py BUNDLE --trust KEY [--repeat R]

Runs ``workspace/loading.load`` of BUNDLE into a fresh database file (as ``auditviewer
query`` does on an empty cache) and the query ``action:update``, in this process, with
the store's INSERTs made synchronous (``StoreIngest._flush_behind`` = ``_flush``) so
that each phase's wall and CPU time (the process's, DuckDB's threads included) is its
own: reading and verifying (everything outside the store), the store's Arrow staging,
the INSERTs (DuckDB deriving the display columns, compressing, writing; finish's
last one included), the rest of finish, states, releasing memory (its checkpoint),
and the query. (A database file named by the run, not the cache's: not marked
complete.) Beside it, in the same
run: DuckDB's ``read_json`` of the entry file into a table in a process of its own
(the issue's baseline), and DuckDB's JSON parse of the display columns' paths alone
(``json_extract_string``, what taking the columns from the C check could save at
most: ``store/schema.py``'s docstring). Medians of R runs; the load average is printed.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Spent = dict[str, list[float]]


_open_phases: list[str] = []


def _timed(owner: Any, name: str, label: str, spent: Spent) -> None:
    """Time ``owner.name`` as ``label``, less the phases timed inside it (finish's last INSERT)."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        _open_phases.append(label)
        try:
            return original(*args, **kwargs)
        finally:
            _open_phases.pop()
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            spent[label][0] += took[0]
            spent[label][1] += took[1]
            if _open_phases:  # inside another phase: not its time
                spent[_open_phases[-1]][0] -= took[0]
                spent[_open_phases[-1]][1] -= took[1]

    setattr(owner, name, wrapper)


def _one_open(bundle: Path, key: str) -> dict[str, tuple[float, float]]:
    from auditviewer.integrity.keys import parse_verifier_key
    from auditviewer.store import ingest
    from auditviewer.store.store import Filter, Store
    from auditviewer.workspace import loading

    spent: Spent = collections.defaultdict(lambda: [0.0, 0.0])
    saved = {name: getattr(ingest.StoreIngest, name) for name in ("_flush_behind", "_insert", "_staging")}
    saved_store = {name: getattr(Store, name) for name in ("finish", "set_states", "mark_complete", "release_memory")}
    ingest.StoreIngest._flush_behind = ingest.StoreIngest._flush  # type: ignore[method-assign]
    _timed(ingest.StoreIngest, "_insert", "INSERTs (DuckDB)", spent)
    _timed(ingest.StoreIngest, "_staging", "staging (Arrow)", spent)
    for name in saved_store:
        _timed(Store, name, name, spent)
    folder = Path(tempfile.mkdtemp(prefix="phases-"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with loading.load([bundle], [parse_verifier_key(key)], database=folder / "w.duckdb") as loaded:
            load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall, cpu = time.perf_counter(), time.process_time()
            loaded.store.count_matching(Filter(query="action:update"))
            query = (time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for name, value in saved.items():
            setattr(ingest.StoreIngest, name, value)
        for name, value in saved_store.items():
            setattr(Store, name, value)
    store_wall = sum(w for w, _ in spent.values())
    store_cpu = sum(c for _, c in spent.values())
    phases = {"reading and verifying": (load_wall - store_wall, load_cpu - store_cpu)}
    phases.update({label: (w, c) for label, (w, c) in spent.items()})
    phases["query"] = query
    phases["whole load + query"] = (load_wall + query[0], load_cpu + query[1])
    return phases


def _json_parse(entry_file: Path) -> tuple[float, float]:
    import duckdb
    import pyarrow as pa

    from auditviewer.core.entry_schema import ENTRY_COLUMNS

    paths = ", ".join(f"'{c.json_path}'" for c in ENTRY_COLUMNS if c.json_path)  # as store/schema.py's
    lines = entry_file.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    con = duckdb.connect()
    con.register("t", pa.table({"leaf": pa.array(lines, pa.string())}))
    wall, cpu = time.perf_counter(), time.process_time()
    con.execute(f"SELECT count(json_extract_string(leaf, [{paths}])) FROM t").fetchall()
    result = (time.perf_counter() - wall, time.process_time() - cpu)
    con.close()
    return result


def _read_json(entry_file: Path) -> float:
    code = (
        "import duckdb, sys; con = duckdb.connect(); "
        "con.execute(\"CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited')\", [sys.argv[1]])"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(entry_file)], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--trust", required=True, help="the bundle's verifier key")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("AUDITVIEWER_TRUST_STORE", os.devnull)
    entry_file = next(p for p in (args.bundle / "entries").iterdir() if p.suffix == ".jsonl")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: list[dict[str, tuple[float, float]]] = []
    baselines: list[float] = []
    parses: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        baselines.append(_read_json(entry_file))
        runs.append(_one_open(args.bundle, args.trust))
        parses.append(_json_parse(entry_file))
    baseline = statistics.median(baselines)
    print(f"\n{args.bundle.name}, medians of {args.repeat}; DuckDB read_json into a table, whole process: {baseline:.2f} s")
    print(f"  {'phase':<24} {'wall s':>7} {'CPU s':>7} {'wall / read_json':>17}")
    for label in runs[0]:
        wall = statistics.median(run[label][0] for run in runs if label in run)
        cpu = statistics.median(run[label][1] for run in runs if label in run)
        print(f"  {label:<24} {wall:7.2f} {cpu:7.2f} {wall / baseline:16.2f}x")
    wall = statistics.median(p[0] for p in parses)
    cpu = statistics.median(p[1] for p in parses)
    print(f"  DuckDB's JSON parse of the display columns' paths alone: {wall:.2f} s wall, {cpu:.2f} CPU s")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
