"""``auditviewer export``: re-export a selection as a verifiable slice bundle, JSONL, Parquet or CSV.

The work is :func:`auditviewer.export.write.export_slice` (imported when the
command runs); this module shows its two stages on the progress line (reading,
then exporting) and prints its summary and warnings, made visible.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditviewer.cli import EXIT_OK
from auditviewer.cli.options import as_paths, quiet_option
from auditviewer.cli.output import printable, warn
from auditviewer.cli.progress import ProgressLine
from auditviewer.core.errors import InputError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="re-export a selection: verifiable slice bundle, JSONL, Parquet, CSV"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="bundle folder, .zip or plain export")
    p.add_argument("-q", "--query", default="", help="select entries with a query (default: all)")
    p.add_argument("--out", required=True, metavar="FILE", help=".zip, folder, .jsonl, .parquet or .csv")
    p.add_argument(
        "--format",
        choices=("bundle", "jsonl", "parquet", "csv"),
        default=None,
        help="default: from --out (.zip bundle zip, no extension bundle folder, .jsonl, .parquet, .csv)",
    )
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="KEY_OR_FILE",
        help="a verifier key or a file of them, trusted for this run (as for verify)",
    )
    p.add_argument(
        "--notes",
        action="store_true",
        help="carry the investigators' annotations of the exported entries (a bundle's annotations "
        "file, outside the proof; tags and note columns in CSV and Parquet)",
    )
    quiet_option(p)
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.export.write import export_slice, summary_lines
    from auditviewer.workspace.verification import trusted_keys

    notes = None
    if args.notes:  # the annotations kept for the log's origin (docs/casework.md)
        from auditviewer.casework.annotations import AnnotationStore
        from auditviewer.cli.notes import origin_of

        origin, _ = origin_of(args.paths[0]) if Path(args.paths[0]).exists() else (None, None)
        if origin is None:
            raise InputError("does not exist", path=args.paths[0])
        notes = AnnotationStore(origin)
    with ProgressLine("reading", quiet=args.quiet) as shown:

        def writing(done: int, total: int) -> None:
            if shown.label != "exporting":
                shown.stage("exporting")
            shown.units_done(done, total)

        watch: dict[str, Any] = {"progress": writing, "read_progress": shown.bytes_read} if shown.enabled else {}
        summary = export_slice(
            as_paths(args.paths),
            out=Path(args.out),
            query=args.query or None,
            fmt=args.format,
            keys=trusted_keys(args.trust),
            overwrite=args.force,
            annotations=notes,
            **watch,
        )
    for line in summary_lines(summary):
        print(printable(line))
    for warning in summary.warnings:
        warn(warning)
    return EXIT_OK
