"""Benchmark of ``auditviewer verify``, the whole process, against hashing the same bytes.

Builds (once, then reuses from a cache folder) signed bundles of 1,000,000
entries as JSONL and as Parquet, and one of 3,000 entries, then prints medians
of at least three runs of:

- the baseline: one ``hashlib.sha256`` call over the entry file's bytes (read
  beforehand, not timed);
- ``auditviewer verify`` of the bundle as a separate process: wall time, the
  ratio to the baseline (target: <= 5), peak RSS of the verify process, and
  peak RSS of its whole process tree (it and its worker processes, sampled
  from /proc every 20 ms on Linux; target: < 2 GB);
- ``auditviewer verify`` of the 3,000-entry bundle, whole process (target: < 1 s).

The machine may be shared: baseline and verify runs are interleaved, so each
ratio compares runs made under the same load.

Run: ``.venv/bin/python benchmarks/bench_verify.py [--entries N] [--repeat R] [--cache DIR]``.
``AUDITVIEWER_WORKERS`` is passed through (``1`` measures the single-process reader).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bundles import VERIFIER, write_big_bundle  # noqa: E402

AUDITVIEWER = Path(sys.executable).with_name("auditviewer")


def bundle(cache: Path, entries: int, fmt: str) -> Path:
    folder = cache / f"bundle-{entries}-{fmt}"
    if not (folder / "manifest.json").exists():
        started = time.perf_counter()
        print(f"building {folder} ...", file=sys.stderr, flush=True)
        write_big_bundle(folder, entries, fmt=fmt)
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return folder


def entry_file(folder: Path) -> Path:
    return next((folder / "entries").iterdir())


def sha_baseline(path: Path) -> float:
    data = path.read_bytes()
    started = time.perf_counter()
    hashlib.sha256(data).digest()
    return time.perf_counter() - started


def _tree_rss_kib(root: int) -> tuple[int, int]:
    """RSS of a process, and of it and all its descendants, in KiB (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0, 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                status = f.read()
        except OSError:
            continue
        ppid = kib = 0
        for line in status.splitlines():
            if line.startswith(b"PPid:"):
                ppid = int(line.split()[1])
            elif line.startswith(b"VmRSS:"):
                kib = int(line.split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kib
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return rss.get(root, 0), total


def run_verify(folder: Path) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS of the verify process KiB, peak RSS of its process tree KiB, status line)."""
    env = dict(os.environ, AUDITVIEWER_TRUST_STORE=os.devnull)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(AUDITVIEWER), "verify", str(folder), "--trust", VERIFIER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    peak = own = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, own
        while not done.is_set():
            main_kib, tree_kib = _tree_rss_kib(proc.pid)
            own, peak = max(own, main_kib), max(peak, tree_kib)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    status = out.decode(errors="replace").splitlines()[0] if out else err.decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"verify of {folder} exited {proc.returncode}: {status} {err.decode()[-500:]}")
    if not own:  # no /proc: the largest child so far is the best there is
        own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, own, max(peak, own), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "auditviewer-bench-verify")
    parser.add_argument("--formats", default="jsonl,parquet")
    args = parser.parse_args()
    repeat = max(3, args.repeat)
    args.cache.mkdir(parents=True, exist_ok=True)

    small = bundle(args.cache, args.small, "jsonl")
    print(f"auditviewer verify benchmark ({os.cpu_count()} CPUs, "
          f"AUDITVIEWER_WORKERS={os.environ.get('AUDITVIEWER_WORKERS', 'default')})")
    for fmt in args.formats.split(","):
        folder = bundle(args.cache, args.entries, fmt)
        path = entry_file(folder)
        shas: list[float] = []
        walls: list[float] = []
        ratios: list[float] = []
        own_peaks: list[int] = []
        tree_peaks: list[int] = []
        status = ""
        for _ in range(repeat):
            before = sha_baseline(path)
            wall, own, tree, status = run_verify(folder)
            after = sha_baseline(path)
            sha = (before + after) / 2
            shas.append(sha)
            walls.append(wall)
            ratios.append(wall / sha)
            own_peaks.append(own)
            tree_peaks.append(tree)
        size = path.stat().st_size
        print(f"\n{fmt}: {args.entries:,} entries, entry file {size / 2**20:.0f} MiB ({status.strip()})")
        print(f"  sha256 of the entry file (one call)  median {statistics.median(shas):7.3f} s")
        print(f"  auditviewer verify (whole process)   median {statistics.median(walls):7.3f} s   "
              f"runs: {', '.join(f'{w:.2f}' for w in walls)}")
        print(f"  ratio verify / sha256                median {statistics.median(ratios):7.1f}x  (target <= 5)")
        print(f"  peak RSS, verify process             median {statistics.median(own_peaks) / 1024:7.0f} MiB")
        print(f"  peak RSS, process tree (sampled)     median {statistics.median(tree_peaks) / 1024:7.0f} MiB"
              "  (target < 2048)")

    times = [run_verify(small)[0] for _ in range(max(5, repeat))]
    print(f"\njsonl: {args.small:,} entries, whole process   median {statistics.median(times):7.3f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in times)}  (target < 1 s)")


if __name__ == "__main__":
    main()
