"""``auditviewer demo``: open the viewer on the built-in demo bundle, or print its verification.

Without PySide6 (or with ``--summary``) the demo bundle is verified with its
own key and the report printed, as ``verify`` would.
"""

from __future__ import annotations

import argparse
from typing import Any

from auditviewer.cli import EXIT_OK
from auditviewer.cli.output import printable
from auditviewer.cli.report_text import format_report


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("demo", help="open the viewer on the built-in demo bundle")
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    p.add_argument("--summary", action="store_true", help="print the demo's verification, no window")
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.demo import demo_bundle_path, demo_verifier_key

    path = demo_bundle_path()
    if args.summary or not _gui_available():
        from auditviewer.integrity.keys import parse_verifier_key
        from auditviewer.workspace.inputs import open_workspace
        from auditviewer.workspace.verification import verify_workspace

        workspace = open_workspace([path])
        try:
            report = verify_workspace(workspace, [parse_verifier_key(demo_verifier_key())])
        finally:
            workspace.close()
        print(f"demo bundle: {printable(str(path))}")
        print(f"its verifier key: {demo_verifier_key()}")
        print(format_report(report))
        return EXIT_OK
    from auditviewer.ui.app import run as run_viewer

    return run_viewer([str(path)], demo=True, quit_after=args.quit_after)


def _gui_available() -> bool:
    try:
        import PySide6  # noqa: F401
    except ImportError:
        return False
    return True
