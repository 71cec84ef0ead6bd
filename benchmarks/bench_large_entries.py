"""Large valid entries (issue 11.11): 320 entries of ~930 KB (297 MB), verify then query.

    .venv/bin/python benchmarks/bench_large_entries.py --entries 320 [--repeat 3]

Each entry is under the 1 MiB limit; the bundle is over the size that gets a
database file (DuckDB's limit raised to 1.5 GiB for large entries). Prints exit
code, wall time and peak RSS (medians of ``--repeat`` runs, each with an empty cache
folder) of ``verify`` (the baseline: reading and verifying alone), of the first
``query --count`` (builds the database file), of the same again (reuses it, proven),
and of a query of a word without ``_`` on it (an ILIKE: no lowercased copy of the text);
the peak RSS ratio to ``verify``'s; and what is left in the cache folder. Goal: each
under 1 GB.
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
from tests.helpers.bundle_builder import make_entry, signer, write_bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    key = signer()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        metadata = {f"key_{index:05d}": "v" * 88 for index in range(9_000)}
        leaves = [make_entry(i, metadata=metadata) for i in range(args.entries)]
        bundle = write_bundle(root / "big", leaves, checkpoint_sizes=[args.entries], key=key)
        size = sum(len(leaf) for leaf in leaves)
        del leaves
        env = {**os.environ, "AUDITVIEWER_CACHE_DIR": str(root / "cache"), "AUDITVIEWER_TRUST_STORE": "/dev/null"}
        print(f"{args.entries} entries, {size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.2f}")
        commands = {
            "verify": ["verify"],
            "query (builds the file)": ["query", "--count", "-q", "key_08999"],
            "query (reused, proven)": ["query", "--count", "-q", "key_08999"],
            "query of a plain word (reused)": ["query", "--count", "-q", "vvvvvvvv"],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[int]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            shutil.rmtree(root / "cache", ignore_errors=True)
            for name, command in commands.items():
                started = time.perf_counter()
                done = subprocess.run(
                    ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "auditviewer", command[0], str(bundle),
                     "--trust", key.verifier_string, *command[1:]],
                    capture_output=True, text=True, env=env,
                )
                walls[name].append(time.perf_counter() - started)
                *messages, peak = done.stderr.strip().splitlines()
                peaks[name].append(int(peak) >> 10)
                if done.returncode != 0 or messages:
                    print(f"  {name}: exit {done.returncode}; {' '.join(messages)[:300]}")
        base = statistics.median(peaks["verify"])
        for name in commands:
            peak_mb = statistics.median(peaks[name])
            print(f"{name}: {statistics.median(walls[name]):.1f} s, peak RSS {peak_mb:.0f} MB"
                  f" = {peak_mb / base:.2f}x verify's (runs {', '.join(str(p) for p in peaks[name])} MB)")
        left = sorted(p.name for p in (root / "cache").rglob("*") if p.is_file())
        print("cache folder:", left)


if __name__ == "__main__":
    main()
