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
- ``auditviewer verify`` of the 3,000-entry bundle, whole process (target: < 1 s);
- the leaf hashes and the chain of 200,000 leaves (``--sha-leaves``) by each SHA-256
  path: the CPU's SHA instructions, OpenSSL's (what the extension uses where it has
  no code for the CPU's instructions), its portable C, and hashlib from Python.
  The header names the path the verify runs use (``AUDITVIEWER_SHA`` forces one).

The machine may be shared: baseline and verify runs are interleaved, so each
ratio compares runs made under the same load. On Linux with
``kernel.sched_autogroup_enabled=1`` every session gets an equal share of the
CPUs, so while other sessions are busy the verify process and its workers
together get no more CPU than one process would: wall times then follow the
CPU seconds (also printed), and worker processes cannot shorten them.

Run: ``.venv/bin/python benchmarks/bench_verify.py [--entries N] [--repeat R] [--cache DIR]``
(``--only-sha``: just the SHA-256 paths).
``AUDITVIEWER_WORKERS`` is passed through (``1`` measures the single-process reader).
"""

from __future__ import annotations

import argparse
import contextlib
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


def leaf_text(path: Path) -> bytes:
    """A Parquet entry file's leaves as JSONL text: the bytes verification must hash."""
    import pyarrow.parquet as pq

    column = pq.read_table(path, columns=["entry"]).column("entry").combine_chunks().cast("binary")
    return b"".join(leaf + b"\n" for leaf in column.to_pylist())


def sha_baseline(path: Path, data: bytes | None = None) -> tuple[float, float]:
    """(wall s, CPU s) of one sha256 call over the file's bytes (or ``data``)."""
    data = path.read_bytes() if data is None else data
    started, cpu = time.perf_counter(), time.process_time()
    hashlib.sha256(data).digest()
    return time.perf_counter() - started, time.process_time() - cpu


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_KIB = (os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096) // 1024


def _tree_sample(root: int) -> tuple[int, int, dict[int, float]]:
    """RSS of a process and of it with all its descendants (KiB), and each one's CPU seconds so far.

    Linux /proc only (zeros elsewhere). Worker processes are children of the
    fork server, not of the verify process's parent, so getrusage cannot see them.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0, 0, {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK
        rss[pid] = int(fields[21]) * _PAGE_KIB
    total, stack, tree_cpu = 0, [root], {}
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        tree_cpu[pid] = cpu.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return rss.get(root, 0), total, tree_cpu


def run_verify(folder: Path, *, sample: bool = True) -> tuple[float, int, int, float, str]:
    """(wall s, peak RSS of the verify process KiB, peak RSS of its tree KiB, CPU s of the tree, status).

    Sampling (every 0.1 s) costs the machine a little CPU; the small bundle's
    start-up time is measured without it.
    """
    env = dict(os.environ, AUDITVIEWER_TRUST_STORE=os.devnull)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(AUDITVIEWER), "verify", str(folder), "--trust", VERIFIER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    peak = own = 0
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sampler() -> None:
        nonlocal peak, own
        while not done.is_set():
            main_kib, tree_kib, tree_cpu = _tree_sample(proc.pid)
            own, peak = max(own, main_kib), max(peak, tree_kib)
            for pid, seconds in tree_cpu.items():
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
            done.wait(0.1)

    thread = threading.Thread(target=sampler, daemon=True)
    if sample:
        thread.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    if sample:
        thread.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    status = out.decode(errors="replace").splitlines()[0] if out else err.decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"verify of {folder} exited {proc.returncode}: {status} {err.decode()[-500:]}")
    if not own:  # no /proc, or not sampled: the largest child so far is the best there is
        own = usage.ru_maxrss
    return elapsed, own, max(peak, own), sum(cpu.values()), status


def sha_paths(count: int, repeat: int) -> None:
    """Leaf hashes + chain of ``count`` leaves (sizes as the sample's, 300..900 bytes) by each path."""
    import random
    import struct

    from auditviewer.core import native
    from auditviewer.integrity import chain

    rng = random.Random(5)
    leaves = [rng.randbytes(rng.randrange(300, 900)) for _ in range(count)]
    data = b"".join(leaves)
    offsets = [0]
    for leaf in leaves:
        offsets.append(offsets[-1] + len(leaf))
    packed = struct.pack(f"<{len(offsets)}q", *offsets)
    print(f"\nSHA-256 paths: leaf hashes + chain of {count:,} leaves ({len(data) / 2**20:.0f} MiB), "
          f"median CPU time of {repeat} (the machine may be shared)")
    results = {}
    ext = native.NATIVE
    for mode in ("auto", "openssl", "portable") if ext is not None else ():
        path = native.choose_sha256(mode)
        if path in results:
            continue  # auto on a CPU without SHA instructions is openssl
        times = []
        for _ in range(repeat):
            started = time.process_time()
            ext.chain(bytes(32), ext.leaf_hashes(data, packed, 0, count, 8))
            times.append(time.process_time() - started)
        results[path] = statistics.median(times)
    if ext is not None:
        native.choose_sha256()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        chain.extend(bytes(32), chain.leaf_hashes(leaves))
        times.append(time.process_time() - started)
    results["hashlib"] = statistics.median(times)
    for path, seconds in results.items():
        print(f"  {native.SHA_PATHS[path]:<52} {seconds * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "auditviewer-bench-verify")
    parser.add_argument("--formats", default="jsonl,parquet")
    parser.add_argument("--sha-leaves", type=int, default=200_000)
    parser.add_argument("--only-sha", action="store_true", help="only compare the SHA-256 paths")
    args = parser.parse_args()
    repeat = max(3, args.repeat)
    from auditviewer.core.native import SHA_PATHS, sha256_path

    print(f"SHA-256 path of the verify runs: {SHA_PATHS[sha256_path()]}")
    if args.only_sha:
        sha_paths(args.sha_leaves, repeat)
        return
    args.cache.mkdir(parents=True, exist_ok=True)

    small = bundle(args.cache, args.small, "jsonl")
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    grouped = autogroup.exists() and autogroup.read_text().strip() == "1"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"auditviewer verify benchmark ({os.cpu_count()} CPUs, load average {load}, "
          f"sched_autogroup {'on' if grouped else 'off'}, "
          f"AUDITVIEWER_WORKERS={os.environ.get('AUDITVIEWER_WORKERS', 'default')})")
    for fmt in args.formats.split(","):
        folder = bundle(args.cache, args.entries, fmt)
        path = entry_file(folder)
        shas: list[float] = []
        sha_cpus: list[float] = []
        cpus: list[float] = []
        walls: list[float] = []
        ratios: list[float] = []
        own_peaks: list[int] = []
        tree_peaks: list[int] = []
        status = ""
        # A compressed Parquet file is far smaller than the leaves it holds, all of which
        # verification hashes: also compare with one SHA-256 over those leaves' bytes.
        leaves = leaf_text(path) if fmt == "parquet" else None
        leaf_ratios: list[float] = []
        leaf_shas: list[float] = []
        for _ in range(repeat):
            before, before_cpu = sha_baseline(path)
            wall, own, tree, cpu, status = run_verify(folder)
            after, after_cpu = sha_baseline(path)
            if leaves is not None:
                leaf_sha = sha_baseline(path, leaves)[0]
                leaf_shas.append(leaf_sha)
                leaf_ratios.append(wall / leaf_sha)
            sha = (before + after) / 2
            shas.append(sha)
            sha_cpus.append((before_cpu + after_cpu) / 2)
            cpus.append(cpu)
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
        if leaf_ratios:
            print(f"  sha256 of the leaves it holds ({len(leaves or b'') / 2**20:.0f} MiB) median "
                  f"{statistics.median(leaf_shas):.3f} s; ratio verify / that  median "
                  f"{statistics.median(leaf_ratios):.1f}x")
        print(f"  CPU s: sha256 {statistics.median(sha_cpus):.3f}, verify process tree (sampled) "
              f"{statistics.median(cpus):.2f}  (on a loaded machine wall time is mostly waiting for a CPU)")
        print(f"  peak RSS, verify process             median {statistics.median(own_peaks) / 1024:7.0f} MiB")
        print(f"  peak RSS, process tree (sampled)     median {statistics.median(tree_peaks) / 1024:7.0f} MiB"
              "  (target < 2048)")

    times = []
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(max(5, repeat)):
        times.append(run_verify(small, sample=False)[0])
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    small_cpu = (
        cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    ) / len(times)
    print(f"\njsonl: {args.small:,} entries, whole process   median {statistics.median(times):7.3f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in times)}  (target < 1 s)")
    print(f"  CPU s of the process, mean {small_cpu:.2f}")
    sha_paths(args.sha_leaves, repeat)
    with contextlib.suppress(OSError):
        print(f"\nload average during the runs ended at: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
