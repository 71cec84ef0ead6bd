"""The ``auditviewer`` command: every subcommand, thin — parse, call the core, print.

Exit codes follow spec §8: 0 verified, 1 failed, 2 error (unreadable input,
bad usage), 3 incomplete. Errors are one line naming the file, never a traceback.

Nothing from an input reaches the terminal as it is: every string that can
come from a bundle (origin, key names, checkpoint times, file and member
names, findings, error messages quoting them) passes
:func:`auditviewer.core.display.visible` on its way to stdout or stderr, so no
control, C1, bidi or invisible character is obeyed by the terminal
(``_printable``; ``_say_error`` for stderr). ``--json`` output stays JSON of
the same shape: JSON escapes what it must, and :func:`json_text` also writes
as ``\\uXXXX`` every character ``visible`` would escape, so the document is
valid, equal in value, and safe to print.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from auditviewer import __version__
from auditviewer.cli.progress import ProgressLine
from auditviewer.core.errors import AuditViewerError, QueryError

EXIT_OK = 0
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, as every other usage error here does."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"auditviewer: error: {_printable(message)}\n")


def _paths(values: Sequence[str]) -> list[Path]:
    return [Path(v) for v in values]


def _quiet_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line (it is shown only when standard error is a terminal)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="auditviewer",
        description="Open, search, verify and re-export signed audit-log bundles.",
    )
    parser.add_argument("--version", action="version", version=f"auditviewer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("verify", help="verify bundles offline (spec §7); exit 0/1/2/3")
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
    _quiet_option(p)
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every checkpoint (by default: how many, the first, the last and every one not ok)",
    )

    p = sub.add_parser("query", help="search entries with the query language")
    p.add_argument("paths", nargs="+", metavar="PATH")
    which = p.add_mutually_exclusive_group()
    which.add_argument("-q", "--query", default="", help="a query, e.g. 'actor:hana@* action:Update'")
    which.add_argument(
        "--saved", metavar="NAME", default=None, help="run the search saved as NAME (its query, time range and scope)"
    )
    p.add_argument("--save-as", metavar="NAME", default=None, help="save --query under NAME (for --saved and the viewer)")
    p.add_argument("--trust", action="append", default=[], metavar="KEY_OR_FILE")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--count", action="store_true", help="print only the number of matching entries")
    out.add_argument(
        "--format",
        choices=("table", "jsonl", "csv"),
        default="table",
        help="table (default), jsonl (each entry's stored text in seq order), csv",
    )
    _quiet_option(p)

    p = sub.add_parser("export", help="re-export a selection: verifiable slice bundle, JSONL, Parquet, CSV")
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
    _quiet_option(p)

    p = sub.add_parser("trust", help="manage the trust store of verifier keys")
    tsub = p.add_subparsers(dest="trust_command", metavar="ACTION", parser_class=_Parser)
    t = tsub.add_parser("add", help="trust a verifier key, or every key of a file")
    t.add_argument("key", metavar="KEY_OR_FILE")
    tsub.add_parser("list", help="list trusted keys: name, key id, fingerprint")
    t = tsub.add_parser("remove", help="stop trusting a key")
    t.add_argument("label", metavar="NAME+ID")

    p = sub.add_parser("memory", help="checkpoints remembered by verify --remember and the viewer")
    msub = p.add_subparsers(dest="memory_command", metavar="ACTION", parser_class=_Parser)
    msub.add_parser("list", help="list remembered logs: origin, checkpoints, largest size, last seen")
    m = msub.add_parser("forget", help="forget this log: delete every checkpoint remembered for it")
    m.add_argument("origin", metavar="ORIGIN")

    from auditviewer.cli.notes import add_parser as add_notes_parser

    add_notes_parser(sub, _Parser)
    from auditviewer.cli.evidence import add_parser as add_report_parser

    add_report_parser(sub)
    from auditviewer.cli.cache import add_cache_parser  # one module per command

    add_cache_parser(sub, _Parser)

    p = sub.add_parser("sample", help="write a realistic signed sample bundle")
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
    _quiet_option(p)

    p = sub.add_parser("demo", help="open the viewer on the built-in demo bundle")
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    p.add_argument("--summary", action="store_true", help="print the demo's verification, no window")

    p = sub.add_parser("open", help="open exports in the viewer")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "open"
    if args.command is None:
        args.paths, args.quit_after = [], None
    handler = _HANDLERS[command]
    try:
        return handler(args)
    except QueryError as exc:
        _say_error(f"query {_printable(repr(_shortened(exc.query)))}, {_printable(str(exc))}")
        return EXIT_ERROR
    except AuditViewerError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"status": "error", "error": str(exc)}))
        _say_error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("auditviewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
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
        workspace = open_workspace(_paths(args.paths))
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
            print(json_text(report.to_json()))
        _say_error(str(exc))
        return report.exit_code
    exit_code = report.exit_code
    if memory is not None and report.origin:
        added = memory.remember(report, report.origin)
        if added:
            _say_error(f"remembered {added} new checkpoint(s) in {memory.folder}")
    if memory is not None:
        for problem in memory.take_problems():
            print(f"auditviewer: warning: {_printable(problem)}", file=sys.stderr)
    if args.evidence:
        try:
            if write_evidence(report, Path(args.evidence), memory=memory):
                _say_error(f"fork evidence written to {args.evidence}")
            else:
                print("auditviewer: no fork found; no evidence written", file=sys.stderr)
        except AuditViewerError as exc:
            # The verdict stands and is printed; the missing file the person asked for is an error.
            _say_error(str(exc))
            exit_code = EXIT_ERROR
    if args.json:
        print(json_text(report.to_json()))
    else:
        print(format_report(report, verbose=args.verbose))
    return exit_code


def format_report(report: Any, *, verbose: bool = False) -> str:
    """The report for a person at a terminal.

    Checkpoints are summarised (a 10M-entry log has thousands): their count,
    how many are ok, the first and the last, and every one that is not ok,
    with a line counting the ok ones left out between them; ``verbose`` lists
    every checkpoint.
    """
    counts = report.counts()
    lines = [
        f"status:     {report.status.upper()}",
        f"origin:     {_printable(report.origin) if report.origin else '(none: plain export)'}",
        f"entries:    {report.entries:,}"
        + (f" (seq {report.first_seq}..{report.last_seq})" if report.first_seq is not None else ""),
        f"verified:   {counts['verified']:,}   failed: {counts['failed']:,}   "
        f"unverified: {counts['unverified']:,}",
        f"checkpoints: {len(report.checkpoints):,}",
    ]
    checkpoints = report.checkpoints
    if verbose or len(checkpoints) <= 2:
        shown = list(range(len(checkpoints)))
    else:
        # A person reads the gist: the first, the last and every one that is not ok.
        ok = sum(c.status == "ok" for c in checkpoints)
        lines[-1] += f" ({ok:,} ok; the first, the last and every one not ok shown; --verbose lists all)"
        last = len(checkpoints) - 1
        shown = [i for i, c in enumerate(checkpoints) if i in (0, last) or c.status != "ok"]
    previous = -1
    for i in shown:
        if i - previous > 1:
            lines.append(f"  ... {i - previous - 1:,} more ok")
        previous = i
        lines.append(_checkpoint_line(checkpoints[i]))
    if report.findings:
        lines.append(f"findings: {len(report.findings)}")
        for f in report.findings:
            lines.append(f"  [{_printable(f.severity)}] {_printable(f.kind)}: {_printable(f.message)}")
    return "\n".join(lines)


def _checkpoint_line(c: Any) -> str:
    signers = ", ".join(
        f"{_printable(s.key)} ({'trusted' if s.trusted else 'not trusted'}"
        + (", valid" if s.valid else ", INVALID" if s.valid is False else "")
        + ")"
        for s in c.signers
    )
    remembered = "  (remembered)" if c.source.startswith("remembered:") else ""
    return f"  size {c.size:>10,}  {c.status:<13} {_printable(c.time or '')}  {signers}{remembered}"


def _printable(text: str) -> str:
    """Terminal-safe: control characters and bidi overrides shown as escapes, never obeyed."""
    from auditviewer.core.display import visible

    return visible(text)


def _say_error(message: str) -> None:
    """One line on stderr, ``auditviewer: <message>``, the message made visible (it may
    quote paths, zip member names or other input)."""
    print(f"auditviewer: {_printable(message)}", file=sys.stderr)


def _shortened(text: str, limit: int = 200) -> str:
    from auditviewer.core.display import elide

    return elide(text, limit)


def json_text(document: object) -> str:
    """``document`` as one line of JSON, readable (UTF-8), with every character that
    :func:`auditviewer.core.display.visible` would escape written as ``\\uXXXX``: the same
    JSON values, nothing a terminal obeys."""
    from auditviewer.core.display import visible

    text = json.dumps(document, ensure_ascii=False)
    if text.isascii() and text.isprintable():
        return text
    for ch in sorted({ch for ch in text if visible(ch) != ch}):
        escaped = json.dumps(ch)[1:-1]  # \uXXXX (a surrogate pair past the BMP)
        if escaped == ch:
            escaped = "".join(f"\\u{unit:04x}" for unit in _utf16_units(ch))
        text = text.replace(ch, escaped)
    return text


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-be", errors="surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _cmd_trust(args: argparse.Namespace) -> int:
    from auditviewer.integrity.trust import TrustStore, keys_from_argument

    store = TrustStore()
    if args.trust_command == "add":
        for key in keys_from_argument(args.key):
            added = store.add(key)
            print(
                f"{'trusted' if added else 'already trusted'}: {_printable(key.label)}  "
                f"fingerprint {key.fingerprint}"
            )
        return EXIT_OK
    if args.trust_command == "remove":
        key = store.remove(args.label)
        print(f"removed: {_printable(key.label)}")
        return EXIT_OK
    if args.trust_command == "list":
        keys = store.keys()
        if not keys:
            print(f"no trusted keys in {_printable(str(store.path))}")
        for key in keys:
            print(f"{_printable(key.name)}\t{key.id_hex}\t{key.fingerprint}")
        return EXIT_OK
    print("auditviewer trust: say add, list or remove (see --help)", file=sys.stderr)
    return EXIT_ERROR


def _cmd_memory(args: argparse.Namespace) -> int:
    from auditviewer.integrity.memory import CheckpointMemory

    memory = CheckpointMemory()
    if args.memory_command == "list":
        summaries = memory.origins()
        if not summaries:
            print(f"no remembered checkpoints in {memory.folder}")
        for s in summaries:
            fields = (s.origin, f"{s.checkpoints} checkpoints", f"size {s.largest_size}", s.last_seen)
            print("\t".join(_printable(field) for field in fields))
    elif args.memory_command == "forget":
        count = memory.forget(args.origin)
        if count:
            print(f"forgot {count} checkpoints of {_printable(args.origin)}")
        else:
            print(f"nothing remembered for {_printable(args.origin)}")
    else:
        print("auditviewer memory: say list or forget (see --help)", file=sys.stderr)
        return EXIT_ERROR
    for problem in memory.take_problems():
        print(f"auditviewer: warning: {_printable(problem)}", file=sys.stderr)
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    if args.entries < 1:
        print("auditviewer sample: --entries must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"auditviewer sample: {_printable(str(out))} already exists (use --force to replace it)", file=sys.stderr)
        return EXIT_ERROR
    try:
        with ProgressLine("writing sample", quiet=args.quiet) as line:
            result = _write_sample(args, out, line.entries_done if line.enabled else None)
    except (OSError, ValueError) as exc:
        print(f"auditviewer sample: {_printable(f'{out}: {exc}')}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {result.entries:,} entries to {_printable(str(result.path))}")
    print(f"verifier key: {_printable(result.verifier_key)}")
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


def _cmd_demo(args: argparse.Namespace) -> int:
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
        print(f"demo bundle: {_printable(str(path))}")
        print(f"its verifier key: {demo_verifier_key()}")
        print(format_report(report))
        return EXIT_OK
    from auditviewer.ui.app import run

    return run([str(path)], demo=True, quit_after=args.quit_after)


def _cmd_open(args: argparse.Namespace) -> int:
    from auditviewer.ui.app import run

    return run(list(args.paths), quit_after=args.quit_after)


def _gui_available() -> bool:
    try:
        import PySide6  # noqa: F401
    except ImportError:
        return False
    return True


def _cmd_query(args: argparse.Namespace) -> int:
    from auditviewer.cli.query import run_query

    if args.save_as is not None:
        from auditviewer.casework.searches import SavedSearch, SavedSearches
        from auditviewer.store.store import Filter

        Filter(query=args.query).to_sql()  # a malformed query is not saved
        SavedSearches().save(SavedSearch(name=args.save_as, query=args.query))
        print(f"auditviewer: saved the search as {_printable(args.save_as)!r}", file=sys.stderr)

    with ProgressLine("reading", quiet=args.quiet) as line:
        return run_query(
            _paths(args.paths),
            query=args.query,
            count=args.count,
            fmt=args.format,
            trust=args.trust,
            progress=line if line.enabled else None,
            saved=args.saved,
        )


def _cmd_export(args: argparse.Namespace) -> int:
    from auditviewer.export.plan import export_slice, summary_lines
    from auditviewer.workspace.verification import trusted_keys

    with ProgressLine("reading", quiet=args.quiet) as shown:

        def writing(done: int, total: int) -> None:
            if shown.label != "exporting":
                shown.stage("exporting")
            shown.units_done(done, total)

        watch: dict[str, Any] = {"progress": writing, "read_progress": shown.bytes_read} if shown.enabled else {}
        summary = export_slice(
            _paths(args.paths),
            out=Path(args.out),
            query=args.query or None,
            fmt=args.format,
            keys=trusted_keys(args.trust),
            overwrite=args.force,
            **watch,
        )
    for line in summary_lines(summary):
        print(_printable(line))
    for warning in summary.warnings:
        print(f"auditviewer: warning: {_printable(warning)}", file=sys.stderr)
    return EXIT_OK


def _cmd_notes(args: argparse.Namespace) -> int:
    from auditviewer.cli.notes import run_notes

    return run_notes(args)


def _cmd_report(args: argparse.Namespace) -> int:
    from auditviewer.cli.evidence import run_report

    return run_report(args)


def _cmd_cache(args: argparse.Namespace) -> int:
    from auditviewer.cli.cache import run_cache

    return run_cache(args)


_HANDLERS = {
    "verify": _cmd_verify,
    "query": _cmd_query,
    "export": _cmd_export,
    "trust": _cmd_trust,
    "memory": _cmd_memory,
    "notes": _cmd_notes,
    "report": _cmd_report,
    "cache": _cmd_cache,
    "sample": _cmd_sample,
    "demo": _cmd_demo,
    "open": _cmd_open,
}
