"""Remembered checkpoints: what this machine has seen of each log, to catch rollback and forks over time.

A bundle on its own cannot show that the log went on after its last
checkpoint, nor that someone signed a different history last month. So the
app keeps, per origin, the trusted checkpoints it has verified, in the user's
data folder::

    <data_dir>/checkpoints/<sha256(origin) hex>.jsonl
    {"note": "<signed note>", "first_seen": "<RFC 3339 UTC>", "last_seen": "...", "source": "<file:line>"}

and feeds them into later verifications as extra checkpoints (source
``remembered:<file>``). They are judged like any other checkpoint: a
remembered note anchors only if a key trusted *now* signs it, a different head
for the same size is a ``fork``, and a remembered size past the export's end
is reported as ``log_continues``.

The file is written whole to a temporary name and renamed into place, so a
crash leaves the old or the new file, never half of one. A file that cannot
be read as written (hand-edited, damaged disk) is renamed ``*.corrupt``,
reported once, and the log is treated as never seen: it never stops or
changes a verification. At most ``limit`` checkpoints are kept per origin: the
largest size always, then the newest.

Qt-free: the command line (``verify --remember``, ``memory list|forget``) and
the viewer share this module.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import hashlib
import itertools
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from auditviewer.core.atomic import SafeFile, atomic_output
from auditviewer.core.errors import AuditViewerError, InputError
from auditviewer.core.paths import data_dir
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.checkpoints import CheckpointLine
from auditviewer.integrity.chain import ZERO_HEAD
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.notes import Checkpoint, NoteError, parse_checkpoint
from auditviewer.integrity.report import (
    FAILURE,
    INCOMPLETE,
    STATUS_ERROR,
    STATUS_FAILED,
    STATUS_INCOMPLETE,
    STATUS_VERIFIED,
    CheckpointResult,
    Finding,
    Report,
)
from auditviewer.workspace.inputs import Progress, Workspace
from auditviewer.workspace.verification import verify_workspace

#: Source label of a remembered checkpoint; verify() appends ``:<line>``.
SOURCE_PREFIX = "remembered:"
#: Checkpoints kept per origin (the largest size is always among them).
MAX_PER_ORIGIN = 10_000
#: A checkpoint note with a few signatures is a few hundred bytes; a larger one is
#: not worth keeping 10,000 times (a bundle may carry notes up to 64 KiB).
MAX_REMEMBERED_NOTE_BYTES = 8 * 1024
_MAX_LINE_BYTES = 2 * MAX_REMEMBERED_NOTE_BYTES + 1024
_MAX_TIME_CHARS = 64


class CheckpointMemoryError(AuditViewerError):
    """The memory folder cannot be changed (forgetting failed); the message names the file."""


class OriginSummary(NamedTuple):
    """One remembered log, as ``auditviewer memory list`` and the viewer show it."""

    origin: str
    checkpoints: int
    largest_size: int
    last_seen: str


@dataclass(frozen=True, slots=True)
class RememberedCheckpoint:
    """One line of a memory file."""

    checkpoint: Checkpoint
    first_seen: str
    last_seen: str
    source: str

    @property
    def note(self) -> str:
        return self.checkpoint.note

    @property
    def size(self) -> int:
        return self.checkpoint.size

    def to_json(self) -> dict[str, str]:
        return {
            "note": self.note,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "source": self.source,
        }


class _Corrupt(Exception):
    """A memory file is not what this module writes; the message says where."""


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_name(origin: str) -> str:
    """The memory file's name: a hash, so an origin can never name a path of its own."""
    return hashlib.sha256(origin.encode("utf-8", "surrogatepass")).hexdigest() + ".jsonl"


