"""Large valid entries (issue 11.11): 320 entries of ~880 KB (269 MB), verify then query.

    .venv/bin/python benchmarks/bench_large_entries.py --entries 320

Each entry is under the 1 MiB limit; the bundle is over the size that gets a
database file (with its 1.5 GB memory cap). Prints exit code, wall time and
peak RSS of ``verify`` and of ``query --count``, and what is left in the
cache folder.
"""

from __future__ import annotations

import argparse
import os
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
        print(f"{args.entries} entries, {size / 1e6:.0f} MB")
        for command in (["verify"], ["query", "--count", "-q", "key_08999"], ["query", "--count", "-q", "key_08999"]):
            started = time.perf_counter()
            done = subprocess.run(
                ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "auditviewer", command[0], str(bundle),
                 "--trust", key.verifier_string, *command[1:]],
                capture_output=True, text=True, env=env,
            )
            wall = time.perf_counter() - started
            *messages, peak = done.stderr.strip().splitlines()
            print(f"{' '.join(command)}: exit {done.returncode} in {wall:.1f} s, peak RSS {int(peak) >> 10} MB;"
                  f" out {done.stdout.strip().splitlines()[:1]} {' '.join(messages)[:200]}")
        left = sorted(p.name for p in (root / "cache").rglob("*") if p.is_file())
        print("cache folder:", left)


if __name__ == "__main__":
    main()
