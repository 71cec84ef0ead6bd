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
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

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
        proved: list[float] = []
        original = workspace_cache._prove

        def timed_prove(*a: object) -> str | None:
            begun = time.perf_counter()
            try:
                return original(*a)  # type: ignore[arg-type]
            finally:
                proved.append(time.perf_counter() - begun)

        workspace_cache._prove = timed_prove  # type: ignore[assignment]
        parts: dict[str, list[float]] = {}
        for name in ("catalog_problem", "derived_problem", "reset_states"):
            method = getattr(Store, name)

            def timed_part(self: Store, *a: object, _method: Any = method, _name: str = name) -> Any:
                begun = time.perf_counter()
                try:
                    return _method(self, *a)
                finally:
                    parts.setdefault(_name, []).append(time.perf_counter() - begun)

            setattr(Store, name, timed_part)
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
        print(f"entries: {args.entries:,}  cold load: {cold:.2f} s")
        print(f"warm reopen (median of 3): {sorted(warm)[1]:.2f} s, of which the proof {sorted(proved)[1]:.2f} s")
        print("  parts of the proof (median):", {k: round(sorted(v)[len(v) // 2], 2) for k, v in parts.items()}, "(the rest: reading and hashing the stored rows)")
        print(f"DuckDB read_json of the file: {baseline:.2f} s -> warm/read_json = {sorted(warm)[1] / baseline:.2f}")


if __name__ == "__main__":
    main()