class CheckpointMemory:
    """The remembered checkpoints of every log, in ``folder`` (default: data_dir()/"checkpoints").

    Problems with the files (a corrupt file set aside, a write that failed) never
    raise during verification: each becomes one message in :attr:`problems`, for
    the command line to print and the viewer to show.
    """

    def __init__(
        self,
        *,
        folder: Path | None = None,
        limit: int = MAX_PER_ORIGIN,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.folder = folder if folder is not None else data_dir() / "checkpoints"
        self.limit = max(1, limit)
        self._clock = clock or _now
        self.problems: list[str] = []
        # Parsed files by path, valid while (mtime, size, inode) is unchanged: parsing
        # 10,000 notes takes about a second, and the viewer reads memory on every open.
        self._cache: dict[Path, tuple[tuple[int, int, int], list[RememberedCheckpoint]]] = {}

    # -- reading

    def path_for(self, origin: str) -> Path:
        return self.folder / file_name(origin)

    def records(self, origin: str) -> list[RememberedCheckpoint]:
        """Everything remembered for ``origin``, smallest size first; [] if nothing (or corrupt)."""
        return self._load(self.path_for(origin), origin)

    def remembered(self, origin: str) -> list[CheckpointLine]:
        """The remembered checkpoints as checkpoint lines (source ``remembered:<file>``), unjudged."""
        return self._lines(origin, self.records(origin))

    def _lines(self, origin: str, records: list[RememberedCheckpoint]) -> list[CheckpointLine]:
        source = f"{SOURCE_PREFIX}{self.path_for(origin)}"
        return [
            CheckpointLine(source, number, record.checkpoint)
            for number, record in enumerate(records, start=1)
        ]

    def origins(self) -> list[OriginSummary]:
        """Every remembered log: origin, checkpoints kept, largest size, last seen."""
        out: list[OriginSummary] = []
        try:
            paths = sorted(self.folder.glob("*.jsonl"))
        except OSError:
            return out
        for path in paths:
            records = self._load(path, None)
            if not records:
                continue
            out.append(
                OriginSummary(
                    origin=records[0].checkpoint.origin,
                    checkpoints=len(records),
                    largest_size=max(r.size for r in records),
                    last_seen=max(r.last_seen for r in records),
                )
            )
        return sorted(out, key=lambda s: s.origin)

    def take_problems(self) -> list[str]:
        """The problems gathered so far, emptying the list (so each is shown once)."""
        problems, self.problems = self.problems, []
        return problems

    # -- writing

    def remember(self, report: Report, origin: str) -> int:
        """Remember the report's checkpoints of ``origin`` with status ``ok``; returns how many are new.

        Only ``ok`` counts: signed by a key trusted at the time, valid, and not
        contradicted by the entries (``mismatch``) or by another note (``fork``).
        Nothing at all is remembered from a report that shows two histories (a
        ``fork``, or a remembered checkpoint the entries contradict): the bundle's
        other checkpoints belong to the history that contradicts what was seen, and
        remembering them would make the genuine log look forked later. Checkpoints
        that came from memory are not remembered again, so that memory only ever
        grows from what bundles showed. A failed write is a problem message, never an
        exception: remembering is a convenience on top of a verification that has
        already happened.
        """
        if report.status == STATUS_ERROR or not origin or report.origin != origin:
            return 0
        if any(f.kind == "fork" for f in report.findings) or any(
            _is_remembered(c) and c.status == "mismatch" for c in report.checkpoints
        ):
            return 0
        seen = [
            c
            for c in report.checkpoints
            if c.status == "ok"
            and c.origin == origin
            and c.note
            and not c.source.startswith(SOURCE_PREFIX)
            and any(s.trusted and s.valid for s in c.signers)
        ]
        if not seen:
            return 0
        path = self.path_for(origin)
        now = _stamp(self._clock())
        # Read just before writing: a second process remembering the same log in the
        # meantime is merged, not overwritten (the window left is milliseconds).
        current = {r.note: r for r in self._load(path, origin)}
        added = 0
        for result in seen:
            if len(result.note.encode("utf-8", "surrogatepass")) > MAX_REMEMBERED_NOTE_BYTES:
                continue
            known = current.get(result.note)
            if known is not None:
                current[result.note] = RememberedCheckpoint(
                    checkpoint=known.checkpoint,
                    first_seen=known.first_seen,
                    last_seen=now,
                    source=known.source,
                )
                continue
            try:
                checkpoint = parse_checkpoint(result.note)
            except (NoteError, UnicodeEncodeError):
                continue
            current[result.note] = RememberedCheckpoint(
                checkpoint=checkpoint, first_seen=now, last_seen=now, source=result.source
            )
            added += 1
        try:
            self._write(path, self._bounded(list(current.values())))
        except OSError as exc:
            self.problems.append(
                f"could not remember the checkpoints of {origin!r} in {path} "
                f"({exc.strerror or exc}); this verification is unaffected"
            )
            return 0
        return added

    def forget(self, origin: str) -> int:
        """Forget this log: delete its memory file; returns how many checkpoints were forgotten."""
        path = self.path_for(origin)
        count = len(self._load(path, origin))
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise CheckpointMemoryError(
                f"{path}: cannot be deleted ({exc.strerror or exc})"
            ) from exc
        return count

    # -- files

    def _bounded(self, records: list[RememberedCheckpoint]) -> list[RememberedCheckpoint]:
        """At most ``limit`` records: the largest size always (rollback needs it), then the newest."""
        if not records:
            return records
        largest = max(r.size for r in records)
        top = [r for r in records if r.size == largest][: self.limit]
        rest = sorted(
            (r for r in records if r.size != largest),
            key=lambda r: (r.first_seen, r.size),
            reverse=True,
        )[: self.limit - len(top)]
        return sorted(top + rest, key=lambda r: (r.size, r.first_seen))

    def _write(self, path: Path, records: list[RememberedCheckpoint]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sweep_temporaries()
        body = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".remember-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body.encode("utf-8", "surrogatepass"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with contextlib.suppress(OSError):
            stat = path.stat()
            self._cache[path] = ((stat.st_mtime_ns, stat.st_size, stat.st_ino), list(records))

    def _sweep_temporaries(self) -> None:
        """Remove temporaries a crash left behind (older than a day: never one being written)."""
        cutoff = time.time() - 86_400  # file times are real times, whatever the clock says
        try:
            for tmp in self.folder.glob(".remember-*.tmp"):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink(missing_ok=True)
        except OSError:
            pass  # only tidying; the write itself reports real problems

    def _load(self, path: Path, origin: str | None) -> list[RememberedCheckpoint]:
        """Read one memory file; a corrupt one is set aside and reads as empty."""
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return list(cached[1])
            size = stat.st_size
            if size > self.limit * (_MAX_LINE_BYTES + 1):
                raise _Corrupt(f"it is larger than {self.limit} checkpoints can be")
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            # Nothing remembered yet (a write to such a folder reports its own problem).
            return []
        except _Corrupt as exc:
            self._set_aside(path, str(exc))
            return []
        except OSError as exc:
            self.problems.append(
                f"remembered checkpoints in {path} cannot be read ({exc.strerror or exc}); "
                "the log is treated as never seen before"
            )
            return []
        try:
            records = _parse_file(data, path, origin)
        except _Corrupt as exc:
            self._set_aside(path, str(exc))
            return []
        self._cache[path] = (key, records)
        return list(records)

    def _set_aside(self, path: Path, why: str) -> None:
        aside = path.with_name(f"{path.name}.{self._clock().strftime('%Y%m%dT%H%M%S%f')}.corrupt")
        try:
            os.replace(path, aside)
        except OSError as exc:
            self.problems.append(
                f"remembered checkpoints in {path} are damaged ({why}) and could not be set aside "
                f"({exc.strerror or exc}); they are ignored"
            )
            return
        self.problems.append(
            f"remembered checkpoints in {path} are damaged ({why}); the file was set aside as "
            f"{aside.name} and this log is treated as never seen before"
        )


def _parse_file(data: bytes, path: Path, origin: str | None) -> list[RememberedCheckpoint]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    records: dict[str, RememberedCheckpoint] = {}
    for number, raw in enumerate(lines, start=1):
        if len(raw) > _MAX_LINE_BYTES:
            raise _Corrupt(f"line {number} is too long")
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _Corrupt(f"line {number} is not JSON") from exc
        if not isinstance(obj, dict):
            raise _Corrupt(f"line {number} is not an object")
        fields = {name: obj.get(name) for name in ("note", "first_seen", "source")}
        for name, value in fields.items():
            longest = {"note": _MAX_LINE_BYTES, "source": 4096}.get(name, _MAX_TIME_CHARS)
            if not isinstance(value, str) or len(value) > longest:
                raise _Corrupt(f"line {number} has no usable {name!r}")
        last_seen = obj.get("last_seen", fields["first_seen"])
        if not isinstance(last_seen, str) or len(last_seen) > _MAX_TIME_CHARS:
            raise _Corrupt(f"line {number} has no usable 'last_seen'")
        try:
            checkpoint = parse_checkpoint(str(fields["note"]))
        except (NoteError, UnicodeEncodeError) as exc:
            raise _Corrupt(f"line {number}: {exc}") from exc
        if origin is None:
            origin = checkpoint.origin
            if path.name != file_name(origin):
                raise _Corrupt(f"its name is not that of the log {origin!r} it holds")
        if checkpoint.origin != origin:
            raise _Corrupt(f"line {number} is a checkpoint of another log, {checkpoint.origin!r}")
        records.setdefault(
            checkpoint.note,
            RememberedCheckpoint(
                checkpoint=checkpoint,
                first_seen=str(fields["first_seen"]),
                last_seen=last_seen,
                source=str(fields["source"]),
            ),
        )
    return sorted(records.values(), key=lambda r: (r.size, r.first_seen))


# -- verification with memory


def verify_with_memory(
    workspace: Workspace,
    keys: Iterable[VerifierKey],
    memory: CheckpointMemory,
    *,
    on_batch: Callable[[LeafBatch], None] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Report:
    """verify_workspace() with the log's remembered checkpoints as extra anchors.

    The workspace is left as it was found (its own checkpoint lines only), so a
    later re-export never carries remembered notes. Messages of findings that
    involve a remembered checkpoint say so and when it was first seen.
    """
    keys = list(keys)
    origin = workspace.origin
    remembered = memory.records(origin) if origin else []
    own = list(workspace.checkpoint_lines)
    fed: list[CheckpointLine] = []
    if origin and remembered:
        # Signatures are checked once, by verify(); here only whether a trusted key
        # names each note (a note that then fails its check is dropped in _annotate).
        trusted = {(k.name, k.key_id): k for k in keys}
        candidates = _select(memory._lines(origin, remembered), own, origin)
        fed = list(_named_by_trusted_key(candidates, trusted))
    if not fed:
        return verify_workspace(
            workspace, keys, on_batch=on_batch, progress=progress, cancelled=cancelled
        )
    records = {r.note: r for r in remembered}
    findings_before = list(workspace.findings)
    file_errors_before = list(workspace.file_errors)
    digest = hashlib.sha256()

    def first_pass(batch: LeafBatch) -> None:
        _digest_batch(digest, batch)
        if on_batch is not None:
            on_batch(batch)

    try:
        workspace.checkpoint_lines[:] = own + fed
        report = verify_workspace(
            workspace, keys, on_batch=first_pass, progress=progress, cancelled=cancelled
        )
        cut = _memory_made_gap(report, fed)
        if cut is not None:
            # A remembered size above entries that the bundle does not hold contiguously
            # (a slice's tail, an export with no anchor of its own) turned "not proven"
            # into entry_missing. The exporter could not know of that checkpoint, so its
            # absence of leaves proves nothing: verify again without the remembered sizes
            # above the gap, checking that the files still hold the same leaves.
            own_sizes = _own_anchor_sizes(report)
            kept = [
                line
                for line in fed
                if line.checkpoint is not None
                and (line.checkpoint.size <= cut or line.checkpoint.size in own_sizes)
            ]
            workspace.checkpoint_lines[:] = own + kept
            workspace.findings[:] = findings_before
            workspace.file_errors[:] = file_errors_before
            again = hashlib.sha256()
            report = verify_workspace(
                workspace, keys, on_batch=lambda b: _digest_batch(again, b), cancelled=cancelled
            )
            if again.digest() != digest.digest():
                raise InputError(
                    "the files changed while they were being verified; open them again"
                )
    finally:
        workspace.checkpoint_lines[:] = own
    bad = _drop_bad_remembered(report, memory, str(origin))
    fed = [line for line in fed if line.checkpoint is not None and line.checkpoint.note not in bad]
    _annotate(report, records, fed, own_lines=own, has_integrity_data=workspace.has_integrity_data)
    return report


def _named_by_trusted_key(
    lines: Iterable[CheckpointLine], trusted: dict[tuple[str, bytes], VerifierKey]
) -> Iterable[CheckpointLine]:
    """Lines with at least one signature line naming a trusted key (name and key id)."""
    for line in lines:
        checkpoint = line.checkpoint
        if checkpoint is not None and any(
            (s.name, s.key_id) in trusted for s in checkpoint.signatures
        ):
            yield line


def _select(
    lines: list[CheckpointLine], own: list[CheckpointLine], origin: str
) -> list[CheckpointLine]:
    """The remembered checkpoints worth feeding: a handful around the bundle's own, not ten thousand.

    Kept: every remembered note at a size the bundle also signs (a different head
    there is a fork, with both notes), and in each gap between the bundle's own
    sizes (below the first, above the last) the smallest and the largest
    remembered size. The largest below a checkpoint catches any rewrite of the
    entries under it (the chain from the anchor before cannot reach its head);
    the largest overall reveals rollback; the smallest in a gap anchors an export
    that starts or ends inside it. Each note costs a signature check, so feeding
    all of them would cost seconds on every open for nothing more.
    """
    own_sizes = sorted(
        {
            line.checkpoint.size
            for line in own
            if line.checkpoint is not None and line.checkpoint.origin == origin
        }
    )
    sizes = sorted({line.checkpoint.size for line in lines if line.checkpoint is not None})
    chosen = set(own_sizes).intersection(sizes)
    bounds: list[float] = [-1, *own_sizes, float("inf")]
    for lo, hi in itertools.pairwise(bounds):
        inside = sizes[bisect.bisect_right(sizes, lo) : bisect.bisect_left(sizes, hi)]
        if inside:
            chosen.update((inside[0], inside[-1]))
    return [
        line for line in lines if line.checkpoint is not None and line.checkpoint.size in chosen
    ]


def _drop_bad_remembered(report: Report, memory: CheckpointMemory, origin: str) -> set[str]:
    """A remembered note a trusted key signed but whose signature fails now is damaged memory.

    verify() never made it an anchor; its finding and result are removed so that the
    bundle is judged as if the note were not there, and memory reports the damage.
    """
    bad = [c for c in report.checkpoints if _is_remembered(c) and c.status == "bad_signature"]
    if not bad:
        return set()
    report.checkpoints = [c for c in report.checkpoints if not any(c is b for b in bad)]
    report.findings = [
        f
        for f in report.findings
        if not (f.kind == "bad_signature" and (f.file or "").startswith(SOURCE_PREFIX))
    ]
    for c in bad:
        memory.problems.append(
            f"the remembered checkpoint of {origin!r} at size {c.size} ({c.source}) does not "
            "verify with a trusted key; it is ignored"
        )
    return {c.note for c in bad}


def _digest_batch(digest: Any, batch: LeafBatch) -> None:
    table = batch.table
    digest.update(batch.source.encode("utf-8", "surrogatepass") + b"\0")
    for name in ("seq", "leaf_hash"):
        digest.update(_fixed(table.column(name)))


def _fixed(column: Any) -> bytes:
    width = column.type.byte_width
    start = column.offset * width
    return bytes(column.buffers()[1].to_pybytes()[start : start + len(column) * width])


def _is_remembered(result: CheckpointResult) -> bool:
    return result.source.startswith(SOURCE_PREFIX)


def _own_anchor_sizes(report: Report) -> set[int]:
    return {
        c.size
        for c in report.checkpoints
        if not _is_remembered(c) and c.status in ("ok", "mismatch")
    }


def _memory_made_gap(report: Report, fed: list[CheckpointLine]) -> int | None:
    """The lowest seq of an ``entry_missing`` interval closed by a remembered-only anchor, if any."""
    fed_sizes = {line.checkpoint.size for line in fed if line.checkpoint is not None}
    own = _own_anchor_sizes(report)
    starts = [
        f.seq
        for f in report.findings
        if f.kind == "entry_missing"
        and f.seq is not None
        and f.checkpoint is not None
        and f.checkpoint in fed_sizes
        and f.checkpoint not in own
    ]
    return min(starts) if starts else None


def _annotate(
    report: Report,
    records: dict[str, RememberedCheckpoint],
    fed: list[CheckpointLine],
    *,
    own_lines: list[CheckpointLine],
    has_integrity_data: bool,
) -> None:
    """Say where memory was involved, add what only memory knows, and recompute the status."""

    def seen(result: CheckpointResult) -> str:
        record = records.get(result.note)
        when = record.first_seen if record is not None else "an earlier verification"
        where = f", in {record.source}" if record is not None and record.source else ""
        return f"first seen {when}{where}"

    remembered_at: dict[int, list[CheckpointResult]] = {}
    for result in report.checkpoints:
        if _is_remembered(result):
            remembered_at.setdefault(result.size, []).append(result)
    own_sizes = _own_anchor_sizes(report)

    for finding in report.findings:
        size = finding.checkpoint
        if size is None or size not in remembered_at:
            continue
        if finding.kind == "fork":
            finding.evidence = list(dict.fromkeys(finding.evidence))
            ours = remembered_at[size][0]
            finding.message += (
                f"; one of them was remembered from an earlier verification ({seen(ours)}): "
                "this export contradicts a history seen before"
            )
        elif finding.kind == "chain_mismatch" and size not in own_sizes:
            ours = remembered_at[size][0]
            finding.message += (
                f"; the checkpoint at {size} was remembered from an earlier verification "
                f"({seen(ours)}): these entries contradict the history seen then"
            )

    # log_continues: memory's largest size past the export's end is what matters; the
    # generic message verify() wrote for a remembered anchor is replaced by one that
    # says when the log was seen at that size.
    end = report.last_seq + 1 if report.last_seq is not None else None
    fed_results = [r for rs in remembered_at.values() for r in rs if r.status in ("ok", "mismatch")]
    fed_checkpoints = [line.checkpoint for line in fed if line.checkpoint is not None]
    generic = [
        f
        for f in report.findings
        if f.kind == "log_continues"
        and f.checkpoint in remembered_at
        and f.checkpoint not in own_sizes
    ]
    report.findings = [f for f in report.findings if not any(f is g for g in generic)]
    own_beyond = sorted(s for s in own_sizes if end is not None and s > end)
    if generic and own_beyond and end is not None:
        # verify() reports only the first anchor past the end; it was a remembered one,
        # so the bundle's own later checkpoint is said here in verify()'s words.
        report.findings.append(
            Finding(
                kind="log_continues",
                message=(
                    f"a trusted checkpoint at size {own_beyond[0]} shows the log continues "
                    f"past this export's last entry (seq {end - 1})"
                ),
                checkpoint=own_beyond[0],
            )
        )
    if end is not None and fed_checkpoints:
        largest = max(fed_checkpoints, key=lambda c: c.size)
        if largest.size > end and largest.size > max(own_beyond, default=0):
            record = records.get(largest.note)
            when = f" on {record.first_seen}" if record is not None else ""
            report.findings.append(
                Finding(
                    kind="log_continues",
                    message=(
                        f"the log was seen at size {largest.size}{when} (remembered); this export "
                        f"ends at size {end} (last seq {end - 1}): it is older than what was seen, "
                        "or was cut short"
                    ),
                    checkpoint=largest.size,
                )
            )

    if (
        not own_lines
        and has_integrity_data
        and not any(f.kind == "no_checkpoints" for f in report.findings)
    ):
        # verify() saw the remembered lines and so did not say it; the bundle itself still has none.
        report.findings.append(
            Finding(
                kind="no_checkpoints",
                message=(
                    "the bundle holds no checkpoints; only checkpoints remembered from earlier "
                    "verifications can vouch for its entries"
                ),
            )
        )

    # Keep in the report only the remembered checkpoints that took part: those not "ok"
    # (fork, mismatch), and anchors within or just past the entries that the bundle does
    # not already give. Ten thousand agreeing notes from memory would bury the bundle's own.
    keep_largest = max((r.size for r in fed_results), default=None)
    own_heads = {(c.size, c.head) for c in report.checkpoints if not _is_remembered(c)}

    def useful(result: CheckpointResult) -> bool:
        if not _is_remembered(result) or result.status != "ok":
            return True
        if (result.size, result.head) in own_heads:
            return False
        if result.size == keep_largest and end is not None and result.size > end:
            return True
        return (
            report.first_seq is not None
            and end is not None
            and report.first_seq <= result.size <= end
        )

    report.checkpoints = [c for c in report.checkpoints if useful(c)]
    _restatus(report)


def _restatus(report: Report) -> None:
    """Spec §7's status rule again, after findings were added."""
    if report.status == STATUS_ERROR:
        return
    severities = {f.severity for f in report.findings}
    if FAILURE in severities:
        report.status = STATUS_FAILED
    elif INCOMPLETE in severities or report.verified_entries < report.entries or not report.entries:
        report.status = STATUS_INCOMPLETE
    else:
        report.status = STATUS_VERIFIED


# -- fork evidence


def fork_evidence(
    report: Report, *, memory: CheckpointMemory | None = None
) -> dict[str, Any] | None:
    """Everything needed to show a fork to someone else: both signed notes, origin, size, heads.

    None when the report holds no fork. The notes are self-verifying: anyone with
    the log's verifier key can check that both were signed.
    """
    forks = [f for f in report.findings if f.kind == "fork"]
    if not forks:
        return None
    records: dict[str, RememberedCheckpoint] = {}
    if memory is not None and report.origin:
        records = {r.note: r for r in memory.records(report.origin)}
    items = []
    for finding in forks:
        size = finding.checkpoint
        group = [c for c in report.checkpoints if c.size == size and c.status == "fork"]
        heads = list(dict.fromkeys(base64.b64encode(c.head).decode() for c in group))
        if size == 0:
            heads.append(base64.b64encode(ZERO_HEAD).decode())
            heads = list(dict.fromkeys(heads))
        checkpoints = []
        for c in group:
            item: dict[str, Any] = {
                "head": base64.b64encode(c.head).decode(),
                "time": c.time,
                "source": c.source,
                "remembered": _is_remembered(c),
                "signers": [s.to_json() for s in c.signers],
                "note": c.note,
            }
            record = records.get(c.note)
            if record is not None:
                item["first_seen"] = record.first_seen
                item["seen_in"] = record.source
            checkpoints.append(item)
        items.append(
            {
                "size": size,
                "heads": heads,
                "notes": list(dict.fromkeys(finding.evidence)),
                "message": finding.message,
                "checkpoints": checkpoints,
            }
        )
    return {
        "format": "auditviewer-fork-evidence",
        "version": 1,
        "origin": report.origin,
        "written_at": _stamp(_now()),
        "forks": items,
    }


def write_evidence(report: Report, path: Path, *, memory: CheckpointMemory | None = None) -> bool:
    """Write the fork evidence to ``path`` (atomically, replacing it); False when there is no fork."""
    evidence = fork_evidence(report, memory=memory)
    if evidence is None:
        return False
    body = (
        json.dumps(evidence, ensure_ascii=False, indent=2).encode("utf-8", "surrogatepass") + b"\n"
    )
    with atomic_output(Path(path), overwrite=True) as tmp, SafeFile(tmp, label=str(path)) as handle:
        handle.write(body)
    return True


__all__ = [
    "MAX_PER_ORIGIN",
    "SOURCE_PREFIX",
    "CheckpointMemory",
    "CheckpointMemoryError",
    "OriginSummary",
    "RememberedCheckpoint",
    "file_name",
    "fork_evidence",
    "verify_with_memory",
    "write_evidence",
]
