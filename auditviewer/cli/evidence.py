"""``auditviewer report``: the evidence report of a case, as HTML or PDF.

    auditviewer report PATH... [-q QUERY | --saved NAME] [--tag T]... [--trust KEY_OR_FILE]... --out report.html|report.pdf

The core gathers and renders (:mod:`auditviewer.casework.evidence`); a ``.pdf``
is printed by Qt's own PDF writer (:mod:`auditviewer.ui.pdf`), imported here
only then, so that the command line stays Qt-free for HTML. Both are written
through the one atomic writer: nothing half-written, an existing file replaced
only with ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from auditviewer.core.display import visible


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("report", help="write an evidence report (HTML or PDF): verdict, keys, checkpoints, entries, notes")
    p.add_argument("paths", nargs="+", metavar="PATH", help="bundle folder, .zip or plain export")
    which = p.add_mutually_exclusive_group()
    which.add_argument("-q", "--query", default="", help="select entries with a query")
    which.add_argument("--saved", metavar="NAME", default=None, help="select with a saved search (query, time range, scope)")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="select entries tagged T (* wildcards; repeatable)")
    p.add_argument("--trust", action="append", default=[], metavar="KEY_OR_FILE", help="a verifier key or a file of them")
    p.add_argument("--out", required=True, metavar="FILE", help="report.html or report.pdf")
    p.add_argument("--title", default="Evidence report", help="the report's heading")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    return p


def run(args: argparse.Namespace) -> int:
    return run_report(args)


def run_report(args: argparse.Namespace) -> int:
    from auditviewer.casework.evidence import evidence_html, gather_evidence
    from auditviewer.core.atomic import write_file
    from auditviewer.workspace.verification import trusted_keys

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        print(f"auditviewer report: {out}: say .html or .pdf", file=sys.stderr)
        return 2
    if out.exists() and not args.force:
        print(f"auditviewer report: {out} already exists (use --force to replace it)", file=sys.stderr)
        return 2
    if suffix == ".pdf":
        try:  # before any reading: no point verifying for a PDF that cannot be printed
            from auditviewer.ui.pdf import write_pdf
        except ImportError as exc:
            print(
                f"auditviewer report: {out}: a PDF is printed by Qt, which is not installed here ({exc}); "
                "write .html instead (it prints well from any browser)",
                file=sys.stderr,
            )
            return 2
    saved = None
    if args.saved is not None:
        from auditviewer.casework.searches import SavedSearches

        saved = SavedSearches().get(args.saved)  # an unknown name lists the saved ones
    evidence = gather_evidence(
        [Path(p) for p in args.paths], trusted_keys(args.trust), query=args.query, tags=args.tag, saved=saved
    )
    html = evidence_html(evidence, title=args.title)
    if suffix == ".pdf":
        pages = write_pdf(html, out, overwrite=args.force)
        what = f"{pages} page(s)"
    else:
        write_file(out, html.encode("utf-8", "surrogatepass"), overwrite=args.force)
        what = "HTML"
    print(
        f"wrote {out} ({what}): verdict {evidence.report.status.upper()}, {len(evidence.entries):,} entries"
        + (f", origin {visible(evidence.report.origin)}" if evidence.report.origin else "")
    )
    return 0
