"""Verification states: the report's, by seq range, laid over the stored column.

States change by checkpoint interval, not by row (a trusted log is one range), so
:meth:`StoreStates.set_states` keeps up to :data:`_FEW_STATE_RANGES` ranges in the
session, read through a CASE
(:meth:`~auditviewer.store.connection.StoreConnection._state_sql`), and writes no
row: the UPDATE of every row's state took 2.2-2.5 s of a cold open of 1M entries,
and the checkpoint then rewrote the column. Ranges laid over earlier ones win where
both hold a seq (:func:`_overlay`). More ranges than that are written into the
column (an ASOF join) rather than read through a long CASE on every query.
:meth:`StoreStates.reset_states` makes every entry unverified again (a reused
file's states are evidence of nothing). The ranges are never written to a
database file: a reopened file's rows are as appended (``unverified``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import duckdb

from auditviewer.core.errors import StoreError
from auditviewer.store.connection import StoreConnection
from auditviewer.store.schema import STATES

# Up to this many state ranges (a trusted log has one; verified intervals of one
# state are merged) are kept as ranges and read through a CASE (see
# StoreConnection._state_sql): nothing is written. An UPDATE of the column took
# 2.2-2.5 s of a 1M cold open (and the checkpoint rewrote the column after it);
# the ASOF join below, for more ranges, 2-3 s.
_FEW_STATE_RANGES: Final = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class StateRange:
    """Entries ``first_seq..last_seq`` (inclusive) have verification ``state``."""

    first_seq: int
    last_seq: int
    state: str


class StoreStates(StoreConnection):
    """The verification states of entries, by seq range."""

    def set_states(self, ranges: Iterable[StateRange | tuple[int, int, str]]) -> int:
        """Set the verification state of entries by seq ranges; returns rows changed.

        Ranges must not overlap; entries outside every range keep their state.
        """
        lows: list[int] = []
        highs: list[int] = []
        states: list[str] = []
        for item in ranges:
            first, last, state = (
                (item.first_seq, item.last_seq, item.state)
                if isinstance(item, StateRange)
                else item
            )
            if state not in STATES:
                raise StoreError(f"unknown state {state!r} (use {', '.join(STATES)})")
            if last < first:
                raise StoreError(f"state range {first}..{last} ends before it starts")
            lows.append(int(first))
            highs.append(int(last))
            states.append(state)
        order = sorted(range(len(lows)), key=lows.__getitem__)
        for before, after in itertools.pairwise(order):
            if lows[after] <= highs[before]:
                raise StoreError(
                    f"state ranges {lows[before]}..{highs[before]} and "
                    f"{lows[after]}..{highs[after]} overlap"
                )
        if not lows:
            return 0
        with self._lock:
            self._flush()
            try:
                triples = list(zip(lows, highs, states, strict=True))
                overlaid = _overlay(self._state_ranges, sorted(triples))
                if len(overlaid) <= _FEW_STATE_RANGES:
                    # Kept as ranges (see _state_sql): no row is written. Counted in
                    # one scan of seq and state, before the ranges change.
                    current = self._state_sql() or "state"
                    wheres = " OR ".join(f"(seq BETWEEN ? AND ? AND {current} <> ?)" for _ in triples)
                    params = [value for triple in triples for value in triple]
                    (changed_rows,) = self._con.execute(
                        f"SELECT count(*) FROM entries WHERE {wheres}", params
                    ).fetchall()[0]
                    self._state_ranges = overlaid
                    self._forget_matches()
                    return int(changed_rows)
                # Too many ranges for a CASE on every read: the states go into the
                # column (the ranges kept so far first, then these).
                self._write_state_ranges()
                # An ASOF join finds each entry's range (the last starting at
                # or before its seq) in one sorted pass; a BETWEEN join of a
                # million entries with a thousand ranges is far slower.
                self._con.execute(
                    """
                    UPDATE entries SET state = changes.state
                    FROM (
                        SELECT e.rid, r.state
                        FROM entries AS e
                        ASOF JOIN (SELECT unnest(?::BIGINT[]) AS low, unnest(?::BIGINT[]) AS high,
                                          unnest(?::VARCHAR[]) AS state) AS r
                            ON e.seq >= r.low
                        WHERE e.seq <= r.high AND e.state <> r.state
                    ) AS changes
                    WHERE entries.rid = changes.rid
                    """,
                    [lows, highs, states],
                )
                # Drained with fetchall: DuckDB 2 refuses the next relation
                # query while a result is only partly fetched.
                changed = self._con.fetchall()
            except duckdb.Error as exc:
                raise StoreError(f"cannot set entry states: {exc}") from exc
            self._forget_matches()
        return int(changed[0][0]) if changed else 0

    def _write_state_ranges(self) -> None:
        """Write the states kept as ranges into the column, and forget the ranges."""
        current = self._state_sql()
        if current is None:
            return
        self._con.execute(f"UPDATE entries SET state = {current} WHERE state <> {current}")
        self._state_ranges = []
        self._forget_matches()

    def reset_states(self) -> None:
        """Every entry unverified, as a fresh load starts (a reused file's states are not evidence)."""
        with self._lock:
            try:
                self._state_ranges = []
                self._con.execute("UPDATE entries SET state = 'unverified' WHERE state <> 'unverified'")
            except duckdb.Error as exc:
                raise StoreError(f"cannot reset entry states: {exc}") from exc
            self._forget_matches()



def _overlay(
    ranges: list[tuple[int, int, str]], over: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """``ranges`` with the disjoint ``over`` laid on top (they win where both hold a seq),
    sorted, and neighbours of one state merged."""
    pieces: list[tuple[int, int, str]] = []
    for first, last, state in ranges:
        for low, high, _ in over:
            if high < first or low > last:
                continue
            if low > first:
                pieces.append((first, low - 1, state))
            first = high + 1
            if first > last:
                break
        if first <= last:
            pieces.append((first, last, state))
    merged: list[tuple[int, int, str]] = []
    for first, last, state in sorted([*pieces, *over]):
        if merged and merged[-1][2] == state and merged[-1][1] + 1 == first:
            merged[-1] = (merged[-1][0], last, state)
        else:
            merged.append((first, last, state))
    return merged
