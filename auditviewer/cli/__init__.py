"""The ``auditviewer`` command: the parser, the exit codes and :func:`main`; one module per command.

Exit codes follow spec §8: 0 verified, 1 failed, 2 error (unreadable input,
bad usage), 3 incomplete. Errors are one line naming the file, never a traceback:
:func:`main` turns any :class:`~auditviewer.core.errors.AuditViewerError` a
command raises into one line on stderr and exit code 2.

Each command is a module of this package, listed once in :data:`COMMANDS`. A
command module exposes ``add_parser(subparsers) -> ArgumentParser`` (its
arguments; subcommands made with ``parser_class=Parser``) and
``run(args) -> int`` (its exit code); adding a command is one line in
:data:`COMMANDS`. Command modules import the heavy packages (PyArrow, DuckDB,
Qt) inside ``run``, so that building the parser costs nothing and ``verify``
never loads DuckDB or Qt. What commands print passes :mod:`auditviewer.cli.output`
(every string from an input made visible); the verification report as text is
:mod:`auditviewer.cli.report_text`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol, cast

from auditviewer import __version__
from auditviewer.cli.output import printable, say_error, shortened
from auditviewer.cli.report_text import format_report
from auditviewer.core.errors import AuditViewerError, QueryError

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_OK", "Parser", "build_parser", "format_report", "main"]

EXIT_OK = 0
EXIT_ERROR = 2

#: The command modules (``auditviewer.cli.<name>``), in the order ``--help`` lists them.
COMMANDS = (
    "verify",
    "query",
    "export",
    "trust",
    "memory",
    "sample",
    "demo",
    "open_viewer",
    "notes",
    "evidence",
    "cache",
)

#: What ``auditviewer`` alone runs (with no paths): the viewer.
DEFAULT_COMMAND = "open_viewer"


class Command(Protocol):
    """What a command module exposes (checked when the parser is built)."""

    def add_parser(self, subparsers: Any) -> argparse.ArgumentParser: ...

    def run(self, args: argparse.Namespace) -> int: ...


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, as every other usage error here does."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"auditviewer: error: {printable(message)}\n")


def command(name: str) -> Command:
    """The command module ``auditviewer.cli.<name>``."""
    module = importlib.import_module(f"{__name__}.{name}")
    if not (callable(getattr(module, "add_parser", None)) and callable(getattr(module, "run", None))):
        raise TypeError(f"{module.__name__} is not a command: it needs add_parser(subparsers) and run(args)")
    return cast(Command, module)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="auditviewer",
        description="Open, search, verify and re-export signed audit-log bundles.",
    )
    parser.add_argument("--version", action="version", version=f"auditviewer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        module = command(name)
        module.add_parser(sub).set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.paths, args.quit_after, args.run = [], None, command(DEFAULT_COMMAND).run
    try:
        return int(args.run(args))
    except QueryError as exc:
        say_error(f"query {printable(repr(shortened(exc.query)))}, {printable(str(exc))}")
        return EXIT_ERROR
    except AuditViewerError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"status": "error", "error": str(exc)}))
        say_error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("auditviewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
