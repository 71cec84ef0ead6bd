"""``auditviewer cache``: what the workspace cache holds (``list``) and emptying it (``clear``).

A thin body over :mod:`auditviewer.workspace.cache_folder`: ``list`` shows each
database with the exports it was made from (their size then), its own size
and when it was last opened, then the folder, the total and the limit (and
where that limit comes from); ``clear [--older-than DAYS]`` removes the
databases no process has open and says what went, what was freed and what
was left because it is in use. Export paths come from the records beside the
databases (anyone who can write the cache folder can write them), so every one
passes :func:`auditviewer.core.display.visible` on its way to the terminal.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from auditviewer.core.display import visible
from auditviewer.core.times import format_time

EXIT_OK = 0
EXIT_ERROR = 2


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``cache list`` and ``cache clear`` with the command's subparsers ``sub``."""
    from auditviewer.cli import Parser

    parser_class = Parser
    p: argparse.ArgumentParser = sub.add_parser("cache", help="the workspace databases kept for fast reopening: list, clear")
    actions = p.add_subparsers(dest="cache_command", metavar="ACTION", parser_class=parser_class)
    actions.add_parser("list", help="each database: its exports and their size, its size, when last opened")
    c = actions.add_parser("clear", help="remove databases no process is using (say what was freed)")
    c.add_argument(
        "--older-than",
        type=_days,
        default=None,
        metavar="DAYS",
        help="only those last opened more than DAYS days ago",
    )
    return p


def run(args: argparse.Namespace) -> int:
    return run_cache(args)


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not math.isfinite(days) or days < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (0 or more)")
    return days


def run_cache(args: argparse.Namespace) -> int:
    if args.cache_command == "list":
        return _list()
    if args.cache_command == "clear":
        return _clear(args.older_than)
    print("auditviewer cache: say list or clear (see --help)", file=sys.stderr)
    return EXIT_ERROR


def _when(ms: int) -> str:
    return f"{format_time(ms, True)} UTC" if ms else "never"


def _list() -> int:
    from auditviewer.workspace import cache_folder

    where = cache_folder.folder()
    cache_folder.sweep(where)
    entries = sorted(cache_folder.scan(where), key=lambda e: e.last_opened_ms, reverse=True)
    size = cache_folder.format_size
    for entry in entries:
        print(f"{visible(entry.path.name)}\t{size(entry.size)}\t{entry.kind}\tlast opened {_when(entry.last_opened_ms)}")
        exports = entry.record.exports if entry.record is not None else []
        for export in exports:
            print(f"    {visible(export.path)}\t{size(export.size)}")
        if entry.kind == "shared" and not exports:
            print("    (exports not recorded)")
    limit = cache_folder.cache_limit(where)
    total = sum(e.size for e in entries)
    count = f"{len(entries)} database" + ("" if len(entries) == 1 else "s")
    print(
        f"{visible(str(where))}: {count}, {size(total)} of a {size(limit.size)} limit "
        f"({visible(limit.source)})"
    )
    if limit.problem:
        print(f"auditviewer: warning: {visible(limit.problem)}", file=sys.stderr)
    return EXIT_OK


def _clear(older_than: float | None) -> int:
    from auditviewer.workspace import cache_folder

    where = cache_folder.folder()
    result = cache_folder.clear(older_than_days=older_than, where=where)
    for entry in result.removed:
        exports = ", ".join(e.path for e in entry.record.exports) if entry.record is not None else ""
        made_from = f" (made from {visible(exports)})" if exports else ""
        print(f"removed {visible(entry.path.name)}{made_from}")
    for entry in result.in_use:
        print(f"kept {visible(entry.path.name)}: in use by a window or process")
    count = f"{len(result.removed)} database" + ("" if len(result.removed) == 1 else "s")
    print(f"removed {count} from {visible(str(where))}, {cache_folder.format_size(result.freed)} freed")
    return EXIT_OK
