"""The verification report: status, counts, checkpoint results and findings (spec §7, §8)."""

from __future__ import annotations

import base64
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
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out


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
