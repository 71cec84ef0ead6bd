"""A 30M-row proof of repeated rows in a small file (issue 11.8): time and peak RSS of verify.

    .venv/bin/python benchmarks/bench_hostile_proof.py --rows 30000000

Writes a bundle of 16 entries and one checkpoint whose proof file holds
``--rows`` identical rows (dictionary-encoded, zstd: a few hundred KB), runs
``auditviewer verify`` on it in a child process and prints its exit code,
wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers.bundle_builder import make_entry, signer, write_bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = write_bundle(Path(tmp) / "b", [make_entry(i) for i in range(16)], checkpoint_sizes=[16], key=signer())
        buffer = io.BytesIO()
        rows = args.rows
        table = pa.table(
            {
                "seq": pa.repeat(pa.scalar(1, pa.int64()), rows),
                "leaf_hash": pa.repeat(pa.scalar(b"\x01" * 32, pa.binary()), rows),
            }
        )
        pq.write_table(table, buffer, compression="zstd", use_dictionary=True, row_group_size=1 << 20)
        del table
        proof = buffer.getvalue()
        (bundle / "proof").mkdir()
        (bundle / "proof" / "leaf_hashes.parquet").write_bytes(proof)
        manifest = json.loads((bundle / "manifest.json").read_text())
        manifest["files"].append(
            {"path": "proof/leaf_hashes.parquet", "role": "proof", "sha256": hashlib.sha256(proof).hexdigest(), "size": len(proof)}
        )
        (bundle / "manifest.json").write_text(json.dumps(manifest))
        started = time.perf_counter()
        # Through /usr/bin/time: this process's own children maximum would include the
        # fork of this (large) process before exec.
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "auditviewer", "verify", str(bundle)],
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        *messages, peak_kb = done.stderr.strip().splitlines()
        peak = int(peak_kb) >> 10
        print(f"proof: {rows:,} rows in {len(proof):,} bytes; verify exit {done.returncode} in {wall:.2f} s, peak RSS {peak} MB")
        print("\n".join(messages)[:300])


if __name__ == "__main__":
    main()
