"""A view of the log with its malformed lines after the entries (issue 13, defect 8).

:class:`WithMalformed` wraps the store view the table model reads
(:class:`~auditviewer.workspace.store_session.StoreView`): its rows are the view's
entries, in the view's order, then the malformed lines the same filter matches
(:mod:`auditviewer.store.malformed`), in log order (file as read, then line) under
any sort — a sort is by an entry's column, which a malformed line does not have.
A window across the boundary is the entries' part and the malformed part joined;
a malformed row carries no seq (NULL), ``state`` ``"malformed"`` and the columns
``malformed_file``, ``malformed_line``, ``malformed_reason``, ``malformed_raw``
(the bytes as read, cut at ``Limits.max_raw_line_bytes``) and ``malformed_cut``.

The malformed count is read when the view is made (on the query thread), like the
view's own row count: a view is a snapshot.
"""

from __future__ import annotations

from typing import Any, Protocol

import pyarrow as pa

from auditviewer.core.domain import MALFORMED
from auditviewer.store.store import Filter, Store
from auditviewer.workspace.raw_lines import KeptLines

#: A row to keep selected across views: an entry's seq, or a malformed line's (file, line).
RowKey = int | tuple[str, int]


class EntryView(Protocol):
    """The wrapped view (``StoreView``'s reading members)."""

    def count(self) -> int: ...

    def window(self, start: int, count: int) -> pa.Table: ...

    def row_of_seq(self, seq: int) -> int | None: ...

    def close(self) -> None: ...


class WithMalformed:
    """An entry view followed by the malformed lines its filter matches (see the module docstring)."""

    threaded = True

    def __init__(self, inner: EntryView, store: Store, filter: Filter) -> None:
        self.inner = inner
        self.store = store
        self.filter = filter
        self.entries = inner.count()
        self.malformed = store.malformed_count(filter)

    def __getattr__(self, name: str) -> Any:  # meta, view: the wrapped view's
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "meta":  # the window's columns of choice go to the entries' view
            setattr(self.inner, name, value)
            return
        object.__setattr__(self, name, value)

    def count(self) -> int:
        return self.entries + self.malformed

    def window(self, start: int, count: int) -> pa.Table:
        end = min(start + count, self.count())
        parts: list[pa.Table] = []
        if start < self.entries:
            parts.append(self.inner.window(start, min(end, self.entries) - start))
        if end > self.entries and self.malformed:
            first = max(start, self.entries) - self.entries
            parts.append(self._malformed_rows(first, end - self.entries - first))
        if not parts:
            return self.inner.window(start, 0)
        if len(parts) == 1 and start < self.entries:
            return parts[0]
        return pa.concat_tables(parts, promote_options="permissive")

    def _malformed_rows(self, first: int, count: int) -> pa.Table:
        rows = self.store.malformed_window(self.filter, first, count)
        n = rows.num_rows
        return pa.table(
            {
                "seq": pa.nulls(n, pa.int64()),
                "state": pa.array([MALFORMED] * n, pa.string()),
                "malformed_file": rows.column("file"),
                "malformed_line": rows.column("line"),
                "malformed_reason": rows.column("reason"),
                "malformed_raw": rows.column("raw"),
                "malformed_cut": rows.column("cut"),
            }
        )

    def row_of_seq(self, seq: int) -> int | None:
        return self.inner.row_of_seq(seq)

    def row_of_line(self, file: str, line: int) -> int | None:
        """Where the malformed line ``file``:``line`` is in this view (to keep a selection), or None."""
        if not self.malformed:
            return None
        rows = self.store.malformed_window(self.filter, 0, self.malformed)
        for at, (f, n) in enumerate(zip(rows.column("file").to_pylist(), rows.column("line").to_pylist(), strict=True)):
            if f == file and n == line:
                return self.entries + at
        return None

    def close(self) -> None:
        self.inner.close()


def row_to_keep(view: Any, keep: RowKey) -> int | None:
    """Where the row to keep selected is in ``view``: an entry by its seq, a malformed line
    by ``(file, line)`` (a view without malformed rows has none)."""
    if isinstance(keep, tuple):
        row_of_line = getattr(view, "row_of_line", None)
        return None if row_of_line is None else row_of_line(*keep)
    return view.row_of_seq(keep)


def publish_malformed(store: Store, kept: KeptLines, notices: list[str]) -> None:
    """Give the store this load's malformed lines (the rows after the entries), and say in
    ``notices`` how many were counted but not kept (past ``Limits.max_malformed_lines``)."""
    store.set_malformed_lines(kept.rows())
    if kept.not_kept:
        why = []
        if kept.past_limit:
            why.append(f"{kept.past_limit:,} more counted in the report but not listed (limit max_malformed_lines)")
        if kept.without_bytes:
            why.append(f"{kept.without_bytes:,} row(s) of a plain export whose bytes are not kept: in the report only")
        notices.append(f"{kept.seen:,} malformed lines: {len(kept):,} listed after the entries, " + "; ".join(why))
