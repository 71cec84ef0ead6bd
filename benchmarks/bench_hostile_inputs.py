"""Hostile inputs of issue 11 (verifier side): time and peak RSS of `auditviewer verify` on each.

    python benchmarks/bench_hostile_inputs.py [--only NAME] [--keep DIR]

Cases (each built here, in a temporary folder):

- ``newlines-gz``: a bundle whose entries file is a .jsonl.gz of 16 MiB of newlines
  (16.7 million blank lines, ~16 KB compressed);
- ``x-lines-gz``: the same with 8 million ``x`` lines (16 MB);
- ``row-groups-N``: a Parquet entry file of N one-row row groups (1,500 / 3,000 / 6,000 /
  100,000), read by the reader with two threads (``read_parquet_entries`` timed directly,
  with ``parallel_min_bytes=0`` so that a small file takes the threaded path, which was
  the quadratic one).

Figures measured on the project's 2-core machine are in docs/security.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.bundle_builder import make_entry, signer, write_bundle  # noqa: E402

KEY = signer(b"bench-hostile")


def _gz_bundle(folder: Path, line: bytes, count: int) -> Path:
    leaves = [make_entry(i) for i in range(3)]
    write_bundle(folder, leaves, checkpoint_sizes=[3], key=KEY)
    body = leaves[0] + b"\n" + (line + b"\n") * count + b"\n".join(leaves[1:]) + b"\n"
    (folder / "entries" / "part-00000.jsonl").unlink()
    packed = gzip.compress(body, 9)
    (folder / "entries" / "part-00000.jsonl.gz").write_bytes(packed)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0].update(
        path="entries/part-00000.jsonl.gz", sha256=hashlib.sha256(packed).hexdigest(), size=len(packed)
    )
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


_VERIFY = """
import resource, sys, time
from auditviewer.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(code, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def _verify(path: Path) -> tuple[float, float, int, str]:
    """Seconds, peak RSS (MB), exit code and the findings' summary of `verify --json`, in a child process."""
    run = subprocess.run(
        [sys.executable, "-c", _VERIFY, "verify", str(path), "--json", "--trust", KEY.verifier_string],
        capture_output=True,
        check=False,
        text=True,
    )
    code, wall, rss = run.stderr.split()[-3:]
    report = json.loads(run.stdout)  # always one JSON object
    kinds = ", ".join(f"{f['kind']}×{f.get('count', 1)}" for f in report["findings"])
    return float(wall), float(rss), int(code), f"{report['status']}: {kinds}"


_ROW_GROUPS = """
import sys, time, resource
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, {root!r})
from tests.helpers.bundle_builder import make_entry
from auditviewer.input.formats.parquet import read_parquet_entries
n = {n}
path = Path({path!r})
pq.write_table(pa.table({{"seq": pa.array(range(n), pa.int64()),
                          "entry": pa.array([make_entry(i).decode() for i in range(n)])}}), path, row_group_size=1)
start = time.perf_counter()
rows = sum(b.num_rows for b in read_parquet_entries(path, label="e", workers=2, parallel_min_bytes=0))
print(rows, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        cases = {
            # Just under the 16 MiB after which the 200:1 ratio limit applies (as in the issue).
            "newlines-gz": lambda: _gz_bundle(base / "nl", b"", (16 << 20) - 4096),
            "x-lines-gz": lambda: _gz_bundle(base / "x", b"x", 8_000_000),
        }
        for name, build in cases.items():
            if args.only and args.only != name:
                continue
            wall, rss, code, summary = _verify(build())
            print(f"{name:16} verify: {wall:6.1f} s  peak RSS {rss:6.0f} MB  exit {code}  {summary}")
        for n in (1_500, 3_000, 6_000, 100_000):
            name = f"row-groups-{n}"
            if args.only and args.only != name:
                continue
            code_text = _ROW_GROUPS.format(root=str(ROOT), n=n, path=str(base / f"rg{n}.parquet"))
            out = subprocess.run([sys.executable, "-c", code_text], capture_output=True, text=True, check=True)
            rows, seconds, rss = out.stdout.split()
            print(f"{name:16} read:   {float(seconds):6.1f} s  peak RSS {float(rss):6.0f} MB  rows {rows}")


if __name__ == "__main__":
    main()
