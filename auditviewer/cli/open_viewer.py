"""``auditviewer open [PATH…]``: the viewer on these inputs; also what ``auditviewer`` alone runs."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("open", help="open exports in the viewer")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.ui.app import run as run_viewer

    return run_viewer(list(args.paths), quit_after=args.quit_after)
