"""``auditviewer verify``: verify bundles offline (spec §7) and print the report; exit 0/1/2/3.

Imports neither Qt nor DuckDB (a test checks): verification is a streaming
pass over the inputs. ``--remember`` feeds and updates the checkpoint memory;
``--evidence`` writes a fork's two signed notes to a file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditviewer.cli import EXIT_ERROR
from auditviewer.cli.options import as_paths, quiet_option
from auditviewer.cli.output import say_error, warn
from auditviewer.cli.progress import ProgressLine
from auditviewer.cli.report_text import format_report
from auditviewer.core.display import json_text
from auditviewer.core.errors import AuditViewerError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "verify", help="verify bundles offline (spec §7); exit 0/1/2/3"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="bundle folder, .zip or plain export")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="KEY_OR_FILE",
        help="a verifier key (name+id+base64) or a file of them, trusted for this run",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (spec §8)")
    p.add_argument(
        "--remember",
        action="store_true",
        help="check against the checkpoints remembered for this log, and remember its trusted ones "
        "(in your data folder; off by default, so that scripts stay stateless)",
    )
    p.add_argument(
        "--evidence",
        metavar="FILE",
        help="if a fork is found, write both signed notes, origin, size and heads to FILE (JSON)",
    )
    quiet_option(p)
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every checkpoint (by default: how many, the first, the last and every one not ok)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.core.native import keep_freed_memory

    keep_freed_memory()  # before pyarrow is imported: a short process streaming big files
    from auditviewer.integrity.memory import CheckpointMemory, write_evidence
    from auditviewer.integrity.report import error_report
    from auditviewer.workspace.inputs import open_workspace
    from auditviewer.workspace.memory import verify_with_memory
    from auditviewer.workspace.verification import trusted_keys, verify_workspace

    keys = trusted_keys(args.trust)
    memory = CheckpointMemory() if args.remember else None
    line = ProgressLine("verifying", quiet=args.quiet)
    watch: dict[str, Any] = {"on_batch": line.batch, "progress": line.bytes_read} if line.enabled else {}
    try:
        workspace = open_workspace(as_paths(args.paths))
        try:
            with line:
                if memory is None:
                    report = verify_workspace(workspace, keys, **watch)
                else:
                    report = verify_with_memory(workspace, keys, memory, **watch)
        finally:
            workspace.close()
    except AuditViewerError as exc:
        report = error_report(str(exc))
        if args.json:
            print(json_text(report.to_json(), compact=False))
        say_error(str(exc))
        return report.exit_code
    exit_code = report.exit_code
    if memory is not None and report.origin:
        added = memory.remember(report, report.origin)
        if added:
            say_error(f"remembered {added} new checkpoint(s) in {memory.folder}")
    if memory is not None:
        for problem in memory.take_problems():
            warn(problem)
    if args.evidence:
        try:
            if write_evidence(report, Path(args.evidence), memory=memory):
                say_error(f"fork evidence written to {args.evidence}")
            else:
                say_error("no fork found; no evidence written")
        except AuditViewerError as exc:
            # The verdict stands and is printed; the missing file the person asked for is an error.
            say_error(str(exc))
            exit_code = EXIT_ERROR
    if args.json:
        print(json_text(report.to_json(), compact=False))
    else:
        print(format_report(report, verbose=args.verbose))
    return exit_code
