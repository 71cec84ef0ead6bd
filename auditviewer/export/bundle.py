"""Verifiable slices (spec §6): which checkpoints and leaf hashes a selection needs, and the bundle.

A slice holds the selected entries with their stored bytes, the checkpoints
bounding every checkpoint interval that holds a selected entry, and a proof:
the leaf hashes of the *omitted* entries of those intervals. A verifier then
recomputes each such interval from its lower checkpoint's head to its upper
one's exactly as for a full bundle.

Which checkpoints are interval bounds is decided by the exporter's own
verification: the checkpoints that anchored it (trusted, of this log's
origin, not part of a fork). Any auditor who trusts at least those keys sees
the same intervals. When the exporter trusts none of the log's keys, the
well-formed checkpoints of the log's origin are used instead (those signed by
a key the manifest names, when it names one), so that an auditor who does
trust them can still verify; the plan says so. Selected entries past the last
checkpoint (an unsigned tail) travel with their omitted neighbours' leaf
hashes too, so a later checkpoint can still verify them.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from auditviewer.core.atomic import SafeFile
from auditviewer.core.errors import TrustStoreError
from auditviewer.export.source import ExportSource
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.integrity.notes import NoteError, check_signatures, parse_checkpoint
from auditviewer.integrity.report import CheckpointResult

ENTRIES_JSONL = "entries/part-00000.jsonl"
ENTRIES_PARQUET = "entries/part-00000.parquet"
CHECKPOINTS = "checkpoints.jsonl"
PROOF = "proof/leaf_hashes.parquet"
#: The investigator's annotations of the exported entries (spec §5, role ``annotations``).
ANNOTATIONS = "annotations.jsonl"
MANIFEST = "manifest.json"

PROOF_SCHEMA = pa.schema([("seq", pa.int64()), ("leaf_hash", pa.binary())])
#: Bytes a proof row takes on disk, about: 32 hash bytes, a 4-byte length, a Snappy-packed seq.
PROOF_ROW_BYTES = 40

_ANCHOR_STATUSES = frozenset({"ok", "mismatch"})


@dataclass(slots=True, kw_only=True)
class SlicePlan:
    """What a verifiable slice of ``selected`` holds, before anything is written."""

    selected: list[int]
    #: Interval bounds, ascending: 0 (the implicit anchor) then every anchor's size.
    sizes: list[int]
    #: Checkpoint notes to carry, by size (verbatim, each note once).
    notes: dict[int, list[str]]
    #: Indices into ``sizes`` of the intervals [sizes[i], sizes[i+1]) that hold a selected entry.
    intervals: list[int]
    proof_seqs: pa.Array = field(default_factory=lambda: pa.array([], pa.int64()))
    proof_hashes: pa.Array = field(default_factory=lambda: pa.array([], pa.binary(32)))
    #: Omitted seqs of a needed interval that the source has no leaf for (a deleted entry,
    #: or the start of a log exported from mid-interval).
    missing_leaves: int = 0
    #: Selected entries at or past the last anchor: carried, but no checkpoint covers them.
    tail: int = 0
    #: Whether the interval bounds are checkpoints the exporter's keys trust.
    anchors_trusted: bool = True

    @property
    def checkpoint_count(self) -> int:
        return sum(len(n) for n in self.notes.values())

    @property
    def proof_bytes_estimate(self) -> int:
        return len(self.proof_seqs) * PROOF_ROW_BYTES + (1024 if self.proof_seqs else 0)


def _anchor_results(
    checkpoints: list[CheckpointResult], hints: list[str]
) -> tuple[list[CheckpointResult], bool]:
    trusted = [c for c in checkpoints if c.status in _ANCHOR_STATUSES]
    if trusted:
        return trusted, True
    # Nothing we trust: fall back on the well-formed checkpoints of this origin, so an
    # auditor who trusts the log's key can still verify. Prefer those validly signed by a
    # key the manifest names (a hint, not trust): a stray note by some other key would
    # otherwise become an interval bound the auditor ignores, merging two intervals
    # around a gap in the proof.
    untrusted = [c for c in checkpoints if c.status == "untrusted"]
    hinted = _signed_by_hints(untrusted, hints)
    if hinted:
        untrusted = hinted
    heads: dict[int, set[bytes]] = {}
    for c in untrusted:
        heads.setdefault(c.size, set()).add(c.head)
    return [c for c in untrusted if len(heads[c.size]) == 1], False


def _signed_by_hints(checkpoints: list[CheckpointResult], hints: list[str]) -> list[CheckpointResult]:
    keys = {}
    for hint in hints:
        try:
            key = parse_verifier_key(hint)
        except TrustStoreError:
            continue
        keys[(key.name, key.key_id)] = key
    if not keys:
        return []
    out = []
    for c in checkpoints:
        try:
            parsed = parse_checkpoint(c.note)
        except (NoteError, UnicodeEncodeError):
            continue
        results = check_signatures(parsed.text, parsed.signatures, keys)
        if any(r.trusted and r.valid for r in results):
            out.append(c)
    return out


def plan_slice(source: ExportSource, selected: list[int]) -> SlicePlan:
    """The checkpoints and proof of a slice of ``selected`` (sorted, distinct, all in ``source``)."""
    hints = [k for m in source.manifests for k in m.keys]
    anchors, trusted = _anchor_results(source.report.checkpoints, hints)
    by_size: dict[int, list[str]] = {}
    for c in anchors:
        # Only a checkpoint whose note we can carry may bound an interval: the auditor's
        # verifier must see the same bounds, or two intervals merge around a proof gap.
        if not c.note or c.size <= 0:
            continue
        notes = by_size.setdefault(c.size, [])
        if c.note not in notes:
            notes.append(c.note)
    sizes = sorted({0, *by_size})
    plan = SlicePlan(selected=selected, sizes=sizes, notes={}, intervals=[], anchors_trusted=trusted)
    needed: list[int] = []
    last = len(sizes) - 1
    for seq in selected:
        i = bisect.bisect_right(sizes, seq) - 1
        if i >= last:
            plan.tail += 1
            continue
        if not needed or needed[-1] != i:
            needed.append(i)
    plan.intervals = needed

    def carry(size: int) -> None:
        if size > 0 and size in by_size:
            plan.notes[size] = by_size[size]

    for i in needed:
        carry(sizes[i])
        carry(sizes[i + 1])
    if plan.tail:
        carry(sizes[last])  # so the slice says where its unsigned tail begins
    _carry_fork_evidence(source, plan)

    # The proof: every leaf of a needed interval except the selected ones. A byte mask over
    # the sorted leaf table, set by slices (C speed), then one filter: no Python int per row.
    leaves = source.leaves
    seq_list = leaves.seq_list
    mask = bytearray(len(leaves))
    missing = 0
    for i in needed:
        lo, hi = sizes[i], sizes[i + 1]
        a, b = leaves.span(lo, hi)
        missing += (hi - lo) - (b - a)
        mask[a:b] = b"\x01" * (b - a)
        # Selected entries are always in the table; clear their rows.
        for seq in selected[bisect.bisect_left(selected, lo) : bisect.bisect_left(selected, hi)]:
            mask[bisect.bisect_left(seq_list, seq, a, b)] = 0
    if plan.tail and len(seq_list):
        # The unsigned tail as well, up to the source's last leaf: a verifier that knows a
        # later checkpoint (given alongside, or remembered from an earlier run) then finds
        # the tail whole — unverified without it, verified with it — never "missing".
        lo = sizes[last]
        a, b = leaves.span(lo, seq_list[-1] + 1)
        mask[a:b] = b"\x01" * (b - a)
        for seq in selected[bisect.bisect_left(selected, lo) :]:
            mask[bisect.bisect_left(seq_list, seq, a, b)] = 0
    keep = pa.Array.from_buffers(pa.uint8(), len(mask), [None, pa.py_buffer(bytes(mask))])
    keep_bool = pc.not_equal(keep, 0)
    plan.proof_seqs = pc.filter(leaves.seqs, keep_bool)
    plan.proof_hashes = pc.filter(leaves.hashes, keep_bool)
    plan.missing_leaves = missing
    return plan


def _carry_fork_evidence(source: ExportSource, plan: SlicePlan) -> None:
    """A fork inside the slice's span stays visible in the slice: both notes travel along."""
    if not plan.notes:
        return
    lo, hi = min(plan.notes), max(plan.notes)
    for c in source.report.checkpoints:
        if c.status == "fork" and lo <= c.size <= hi and c.note:
            notes = plan.notes.setdefault(c.size, [])
            if c.note not in notes:
                notes.append(c.note)


