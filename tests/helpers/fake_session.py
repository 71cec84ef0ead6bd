"""A small in-memory Session for widget tests of the main window.

Flows that must prove the real thing (store, loader, verifier) use the real
session; this double keeps the window's own tests fast and independent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from auditviewer.core.errors import QueryError
from auditviewer.core.times import parse_rfc3339_ms
from auditviewer.integrity.chain import leaf_hash
from auditviewer.integrity.report import Report
from auditviewer.store.annotations import AnnotationRow
from auditviewer.workspace.raw_lines import KeptLines
from auditviewer.workspace.scopes import ResourceCount
from auditviewer.workspace.session import FilterState, WorkspaceInfo


def meta_value(metadata: str | None, path: tuple[str, ...]) -> str | None:
    """What the store's window gives for a metadata column: text, or JSON for a container."""
    value: Any = json.loads(metadata) if metadata else None
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class FakeView:
    def __init__(self, rows: list[dict[str, Any]], meta: tuple[tuple[str, ...], ...] = ()) -> None:
        self.rows = rows
        self._pos = {r["seq"]: i for i, r in enumerate(rows)}
        self.meta = meta

    def count(self) -> int:
        return len(self.rows)

    def window(self, start: int, count: int) -> pa.Table:
        part = self.rows[start : start + count]
        return pa.table(
            {
                "seq": pa.array([r["seq"] for r in part], pa.int64()),
                "time_ms": pa.array([r["time_ms"] for r in part], pa.int64()),
                "category": [r["category"] for r in part],
                "action": [r["action"] for r in part],
                "actor_email": [r["actor"] for r in part],
                "resource_name": [r["resource_name"] for r in part],
                "title_name": [r["title_name"] for r in part],
                "metadata": [r["metadata"] for r in part],
                "state": [r["state"] for r in part],
                **{
                    f"meta_{i}": pa.array([meta_value(r["metadata"], path) for r in part], pa.string())
                    for i, path in enumerate(self.meta)
                },
            }
        )

    def row_of_seq(self, seq: int) -> int | None:
        return self._pos.get(seq)


