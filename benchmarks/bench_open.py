"""Opening an export, whole process, against DuckDB's own reader (issue 12's table; issue 16.1).

    .venv/bin/python benchmarks/bench_open.py [--entries N] [--repeat R] [--cache DIR] [--sample]

Builds (once, then reuses from ``--cache``) signed bundles of N entries as JSONL
and as Parquet (``benchmarks/_bundles.py``; with ``--sample``, the realistic
entries of ``auditviewer sample``), then prints medians of R interleaved
runs, each a separate process, so that every ratio compares runs made under the
same load (the machine may be shared: the load average is printed too):

- the baseline: ``python -c`` DuckDB ``read_json`` (``read_parquet``) of the
  entry file into an in-memory table;
- cold open: ``auditviewer query B -q action:update --count`` with an empty
  cache folder (verify + store + the query), and its ratio to the baseline
  (goal: <= 1.5);
- warm reopen: the same again, the cached database reused by its seal
  (``workspace/seal.py``: the inputs and the file hashed, nothing verified or
  proven again; goal: <= 0.5; only inputs of 256 MiB or more get a cached
  database, so the Parquet export, smaller, is loaded again in memory); and once
  more with the seal removed, the fallback: verified again and proven row by row;
- untrusted verify: ``auditviewer verify B`` with the key not trusted, against
  the same with ``--trust`` (goal: <= 1.1);
- the viewer's loader (``workspace/store_session.py:load_session``, what the window
  runs in its worker, without Qt), whole process: first rows handed to the window
  (goal: <= 1 s), all verified, stored and one full-text search answered (goal:
  <= 2x the baseline), peak RSS of that process (``ru_maxrss``; goal: <= 1 GB);
- the database size against the entry files' size (built in this process into a
  file, whatever the input's size; goal: <= 1.5), beside what ``choose_database``
  expects it to take (``workspace/cache.expected_database_bytes``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.demo.writer import write_sample_bundle
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.workspace.cache import expected_database_bytes
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import load
from benchmarks._bundles import VERIFIER, write_big_bundle

CLI = [sys.executable, "-m", "auditviewer"]


def _run(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):  # verified, failed, incomplete (untrusted key)
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def _baseline(entry_file: Path, env: dict[str, str]) -> float:
    reader = "read_parquet(?)" if entry_file.suffix == ".parquet" else "read_json(?, format = 'newline_delimited')"
    code = (
        "import duckdb, sys; con = duckdb.connect(); "
        f"con.execute(\"CREATE TABLE t AS SELECT * FROM {reader}\", [sys.argv[1]]); "
        "print(con.execute('SELECT count(*) FROM t').fetchall()[0][0])"
    )
    return _run([sys.executable, "-c", code, str(entry_file)], env)


_VIEWER_LOAD = """
import resource, sys, time
started = time.perf_counter()
from auditviewer.workspace.store_session import load_session
first = []

class Ctx:
    cancelled = False
    trust = [sys.argv[2]]
    def progress(self, *a, **k): pass
    def rows_stored(self, count, *, force=False): pass
    def give_way(self): pass
    def partial(self, session):
        first.append(time.perf_counter() - started)

session = load_session([sys.argv[1]], Ctx())
searchable = session.store.count_matching(__import__("auditviewer.store.store", fromlist=["Filter"]).Filter(query="dragon"))
done = time.perf_counter() - started
print(first[0] if first else done, done, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, searchable)
"""


def _viewer_load(bundle: Path, env: dict[str, str], verifier: str) -> tuple[float, float, int]:
    """The viewer's loader (workspace/store_session.py, below the Qt window), whole process:
    seconds to the first rows handed to the window, to all verified, stored and one
    full-text search answered, and peak RSS."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n{_VIEWER_LOAD}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(bundle), verifier], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"viewer load of {bundle} failed: {done.stderr.strip()}")
    first, _, rss, _ = done.stdout.split()
    return float(first), time.perf_counter() - started, int(rss)


