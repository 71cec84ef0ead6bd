"""Warm reopen of a cached workspace database, with its proof (issue 11.2), against DuckDB's read_json.

    .venv/bin/python benchmarks/bench_reopen.py --entries 1000000

Writes a bundle, loads it once (building the cache file), then loads it again
(the file is reused: verification pass + proof that the file holds exactly
the rows read) and prints the wall time of each, of the proof alone, and of
DuckDB's own ``read_json`` of the entry file into a table (the speed issue's
reference: warm reopen at most 0.5x that).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.loading import load
from benchmarks._bundles import VERIFIER, write_big_bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bundle = write_big_bundle(root / "bundle", args.entries)
        os.environ["AUDITVIEWER_CACHE_DIR"] = str(root / "cache")
        workspace_cache.ON_DISK_BYTES = 0
        keys = [parse_verifier_key(VERIFIER)]
        started = time.perf_counter()
        with load([bundle], keys) as loaded:
            assert loaded.store.total_count() == args.entries
        cold = time.perf_counter() - started
        # The proof's halves: the file's (read_stored, on its own thread while the inputs
        # are verified), how long the pass then waited for it, and the comparison.
        parts: dict[str, list[float]] = {}

        def timed(owner: Any, name: str) -> None:
            method = getattr(owner, name)

            def run(*a: object, _method: Any = method, _name: str = name) -> Any:
                begun = time.perf_counter()
                try:
                    return _method(*a)
                finally:
                    parts.setdefault(_name, []).append(time.perf_counter() - begun)

            setattr(owner, name, run)

        timed(workspace_cache, "read_stored")
        timed(workspace_cache.ProofReading, "result")
        timed(workspace_cache, "_prove")
        for name in ("catalog_problem", "derived_problem", "reset_states"):
            timed(Store, name)
        warm: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            with load([bundle], keys) as loaded:
                assert loaded.notices == [], loaded.notices
            warm.append(time.perf_counter() - started)
        entries_file = next((bundle / "entries").iterdir())
        with duckdb.connect() as con:
            started = time.perf_counter()
            con.execute(
                "CREATE TABLE baseline AS SELECT * FROM read_json(?, format = 'newline_delimited')",
                [str(entries_file)],
            )
            baseline = time.perf_counter() - started
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"entries: {args.entries:,}  cold load: {cold:.2f} s")
        median = {name: sorted(values)[len(values) // 2] for name, values in parts.items()}
        print(f"warm reopen (median of 3): {sorted(warm)[1]:.2f} s")
        print(
            f"  the file's half of the proof, on its thread: {median['read_stored']:.2f} s; waited for after "
            f"verifying: {median['result']:.2f} s; comparison: {median['_prove']:.2f} s"
        )
        print("  parts of the file's half (median):", {k: round(median[k], 2) for k in ("catalog_problem", "derived_problem")})
        print(f"DuckDB read_json of the file: {baseline:.2f} s -> warm/read_json = {sorted(warm)[1] / baseline:.2f}")

if __name__ == "__main__":
    main()
