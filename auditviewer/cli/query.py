"""``auditviewer query``: search entries from the command line with the query language."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditviewer.cli.progress import ProgressLine
from auditviewer.core.display import elide, visible
from auditviewer.export.plain import CsvCells
from auditviewer.store.store import Filter, Store, View
from auditviewer.workspace.loading import load
from auditviewer.workspace.verification import trusted_keys

TABLE_COLUMNS = (
    ("seq", "seq"),
    ("time", "time"),
    ("event_type", "event"),
    ("actor_email", "actor"),
    ("resource_name", "resource"),
    ("state", "integrity"),
)
CSV_COLUMNS = (
    "seq",
    "id",
    "time",
    "category",
    "action",
    "actor_email",
    "actor_type",
    "actor_name",
    "resource_type",
    "resource_id",
    "resource_name",
    "title_id",
    "title_name",
    "state",
    "metadata",
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
        store = loaded.store
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
        if fmt == "csv":
            # The export's writer and rule; on a terminal, no raw control or bidi character.
            writer = CsvCells(out, terminal=out.isatty())
            writer.header(CSV_COLUMNS)
            for start in range(0, total, 10_000):
                rows = store.window(view, start, 10_000, columns=CSV_COLUMNS).to_pylist()
                for row in rows:
                    writer.row(_cell(row[c]) if isinstance(row[c], datetime) else row[c] for c in CSV_COLUMNS)
            return 0
        _print_table(store, view, total)
    return 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)


def _print_table(store: Store, view: View, total: int) -> None:
    columns = [c for c, _ in TABLE_COLUMNS]
    rows: list[list[str]] = []
    for start in range(0, total, 10_000):
        batch = store.window(view, start, 10_000, columns=columns).to_pylist()
        rows.extend([elide(visible(_cell(row[c])), 60) for c in columns] for row in batch)
    headers = [h for _, h in TABLE_COLUMNS]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    print(f"({total:,} entries)", file=sys.stderr)
