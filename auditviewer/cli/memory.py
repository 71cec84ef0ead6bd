"""``auditviewer memory list|forget``: the checkpoints remembered by ``verify --remember`` and the viewer.

The memory is :class:`auditviewer.integrity.memory.CheckpointMemory`; origins
come from bundles, so they are printed through ``printable``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from auditviewer.cli import EXIT_ERROR, EXIT_OK, Parser
from auditviewer.cli.output import printable, warn


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "memory", help="checkpoints remembered by verify --remember and the viewer"
    )
    msub = p.add_subparsers(dest="memory_command", metavar="ACTION", parser_class=Parser)
    msub.add_parser("list", help="list remembered logs: origin, checkpoints, largest size, last seen")
    m = msub.add_parser("forget", help="forget this log: delete every checkpoint remembered for it")
    m.add_argument("origin", metavar="ORIGIN")
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.integrity.memory import CheckpointMemory

    memory = CheckpointMemory()
    if args.memory_command == "list":
        summaries = memory.origins()
        if not summaries:
            print(f"no remembered checkpoints in {memory.folder}")
        for s in summaries:
            fields = (s.origin, f"{s.checkpoints} checkpoints", f"size {s.largest_size}", s.last_seen)
            print("\t".join(printable(field) for field in fields))
    elif args.memory_command == "forget":
        count = memory.forget(args.origin)
        if count:
            print(f"forgot {count} checkpoints of {printable(args.origin)}")
        else:
            print(f"nothing remembered for {printable(args.origin)}")
    else:
        print("auditviewer memory: say list or forget (see --help)", file=sys.stderr)
        return EXIT_ERROR
    for problem in memory.take_problems():
        warn(problem)
    return EXIT_OK