def _database_ratio(bundle: Path, entry_bytes: int, folder: Path, verifier: str) -> tuple[int, float]:
    path = folder / "sized.duckdb"
    with load([bundle], [parse_verifier_key(verifier)], database=path):
        pass
    size = sum(p.stat().st_size for p in folder.glob("sized.duckdb*"))
    for p in folder.glob("sized.duckdb*"):
        p.unlink()
    return size, size / entry_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "auditviewer-bench-open")
    parser.add_argument("--formats", default="jsonl,parquet")
    parser.add_argument("--sample", action="store_true", help="realistic entries (auditviewer sample)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for fmt in args.formats.split(","):
        bundle = args.cache / f"{'sample-' if args.sample else ''}{fmt}-{args.entries}"
        key_file = bundle.with_name(bundle.name + ".key")
        if not (bundle / "manifest.json").exists() or (args.sample and not key_file.exists()):
            shutil.rmtree(bundle, ignore_errors=True)
            if args.sample:
                written = write_sample_bundle(bundle, entries=args.entries, fmt=fmt)  # type: ignore[arg-type]
                key_file.write_text(written.verifier_key)
            else:
                write_big_bundle(bundle, args.entries, fmt=fmt)
        verifier = key_file.read_text().strip() if args.sample else VERIFIER
        entry_file = next((bundle / "entries").iterdir())
        entry_bytes = entry_file.stat().st_size
        times: dict[str, list[float]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "AUDITVIEWER_TRUST_STORE": os.devnull}
            query = [*CLI, "query", str(bundle), "-q", "action:update", "--count", "--trust", verifier]
            for _ in range(args.repeat):
                times.setdefault("read", []).append(_baseline(entry_file, env))
                cache = Path(tmp) / f"cache-{len(times['read'])}"
                # The seal's secret of this run (the person's config folder is left alone).
                run_env = {**env, "AUDITVIEWER_CACHE_DIR": str(cache), "AUDITVIEWER_SEAL_KEY": str(Path(tmp) / "seal.key")}
                times.setdefault("cold", []).append(_run(query, run_env))
                times.setdefault("warm", []).append(_run(query, run_env))
                for seal in (cache / "workspaces").glob("*.seal"):
                    seal.unlink()  # the fallback: verified again and proven (then sealed again)
                times.setdefault("proven", []).append(_run(query, run_env))
                shutil.rmtree(cache, ignore_errors=True)
                times.setdefault("trusted", []).append(_run([*CLI, "verify", str(bundle), "--trust", verifier], env))
                times.setdefault("untrusted", []).append(_run([*CLI, "verify", str(bundle)], env))
                first, whole, rss = _viewer_load(bundle, {**env, "AUDITVIEWER_CACHE_DIR": str(cache)}, verifier)
                shutil.rmtree(cache, ignore_errors=True)
                times.setdefault("first", []).append(first)
                times.setdefault("viewer", []).append(whole)
                times.setdefault("rss", []).append(rss / 1e9)
            size, ratio = _database_ratio(bundle, entry_bytes, Path(tmp), verifier)
        workspace = open_workspace([bundle])
        expected = expected_database_bytes(workspace)
        workspace.close()
        med = {name: statistics.median(values) for name, values in times.items()}
        baseline = "read_parquet" if fmt == "parquet" else "read_json"
        print(f"\n{fmt}, {args.entries:,} entries, entry file {entry_bytes / 1e6:.0f} MB (medians of {args.repeat})")
        print(f"  DuckDB {baseline} into a table, whole process: {med['read']:.2f} s")
        print(f"  cold open + query, whole process:  {med['cold']:.2f} s  = {med['cold'] / med['read']:.2f}x {baseline}")
        print(f"  warm reopen + query (sealed):      {med['warm']:.2f} s  = {med['warm'] / med['read']:.2f}x {baseline}")
        print(f"  warm reopen, seal removed (proven): {med['proven']:.2f} s  = {med['proven'] / med['read']:.2f}x {baseline}")
        print(f"  verify trusted / untrusted:        {med['trusted']:.2f} s / {med['untrusted']:.2f} s"
              f"  = {med['untrusted'] / med['trusted']:.2f}x")
        print(f"  viewer's loader, whole process: first rows {med['first']:.2f} s; all verified, stored and"
              f" searched {med['viewer']:.2f} s = {med['viewer'] / med['read']:.2f}x {baseline};"
              f" peak RSS {med['rss']:.2f} GB")
        print(f"  database file: {size / 1e6:.0f} MB = {ratio:.2f}x the entry file"
              f" (expected by choose_database: {expected / 1e6:.0f} MB = {expected / entry_bytes:.2f}x)")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
