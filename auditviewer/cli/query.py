"""``auditviewer query``: search entries from the command line with the query language.

The store (DuckDB) and the pipeline are imported when the command runs, not when
the parser is built, so that ``verify`` and ``--help`` never load DuckDB.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditviewer.cli.options import as_paths, quiet_option
from auditviewer.cli.output import printable
from auditviewer.cli.progress import ProgressLine
from auditviewer.core.display import elide, visible
from auditviewer.core.entry_schema import ENTRY_COLUMNS
from auditviewer.core.times import format_rfc3339

if TYPE_CHECKING:
    from auditviewer.casework.annotations import Annotation
    from auditviewer.store.store import Store, View

TABLE_COLUMNS = (
    ("seq", "seq"),
    ("time", "time"),
    ("event_type", "event"),
    ("actor_email", "actor"),
    ("resource_name", "resource"),
    ("state", "integrity"),
)
#: ``--format csv``: the entry's own fields (the entry schema's columns but those
#: joined from others: the event type), in the store's order, then state and metadata.
CSV_COLUMNS = (
    "seq",
    *(c.name for c in ENTRY_COLUMNS if not c.joins),
    "state",
    "metadata",
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("query", help="search entries with the query language")
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
    quiet_option(p)
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.core.native import keep_freed_memory

    # Before pyarrow is imported: a short process streaming big files, as verify (a cold
    # open of 1M entries: 0.3-0.8 s less system time at load 5-8; no difference measured
    # at load 3).
    keep_freed_memory()
    if args.save_as is not None:
        from auditviewer.casework.searches import SavedSearch, SavedSearches
        from auditviewer.store.store import Filter

        Filter(query=args.query).to_sql()  # a malformed query is not saved
        SavedSearches().save(SavedSearch(name=args.save_as, query=args.query))
        print(f"auditviewer: saved the search as {printable(args.save_as)!r}", file=sys.stderr)
    with ProgressLine("reading", quiet=args.quiet) as line:
        return run_query(
            as_paths(args.paths),
            query=args.query,
            count=args.count,
            fmt=args.format,
            trust=args.trust,
            progress=line if line.enabled else None,
            saved=args.saved,
        )


def run_query(
    paths: list[Path],
    *,
    query: str,
    count: bool,
    fmt: str,
    trust: list[str],
    progress: ProgressLine | None = None,
    saved: str | None = None,
) -> int:
    """Load ``paths``, print the entries ``query`` (or the search saved as ``saved``, with its
    time range and scope) matches; ``progress`` shows the loading, then is erased."""
    from auditviewer.casework.annotations import annotation_cells
    from auditviewer.casework.entries import publish_annotations
    from auditviewer.export.plain import ANNOTATION_COLUMNS, CsvCells
    from auditviewer.store.store import Filter
    from auditviewer.workspace.loading import load
    from auditviewer.workspace.verification import trusted_keys

    if saved is not None:
        from auditviewer.casework.searches import SavedSearches

        # An unknown name is reported, with the saved names, before any loading.
        selection = SavedSearches().get(saved).to_filter()
    else:
        selection = Filter(query=query)
    # Compile first: a malformed query is reported before any loading.
    selection.to_sql()
    watch: dict[str, Any] = {} if progress is None else {"progress": progress.bytes_read, "on_rows": progress.rows}
    with load(paths, trusted_keys(trust), **watch) as loaded:
        if progress is not None:
            progress.erase()
        for notice in loaded.notices:  # where the database went (cache limit, memory fallback)
            print(f"auditviewer: note: {visible(notice)}", file=sys.stderr)
        # Lines that are not entries (spec §2) are never printed: their bytes stay unread here.
        if any(f.kind == "malformed_entry" and f.seq is None for f in loaded.report.findings):
            print("auditviewer: note: some lines of the entry files are not entries (malformed; "
                  "`auditviewer verify` names each): query lists entries only", file=sys.stderr)
        store = loaded.store
        # The annotations of this log, for tag:, starred:, note: and annotated:.
        notes = publish_annotations(store, loaded.workspace.origin)
        for problem in notes.take_problems() if notes is not None else []:
            print(f"auditviewer: warning: {visible(problem)}", file=sys.stderr)
        out = sys.stdout
        if count:
            print(store.count_matching(selection))
            return 0
        if fmt == "jsonl":
            if out.isatty():  # a person reading: the entries, nothing the terminal obeys
                for batch in store.iter_leaves(selection):
                    for leaf in batch.column("leaf").to_pylist():
                        text = leaf.decode("utf-8", errors="replace") if isinstance(leaf, bytes) else leaf
                        print(visible(text))
                return 0
            # For a pipe or a file: the stored bytes, exactly.
            binary = out.buffer
            for batch in store.iter_leaves(selection):
                for leaf in batch.column("leaf").to_pylist():
                    binary.write(leaf if isinstance(leaf, bytes) else leaf.encode())
                    binary.write(b"\n")
            binary.flush()
            return 0
        view = store.create_view(selection)
        total = store.count(view)
        # Columns of the investigator's annotations, when this log has any (tags; and note in CSV).
        by_seq = notes.by_seq() if notes is not None else {}
        if fmt == "csv":
            # The export's writer and rule; on a terminal, no raw control or bidi character.
            writer = CsvCells(out, terminal=out.isatty())
            # The investigator's annotations, after the entry's columns when the log has any.
            writer.header((*CSV_COLUMNS, *ANNOTATION_COLUMNS) if by_seq else CSV_COLUMNS)
            for start in range(0, total, 10_000):
                rows = store.window(view, start, 10_000, columns=CSV_COLUMNS).to_pylist()
                for row in rows:
                    cells = [_cell(row[c]) if isinstance(row[c], datetime) else row[c] for c in CSV_COLUMNS]
                    if by_seq:
                        cells.extend(annotation_cells(by_seq.get(int(row["seq"]), [])))
                    writer.row(cells)
            return 0
        _print_table(store, view, total, by_seq)
    return 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_rfc3339(value, millis=True)
    return str(value)


def _print_table(store: Store, view: View, total: int, by_seq: dict[int, list[Annotation]]) -> None:
    from auditviewer.casework.annotations import annotation_cells

    columns = [c for c, _ in TABLE_COLUMNS]
    rows: list[list[str]] = []
    for start in range(0, total, 10_000):
        batch = store.window(view, start, 10_000, columns=columns).to_pylist()
        for row in batch:
            cells = [elide(visible(_cell(row[c])), 60) for c in columns]
            if by_seq:
                cells.append(elide(visible(annotation_cells(by_seq.get(int(row["seq"]), []))[0]), 60))
            rows.append(cells)
    headers = [h for _, h in TABLE_COLUMNS] + (["tags"] if by_seq else [])
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    print(f"({total:,} entries)", file=sys.stderr)
