#!/usr/bin/env python3
"""Build tools/fuzz_native.c with ASan + UBSan against csrc/ and run it.

    python3 tools/fuzz_native.py [ITERATIONS] [--seeds N]

Runs N seeds (default 4) of ITERATIONS mutated inputs each (default 2,000,000)
through the C entry check and SHA-256; any sanitizer report or bad result fails.
Needs gcc (or clang) with sanitizer runtimes; not part of CI (it takes minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("iterations", type=int, nargs="?", default=2_000_000)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        print("no C compiler", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "fuzz_native"
        subprocess.run(
            [cc, "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-std=c11",
             f"-I{ROOT / 'csrc'}", str(ROOT / "tools" / "fuzz_native.c"),
             str(ROOT / "csrc" / "entry_check.c"), str(ROOT / "csrc" / "sha256.c"), "-o", str(exe)],
            check=True,
        )
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1")
        for seed in range(1, args.seeds + 1):
            result = subprocess.run([str(exe), str(args.iterations), str(seed)], env=env, check=False)
            if result.returncode != 0:
                print(f"seed {seed}: FAILED (exit {result.returncode})", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