class FakeSession:
    threaded = False  # the window asks it on the GUI thread
    meta_columns: tuple[tuple[str, ...], ...] = ()

    def __init__(self, entries_file: Path, report: Report | None = None,
                 state: str = "verified") -> None:
        self.rows: list[dict[str, Any]] = []
        self.leaves: dict[int, str] = {}
        for line in entries_file.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            res = e.get("resource") or {}
            title = e.get("title") or {}
            self.leaves[e["seq"]] = line
            self.rows.append(
                {
                    "seq": e["seq"],
                    "time_ms": parse_rfc3339_ms(e["time"]),
                    "category": e["category"],
                    "action": e["action"],
                    "actor": (e.get("actor") or {}).get("email") or "",
                    "resource_type": res.get("type"),
                    "resource_id": res.get("id"),
                    "resource_name": res.get("name") or "",
                    "title_id": title.get("id"),
                    "title_name": title.get("name") or "",
                    "metadata": json.dumps(e.get("metadata")),
                    "leaf": line,
                    "state": state,
                }
            )
        self.report = report
        self.info = WorkspaceInfo(
            title="Acme Games", origin="audit.heroiclabs.example/org/acme-games",
            organization="Acme Games", inputs=[str(entries_file)],
            exported_at_ms=parse_rfc3339_ms("2026-10-19T23:59:59Z"),
        )
        self.closed = False
        self.notices: list[str] = []
        self.file_errors: list[str] = []
        self.memory_problems: list[str] = []
        self.annotations: list[AnnotationRow] = []
        self.kept_lines = KeptLines()

    def can_export(self) -> bool:
        return False  # no workspace behind it to export from

    def total(self) -> int:
        return len(self.rows)

    def check_query(self, text: str, utc: bool) -> None:
        if text.count("(") != text.count(")"):
            raise QueryError("unbalanced parenthesis", column=text.index("(") + 1, query=text)

    def _match(self, r: dict[str, Any], s: FilterState, skip: str = "") -> bool:
        if s.query and s.query.lower() not in r["leaf"].lower():
            return False
        if skip != "category" and s.categories and r["category"] not in s.categories:
            return False
        if skip != "action" and s.actions and r["action"] not in s.actions:
            return False
        if s.start_ms is not None and r["time_ms"] < s.start_ms:
            return False
        if s.end_ms is not None and r["time_ms"] >= s.end_ms:
            return False
        if s.seq_range is not None and not s.seq_range[0] <= r["seq"] <= s.seq_range[1]:
            return False
        if s.tags and not any(a.seq == r["seq"] and set(a.tags) & s.tags for a in self.annotations):
            return False
        if skip != "scope" and not s.scope.is_all:
            if s.scope.kind == "resource":
                return bool(
                    r["resource_type"] == s.scope.resource_type
                    and r["resource_id"] == s.scope.resource_id
                )
            if s.scope.kind == "title":
                return bool(r["title_id"] == s.scope.title_id)
        return True

    def view(self, state: FilterState) -> FakeView:
        self.check_query(state.query, state.utc)
        rows = [r for r in self.rows if self._match(r, state)]
        key = {"time": "time_ms", "event_type": "category", "resource": "resource_name",
               "title": "title_name", "summary": "metadata"}.get(state.sort_key, state.sort_key)
        rows.sort(key=lambda r: (r.get(key) or "", r["seq"]) if key not in ("seq", "time_ms")
                  else (r[key], r["seq"]), reverse=state.descending)
        return FakeView(rows, self.meta_columns)

    def first_rows(self, state: FilterState, count: int) -> FakeView | None:
        """Views of a fake session are quick: nothing to show before them."""
        return None

    def facet_counts(self, state: FilterState, facet: str) -> list[tuple[str | None, int]]:
        c = Counter(r[facet] for r in self.rows if self._match(r, state, skip=facet))
        return sorted(c.items())

    def histogram(self, state: FilterState) -> tuple[list[tuple[int, int]], int]:
        lo, hi = self.time_bounds()
        if lo is None or hi is None:
            return [], 1
        width = max(1, (hi - lo) // 60 + 1)
        c = Counter((r["time_ms"] - lo) // width for r in self.rows if self._match(r, state))
        return [(lo + k * width, n) for k, n in sorted(c.items())], width

    def scope_counts(self, state: FilterState) -> list[ResourceCount]:
        c = Counter(
            (r["title_id"], r["title_name"] or None, r["resource_type"], r["resource_id"],
             r["resource_name"] or None)
            for r in self.rows if self._match(r, state, skip="scope")
        )
        return [ResourceCount(*k, n) for k, n in c.items()]

    def time_bounds(self) -> tuple[int | None, int | None]:
        times = [r["time_ms"] for r in self.rows]
        return (min(times), max(times)) if times else (None, None)

    def entry(self, seq: int) -> tuple[dict[str, Any], str, str | None] | None:
        leaf = self.leaves.get(seq)
        if leaf is None:
            return None
        return json.loads(leaf), leaf, "verified"

    # The investigator's annotations: kept as given; tags counted over the matching rows.
    def set_annotations(self, rows: Sequence[AnnotationRow]) -> None:
        self.annotations = list(rows)

    def tag_counts(self, state: FilterState) -> list[tuple[str, int]]:
        seqs = {r["seq"] for r in self.rows if self._match(r, state.with_(tags=frozenset()))}
        c = Counter(t for seq, t in {(a.seq, t) for a in self.annotations for t in a.tags} if seq in seqs)
        return sorted(c.items(), key=lambda item: (-item[1], item[0]))

    def leaf_hashes(self, seqs: Sequence[int]) -> dict[int, list[str]]:
        return {s: [leaf_hash(self.leaves[s].encode()).hex()] for s in seqs if s in self.leaves}

    def annotation_files(self) -> list[tuple[str, bytes]]:
        return []

    def close(self) -> None:
        self.closed = True
