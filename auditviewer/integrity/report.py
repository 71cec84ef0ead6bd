"""The verification report: status, counts, checkpoint results and findings (spec §7, §8).

Findings are bounded (:class:`FindingBudget`): a hostile file of millions of bad
lines must not become millions of findings. Of each kind the first
``KEEP_PER_KIND`` are kept whole, with their file and line; the rest are one
summary finding per kind carrying their count and the seq and line ranges
(docs/verification.md shows its JSON). The CLI's text, its JSON and the viewer
all read the same :class:`Report`, so all three show the same bounded list.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FAILURE = "failure"
INCOMPLETE = "incomplete"
INFO = "info"

SEVERITY = {
    **dict.fromkeys(
        (
            "chain_mismatch",
            "bad_signature",
            "entry_missing",
            "seq_conflict",
            "seq_mismatch",
            "fork",
            "malformed_entry",
            "malformed_checkpoint",
            "file_hash_mismatch",
            "missing_file",
        ),
        FAILURE,
    ),
    **dict.fromkeys(
        (
            "unsigned_tail",
            "missing_anchor",
            "untrusted_key",
            "no_checkpoints",
            "no_integrity_data",
            "foreign_checkpoint",
        ),
        INCOMPLETE,
    ),
    **dict.fromkeys(("log_continues", "time_regression", "unlisted_file"), INFO),
}

STATUS_VERIFIED = "verified"
STATUS_FAILED = "failed"
STATUS_INCOMPLETE = "incomplete"
STATUS_ERROR = "error"
EXIT_CODES = {STATUS_VERIFIED: 0, STATUS_FAILED: 1, STATUS_ERROR: 2, STATUS_INCOMPLETE: 3}


def b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


@dataclass(slots=True, kw_only=True)
class Finding:
    kind: str
    message: str
    seq: int | None = None
    seq_end: int | None = None
    checkpoint: int | None = None
    expected: bytes | None = None
    computed: bytes | None = None
    file: str | None = None
    line: int | None = None
    #: Last line, when the finding stands for a run of lines (``line``..``line_end``).
    line_end: int | None = None
    #: How many problems this finding stands for, when more than one (a run, or a summary).
    count: int | None = None
    #: True for the one finding per kind that summarises those past ``KEEP_PER_KIND``.
    summary: bool = False
    #: Extra evidence (e.g. both signed notes of a fork).
    evidence: list[str] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.kind, INFO)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "severity": self.severity}
        for name in ("seq", "seq_end", "checkpoint"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["message"] = self.message
        if self.expected is not None:
            out["expected"] = b64(self.expected)
        if self.computed is not None:
            out["computed"] = b64(self.computed)
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.line_end is not None:
            out["line_end"] = self.line_end
        if self.count is not None:
            out["count"] = self.count
        if self.summary:
            out["summary"] = True
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out


#: Findings of one kind listed one by one; past this, one summary finding per kind.
KEEP_PER_KIND = 100


@dataclass(slots=True)
class _Rest:
    """What is kept of the findings of one kind past the budget: counts and ranges, no messages."""

    kind: str
    count: int = 0
    seq: int | None = None
    seq_end: int | None = None
    file: str | None = None
    other_files: set[str] = field(default_factory=set)
    line: int | None = None
    line_end: int | None = None

    def absorb(self, f: Finding) -> None:
        self.count += f.count or 1
        if f.seq is not None:
            high = f.seq_end if f.seq_end is not None else f.seq
            self.seq = f.seq if self.seq is None else min(self.seq, f.seq)
            self.seq_end = high if self.seq_end is None else max(self.seq_end, high)
        if f.file is not None and f.file != self.file:
            if self.file is None:
                self.file = f.file
            elif len(self.other_files) < KEEP_PER_KIND:  # bounded: the count is what matters
                self.other_files.add(f.file)
        if f.line is not None and (f.file is None or f.file == self.file):
            end = f.line_end if f.line_end is not None else f.line
            self.line = f.line if self.line is None else min(self.line, f.line)
            self.line_end = end if self.line_end is None else max(self.line_end, end)

    def finding(self) -> Finding:
        where = []
        if self.line is not None and self.file is not None:
            where.append(f"lines {self.line:,}–{self.line_end:,} of {self.file}")
        if self.other_files:
            where.append(f"and {len(self.other_files):,}{'+' if len(self.other_files) >= KEEP_PER_KIND else ''} other files")
        if self.seq is not None:
            where.append(f"seq {self.seq}–{self.seq_end}")
        return Finding(
            kind=self.kind,
            message=f"and {self.count:,} more {self.kind} findings, not listed one by one"
            + (f" ({', '.join(where)})" if where else ""),
            seq=self.seq,
            seq_end=self.seq_end if self.seq_end != self.seq else None,
            file=self.file,
            line=self.line,
            line_end=self.line_end if self.line_end != self.line else None,
            count=self.count,
            summary=True,
        )


class FindingBudget:
    """A list of findings that stays small: the first ``keep`` of each kind whole, the rest summarised.

    Memory is bounded by the number of kinds times ``keep``; adding is constant time.
    A finding that already stands for several (``count``) counts once against the
    budget when kept, and with its count when summarised.
    """

    def __init__(self, findings: Iterable[Finding] = (), *, keep: int = KEEP_PER_KIND) -> None:
        self._keep = keep
        self._kept: list[Finding] = []
        self._per_kind: dict[str, int] = {}
        self._rest: dict[str, _Rest] = {}
        for f in findings:
            self.append(f)

    def append(self, f: Finding) -> bool:
        """Add one finding; True when it was kept whole (so its holder may still extend it)."""
        kept = self._per_kind.get(f.kind, 0)
        if kept < self._keep and not f.summary:
            self._per_kind[f.kind] = kept + 1
            self._kept.append(f)
            return True
        rest = self._rest.get(f.kind)
        if rest is None:
            rest = self._rest[f.kind] = _Rest(f.kind)
        rest.absorb(f)
        return False

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.append(f)

    def __iter__(self) -> Iterator[Finding]:
        yield from self._kept
        for rest in self._rest.values():
            yield rest.finding()

    def __len__(self) -> int:
        return len(self._kept) + len(self._rest)

    def __getitem__(self, index: int) -> Finding:
        return list(self)[index]


@dataclass(frozen=True, slots=True)
class Signer:
    key: str
    trusted: bool
    valid: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "trusted": self.trusted, "valid": bool(self.valid)}


@dataclass(slots=True, kw_only=True)
class CheckpointResult:
    size: int
    head: bytes
    origin: str
    time: str | None
    signers: list[Signer]
    status: str  # ok | mismatch | untrusted | bad_signature | fork | foreign
    source: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"size": self.size, "head": b64(self.head)}
        if self.time is not None:
            out["time"] = self.time
        out["signers"] = [s.to_json() for s in self.signers]
        out["status"] = self.status
        if self.source:
            out["source"] = self.source
        return out


@dataclass(slots=True, kw_only=True)
class Report:
    status: str
    origin: str | None
    entries: int
    verified_entries: int
    first_seq: int | None
    last_seq: int | None
    checkpoints: list[CheckpointResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: (first seq, last seq inclusive, state), covering every included entry.
    state_ranges: list[tuple[int, int, str]] = field(default_factory=list)
    #: Entries per state (a range may span seqs that are absent, so count here).
    state_counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def counts(self) -> dict[str, int]:
        return {"verified": 0, "failed": 0, "unverified": 0, **self.state_counts}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "origin": self.origin,
            "entries": self.entries,
            "verified_entries": self.verified_entries,
            "range": (
                {"first_seq": self.first_seq, "last_seq": self.last_seq}
                if self.first_seq is not None
                else None
            ),
            "checkpoints": [c.to_json() for c in self.checkpoints],
            "findings": [f.to_json() for f in self.findings],
        }
        if self.error:
            out["error"] = self.error
        return out


def error_report(message: str) -> Report:
    """The report of input that cannot be read at all."""
    return Report(
        status=STATUS_ERROR,
        origin=None,
        entries=0,
        verified_entries=0,
        first_seq=None,
        last_seq=None,
        error=message,
    )