# --------------------------------------------------------------------------
# Writing


class _HashingWriter:
    """Counts and hashes what passes to ``target`` (the manifest's sha256 and size)."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._target.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


class BundleWriter:
    """Writes a bundle's files into a folder, or as members of a zip under one top-level folder."""

    def __init__(self, *, folder: Path | None = None, zip_file: SafeFile | None = None,
                 top: str = "", date_time: datetime | None = None) -> None:
        self._folder = folder
        self._zip = (
            zipfile.ZipFile(zip_file, "w", allowZip64=True)
            if zip_file is not None
            else None
        )
        self._top = top
        moment = date_time or datetime(1980, 1, 1)
        self._date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        self.files: list[dict[str, Any]] = []

    @contextmanager
    def file(self, rel: str, *, role: str | None, large: bool = False) -> Iterator[_HashingWriter]:
        """A file of the bundle; listed in the manifest with ``role`` unless that is None."""
        if self._zip is not None:
            info = zipfile.ZipInfo(str(PurePosixPath(self._top, rel)), date_time=self._date_time)
            info.external_attr = 0o644 << 16
            if rel.endswith(".parquet"):
                info.compress_type = zipfile.ZIP_STORED  # already compressed; hashes do not shrink
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            with self._zip.open(info, "w", force_zip64=large) as member:
                writer = _HashingWriter(member)
                yield writer
        else:
            assert self._folder is not None
            path = self._folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with SafeFile(path) as raw:
                writer = _HashingWriter(raw)
                yield writer
        if role is not None:
            self.files.append(
                {"path": rel, "role": role, "sha256": writer.sha256.hexdigest(), "size": writer.size}
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def write_parquet_bytes(table: pa.Table, **options: Any) -> bytes:
    """A Parquet file in memory (zip members cannot seek, and proofs are small enough)."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def proof_parquet(plan: SlicePlan) -> bytes:
    # BINARY as the spec says (not FIXED_LEN_BYTE_ARRAY), like the exporter's own proofs.
    table = pa.table([plan.proof_seqs, _as_binary(plan.proof_hashes)], schema=PROOF_SCHEMA)
    # Plain encoding and Snappy, the Parquet defaults every reader supports (the spec's own
    # vectors use them): a verifier in another language must be able to read this. Hashes
    # are random, so they are stored uncompressed and without dictionary or statistics.
    return write_parquet_bytes(
        table,
        compression={"seq": "snappy", "leaf_hash": "none"},
        use_dictionary=False,
        write_statistics=["seq"],
        row_group_size=1 << 20,
    )


def _as_binary(hashes: pa.Array) -> pa.Array:
    """32-byte hashes as a BINARY array, sharing the data buffer (a cast would copy row by row)."""
    if isinstance(hashes, pa.ChunkedArray):
        hashes = hashes.combine_chunks()
    n = len(hashes)
    if not pa.types.is_fixed_size_binary(hashes.type) or hashes.null_count:
        return hashes.cast(pa.binary())
    data = hashes.buffers()[1].slice(hashes.offset * 32, n * 32)
    # Past 2 GiB of hashes the 32-bit offsets of BINARY overflow; LARGE_BINARY is BINARY in Parquet too.
    kind, width = (pa.binary(), pa.int32()) if 32 * n < 2**31 else (pa.large_binary(), pa.int64())
    # 0, 32, 64, ... as a running sum of 32s: all in Arrow, no Python int per row.
    steps = pc.fill_null(pa.nulls(n + 1, width), 32)
    offsets = pc.subtract(pc.cumulative_sum(steps), pa.scalar(32, width)).buffers()[1]
    return pa.Array.from_buffers(kind, n, [None, offsets, data])


def entries_parquet(entries: list[tuple[int, bytes]]) -> bytes:
    table = pa.table(
        [pa.array([s for s, _ in entries], pa.int64()), pa.array([leaf for _, leaf in entries], pa.binary())],
        names=["seq", "entry"],
    )
    return write_parquet_bytes(table, compression="snappy", use_dictionary=False)


def checkpoints_jsonl(plan: SlicePlan) -> bytes:
    lines = []
    for size in sorted(plan.notes):
        for note in plan.notes[size]:
            lines.append(json.dumps({"note": note}, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def write_entries_jsonl(
    writer: _HashingWriter,
    entries: Iterable[tuple[int, bytes]],
    *,
    on_rows: Callable[[int], None],
) -> None:
    """One stored entry per line, in the order given (seq order), written in blocks."""
    block: list[bytes] = []
    for _seq, leaf in entries:
        block.append(leaf)
        if len(block) >= 8192:
            writer.write(b"\n".join(block) + b"\n")
            on_rows(len(block))
            block = []
    if block:
        writer.write(b"\n".join(block) + b"\n")
        on_rows(len(block))


__all__ = [
    "CHECKPOINTS",
    "ENTRIES_JSONL",
    "ENTRIES_PARQUET",
    "MANIFEST",
    "PROOF",
    "BundleWriter",
    "SlicePlan",
    "checkpoints_jsonl",
    "entries_parquet",
    "plan_slice",
    "proof_parquet",
    "write_entries_jsonl",
]
