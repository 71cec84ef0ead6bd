"""Benchmark: a verifiable slice of 10,000 entries out of a 1,000,000-entry log.

    .venv/bin/python benchmarks/bench_export.py [--entries 1000000] [--select 10000]

The log is generated once (signed, checkpoints every 1024 entries) into a
cache folder and reused. Figures printed:

- open: reading and verifying the whole log once (what the viewer's loading
  does anyway; the export source is gathered during that same pass);
- plan: what the export dialog shows (entry count, proof rows and size);
- export: writing the slice bundle as a zip, including reading the selected
  entries back, building the proof, and verifying the written slice before it
  is put in place (target: under 3 s); and the same without that self-check,
  as a folder, and as plain formats. Wall and CPU time are both printed.

Selections: ``random`` spreads the 10,000 entries over the whole log (nearly
every checkpoint interval holds one, so the proof is nearly the whole log's
leaf hashes: the worst case); ``resource`` is one deployment's history.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nacl.signing import SigningKey

from auditviewer.export.plan import plan_export
from auditviewer.export.source import open_source
from auditviewer.export.write import export_slice
from auditviewer.integrity.chain import ZERO_HEAD, heads, leaf_hashes
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from auditviewer.integrity.notes import checkpoint_text, sign_note

ORIGIN = "audit.bench.example/org/export-bench"
SIGNING = SigningKey(hashlib.sha256(b"export-bench").digest())
VERIFIER = VerifierKey.from_public_key(ORIGIN, bytes(SIGNING.verify_key)).to_string()
EVERY = 1024
_CATS = ["Nakama Deployment", "Nakama Builder", "Organization User", "Satori Deployment"]
_ACTS = ["Update", "Create", "Delete", "Reboot"]


def entry(seq: int) -> bytes:
    obj = {
        "action": _ACTS[seq % 4],
        "actor": {"email": f"user{seq % 37}@acme-games.example", "type": "user"},
        "category": _CATS[seq % 4],
        "id": f"evt_{seq:020x}",
        "metadata": {
            "image": {
                "after": f"registry.heroiclabs.com/acme/nakama:3.{seq % 30}.0",
                "before": "registry.heroiclabs.com/acme/nakama:3.20.0",
            },
            "request": {
                "ip": f"203.0.113.{seq % 250}",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            },
        },
        "resource": {
            "id": f"dep_{seq % 100:04d}",
            "name": f"dragon-prod-{seq % 100}",
            "type": "nakama_deployment",
        },
        "seq": seq,
        "time": f"2026-09-{1 + seq // 40000 % 28:02d}T{seq % 24:02d}:{seq % 60:02d}:00.000Z",
        "title": {"id": "ttl_001", "name": "Dragon Tactics"},
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_log(folder: Path, entries: int) -> None:
    """A signed bundle, JSONL, written in batches; checkpoints every 1024 entries and at the end."""
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "entries").mkdir(parents=True)
    head = ZERO_HEAD
    notes = []
    sha = hashlib.sha256()
    size = 0
    with open(tmp / "entries/part-00000.jsonl", "wb") as f:
        for start in range(0, entries, 65536):
            stop = min(entries, start + 65536)
            leaves = [entry(s) for s in range(start, stop)]
            chain = heads(head, leaf_hashes(leaves))
            for n in range((start // EVERY + 1) * EVERY, stop + 1, EVERY):
                notes.append(
                    sign_note(checkpoint_text(ORIGIN, n, chain[n - start - 1]), ORIGIN, SIGNING)
                )
            if stop == entries and entries % EVERY:
                notes.append(
                    sign_note(checkpoint_text(ORIGIN, entries, chain[-1]), ORIGIN, SIGNING)
                )
            head = chain[-1]
            data = b"\n".join(leaves) + b"\n"
            f.write(data)
            sha.update(data)
            size += len(data)
    cp = "".join(json.dumps({"note": n}) + "\n" for n in notes).encode()
    (tmp / "checkpoints.jsonl").write_bytes(cp)
    manifest = {
        "format": "audit-bundle",
        "version": 1,
        "origin": ORIGIN,
        "organization": {"id": "org_bench", "name": "Bench Games"},
        "scope": {"type": "organization"},
        "exported_at": "2026-11-20T10:00:00Z",
        "files": [
            {
                "path": "entries/part-00000.jsonl",
                "role": "entries",
                "sha256": sha.hexdigest(),
                "size": size,
            },
            {
                "path": "checkpoints.jsonl",
                "role": "checkpoints",
                "sha256": hashlib.sha256(cp).hexdigest(),
                "size": len(cp),
            },
        ],
        "keys": [VERIFIER],
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    tmp.rename(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--select", type=int, default=10_000)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "auditviewer-bench-export"
    )
    args = parser.parse_args()

    log = args.cache / f"log-{args.entries}"
    if not (log / "manifest.json").is_file():
        args.cache.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        write_log(log, args.entries)
        print(f"generated {args.entries:,} entries in {time.perf_counter() - t:.1f} s -> {log}")
    key = parse_verifier_key(VERIFIER)

    t = time.perf_counter()
    source = open_source([log], keys=[key])
    open_s = time.perf_counter() - t
    print(f"open + verify {args.entries:,} entries: {open_s:.2f} s (status {source.report.status})")
    # CPU time is printed beside wall time: on a shared machine it is the steadier figure
    # (the export itself is single-threaded).

    rng = random.Random(7)
    selections = {
        "random": sorted(rng.sample(range(args.entries), args.select)),
        "resource": list(range(17, args.entries, 100))[: args.select],
    }
    out_dir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        for name, seqs in selections.items():
            t = time.perf_counter()
            plan = plan_export(source, seqs=seqs)
            plan_s = time.perf_counter() - t
            print(
                f"\n[{name}] {plan.entries:,} entries, {plan.intervals:,} intervals: plan {plan_s:.2f} s, "
                f"proof {plan.proof_rows:,} leaf hashes (~{plan.proof_bytes / 1e6:.1f} MB), "
                f"{plan.checkpoints:,} checkpoints"
            )
            for label, out, check in (
                ("bundle .zip, self-checked", out_dir / f"{name}.zip", True),
                ("bundle .zip, no self-check", out_dir / f"{name}-nocheck.zip", False),
                ("bundle folder, self-checked", out_dir / f"{name}-folder", True),
                ("jsonl", out_dir / f"{name}.jsonl", False),
                ("parquet", out_dir / f"{name}.parquet", False),
                ("csv", out_dir / f"{name}.csv", False),
            ):
                t, cpu = time.perf_counter(), time.process_time()
                summary = export_slice(source, out=out, seqs=seqs, self_check=check)
                took, took_cpu = time.perf_counter() - t, time.process_time() - cpu
                target = " (target < 3 s)" if label.startswith("bundle .zip") else ""
                print(
                    f"  {label:<28} {took:6.2f} s wall, {took_cpu:5.2f} s CPU{target}  "
                    f"{summary.bytes_written / 1e6:7.1f} MB"
                    + (f"  slice verifies: {summary.slice_status}" if summary.slice_status else "")
                )
                if out.suffix == ".zip":
                    with_proof = pq.ParquetFile(_proof_path(out, out_dir)).metadata.num_rows
                    print(f"  {'':<28} proof file rows: {with_proof:,}")
    finally:
        source.close()
        shutil.rmtree(out_dir, ignore_errors=True)
    return 0


def _proof_path(zip_path: Path, scratch: Path) -> pa.NativeFile:
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        name = next(n for n in zf.namelist() if n.endswith("leaf_hashes.parquet"))
        target = scratch / (zip_path.stem + "-proof.parquet")
        target.write_bytes(zf.read(name))
    return pa.OSFile(str(target))


if __name__ == "__main__":
    sys.exit(main())
