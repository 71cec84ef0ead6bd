"""``auditviewer sample``: write a realistic signed sample bundle (``auditviewer.demo``).

Refuses to replace an existing ``OUT`` unless ``--force`` (the demo writer then
follows the one replace rule); a write that fails leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from auditviewer.cli import EXIT_ERROR, EXIT_OK
from auditviewer.cli.options import quiet_option
from auditviewer.cli.output import printable
from auditviewer.cli.progress import ProgressLine


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("sample", help="write a realistic signed sample bundle")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--entries", type=int, default=3000)
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--zip", action="store_true", help="write a .zip instead of a folder")
    p.add_argument("--start-seq", type=int, default=0, help="first seq (a log whose start has expired)")
    p.add_argument(
        "--origin",
        default=None,
        help="the log's origin (default: one per entries/seed/start, so samples never collide)",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    quiet_option(p)
    return p


def run(args: argparse.Namespace) -> int:
    if args.entries < 1:
        print("auditviewer sample: --entries must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"auditviewer sample: {printable(str(out))} already exists (use --force to replace it)", file=sys.stderr)
        return EXIT_ERROR
    try:
        with ProgressLine("writing sample", quiet=args.quiet) as line:
            result = _write_sample(args, out, line.entries_done if line.enabled else None)
    except (OSError, ValueError) as exc:
        print(f"auditviewer sample: {printable(f'{out}: {exc}')}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {result.entries:,} entries to {printable(str(result.path))}")
    print(f"verifier key: {printable(result.verifier_key)}")
    return EXIT_OK


def _write_sample(args: argparse.Namespace, out: Path, progress: Any = None) -> Any:
    from auditviewer.demo import sample_origin, write_sample_bundle

    return write_sample_bundle(
        out,
        entries=args.entries,
        fmt=args.format,
        seed=args.seed,
        zip_=args.zip,
        start_seq=args.start_seq,
        origin=args.origin
        or sample_origin(entries=args.entries, seed=args.seed, start_seq=args.start_seq),
        overwrite=args.force,
        progress=progress,
    )
