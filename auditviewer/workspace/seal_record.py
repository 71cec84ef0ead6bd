"""A seal's record (``workspace/seal.py``): what it binds, the report whole, and its bytes.

The file is one header line, ``auditviewer-seal 2 <HMAC-SHA256 hex>``, then the record
as JSON (:class:`SealRecord`, encoded by ``msgspec``), whose exact bytes the MAC
covers. :func:`decode_seal` checks the size (``Limits.max_seal_bytes``) and the MAC
(:func:`hmac.compare_digest`) *before* parsing anything, then parses strictly:
``core/strict_json.py`` (no duplicate keys, bounded depth), then these
``msgspec.Struct`` types, which refuse unknown fields; a status or state this
version does not know is refused too. :class:`ReportRecord` is a :class:`Report`
whole: its JSON for people (``Report.to_json``) leaves out the notes and the states.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import msgspec

from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.core.strict_json import loads_object
from auditviewer.integrity.report import EXIT_CODES, CheckpointResult, Finding, Report, Signer
from auditviewer.store.store import STATES

#: The seal's first line, before its MAC in hex.
HEADER = b"auditviewer-seal 2 "


class SignerRecord(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    trusted: bool
    valid: bool | None


class CheckpointRecord(msgspec.Struct, forbid_unknown_fields=True):
    size: int
    head: bytes
    origin: str
    time: str | None
    signers: list[SignerRecord]
    status: str
    source: str
    note: str


class FindingRecord(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    message: str
    seq: int | None
    seq_end: int | None
    checkpoint: int | None
    expected: bytes | None
    computed: bytes | None
    file: str | None
    line: int | None
    line_end: int | None
    count: int | None
    summary: bool
    evidence: list[str]


class ReportRecord(msgspec.Struct, forbid_unknown_fields=True):
    """A :class:`Report`, whole (its JSON for people leaves out the notes and the states)."""

    status: str
    origin: str | None
    entries: int
    verified_entries: int
    first_seq: int | None
    last_seq: int | None
    checkpoints: list[CheckpointRecord]
    findings: list[FindingRecord]
    state_ranges: list[tuple[int, int, str]]
    state_counts: dict[str, int]
    error: str | None


class SealRecord(msgspec.Struct, forbid_unknown_fields=True):
    app: str
    database_format: int
    key: str
    labels: list[str]
    database_sha256: str
    database_size: int
    trust: str
    memory: str
    memory_limit: int | None
    states_in_file: bool
    report: ReportRecord
    #: BLAKE3 of each manifest-listed entry file's bytes, as the verification read them
    #: (label → hex; Workspace.entry_blake3): a reopen checks the files by these.
    entry_blake3: dict[str, str]


def report_record(report: Report) -> ReportRecord:
    return ReportRecord(
        status=report.status,
        origin=report.origin,
        entries=report.entries,
        verified_entries=report.verified_entries,
        first_seq=report.first_seq,
        last_seq=report.last_seq,
        checkpoints=[
            CheckpointRecord(
                size=c.size,
                head=c.head,
                origin=c.origin,
                time=c.time,
                signers=[SignerRecord(s.key, s.trusted, s.valid) for s in c.signers],
                status=c.status,
                source=c.source,
                note=c.note,
            )
            for c in report.checkpoints
        ],
        findings=[
            FindingRecord(
                kind=f.kind,
                message=f.message,
                seq=f.seq,
                seq_end=f.seq_end,
                checkpoint=f.checkpoint,
                expected=f.expected,
                computed=f.computed,
                file=f.file,
                line=f.line,
                line_end=f.line_end,
                count=f.count,
                summary=f.summary,
                evidence=list(f.evidence),
            )
            for f in report.findings
        ],
        state_ranges=[(int(a), int(b), str(s)) for a, b, s in report.state_ranges],
        state_counts=dict(report.state_counts),
        error=report.error,
    )


def report_of(record: ReportRecord) -> Report:
    return Report(
        status=record.status,
        origin=record.origin,
        entries=record.entries,
        verified_entries=record.verified_entries,
        first_seq=record.first_seq,
        last_seq=record.last_seq,
        checkpoints=[
            CheckpointResult(
                size=c.size,
                head=c.head,
                origin=c.origin,
                time=c.time,
                signers=[Signer(s.key, s.trusted, s.valid) for s in c.signers],
                status=c.status,
                source=c.source,
                note=c.note,
            )
            for c in record.checkpoints
        ],
        findings=[
            Finding(
                kind=f.kind,
                message=f.message,
                seq=f.seq,
                seq_end=f.seq_end,
                checkpoint=f.checkpoint,
                expected=f.expected,
                computed=f.computed,
                file=f.file,
                line=f.line,
                line_end=f.line_end,
                count=f.count,
                summary=f.summary,
                evidence=list(f.evidence),
            )
            for f in record.findings
        ],
        state_ranges=[(a, b, s) for a, b, s in record.state_ranges],
        state_counts=dict(record.state_counts),
        error=record.error,
    )


def encode_seal(record: SealRecord, key: bytes) -> bytes:
    payload = msgspec.json.encode(record)
    mac = hmac.new(key, HEADER + payload, hashlib.sha256).hexdigest()
    return HEADER + mac.encode() + b"\n" + payload


class SealError(ValueError):
    """A seal that cannot be honoured; the message says why (never shown as a failure)."""


def decode_seal(data: bytes, key: bytes) -> SealRecord:
    """The record of a seal whose MAC holds under ``key``; else :class:`SealError`.

    The MAC is checked over the record's exact bytes before they are parsed."""
    if len(data) > DEFAULT_LIMITS.max_seal_bytes:
        raise SealError("the seal is larger than any seal written")
    head, newline, payload = data.partition(b"\n")
    if not newline or not head.startswith(HEADER):
        raise SealError("the seal has no header")
    try:
        mac = bytes.fromhex(head[len(HEADER) :].decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SealError("the seal's MAC is not hexadecimal") from exc
    if not hmac.compare_digest(mac, hmac.new(key, HEADER + payload, hashlib.sha256).digest()):
        raise SealError("the seal's MAC does not hold (damaged, forged, or sealed with another secret)")
    try:
        record = msgspec.convert(loads_object(payload), SealRecord)
    except (ValueError, msgspec.ValidationError) as exc:
        raise SealError(f"the seal's record cannot be read ({exc})") from exc
    if record.report.status not in EXIT_CODES or any(s not in STATES for _, _, s in record.report.state_ranges):
        raise SealError("the seal's report has a status or state this version does not know")
    return record


def read_seal(path: Path, key: bytes) -> SealRecord:
    try:
        with open(path, "rb") as handle:
            data = handle.read(DEFAULT_LIMITS.max_seal_bytes + 1)
    except OSError as exc:
        raise SealError(f"no seal ({exc.strerror or exc})") from exc
    return decode_seal(data, key)


__all__ = [
    "HEADER",
    "CheckpointRecord",
    "FindingRecord",
    "ReportRecord",
    "SealError",
    "SealRecord",
    "SignerRecord",
    "decode_seal",
    "encode_seal",
    "read_seal",
    "report_of",
    "report_record",
]
