"""The memory's store: one file of remembered checkpoints per log, read and written whole.

Per origin, the trusted checkpoints this machine has verified, in the user's data
folder::

    <data_dir>/checkpoints/<sha256(origin) hex>.jsonl
    {"note": "<signed note>", "first_seen": "<RFC 3339 UTC>", "last_seen": "...", "source": "<file:line>"}

Each line is decoded into a :class:`MemoryRecord` (a ``msgspec.Struct``: the four
fields, strings of bounded length, nothing else), after a duplicate-key guard
(:func:`auditviewer.core.strict_json.loads_object`; a record is flat, so a nested
value is refused by its type, and a line is bounded in bytes before it is parsed).

The file is written whole through the one atomic writer (``core/atomic.py``): a
crash leaves the old or the new file, never half of one. A file that cannot be
read as written (hand-edited, damaged disk) is renamed ``*.corrupt``, reported
once (naming the file and the line), and the log is treated as never seen: it
never stops or changes a verification. At most ``limit`` checkpoints are kept per
origin: the largest size always, then the newest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NamedTuple

import msgspec

from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError, ExportError
from auditviewer.core.paths import data_dir
from auditviewer.core.strict_json import loads_object
from auditviewer.core.times import format_rfc3339
from auditviewer.integrity.checkpoints import CheckpointLine
from auditviewer.integrity.notes import Checkpoint, NoteError, parse_checkpoint
from auditviewer.integrity.report import (
    STATUS_ERROR,
    CheckpointResult,
    Report,
)

#: Source label of a remembered checkpoint; verify() appends ``:<line>``.
SOURCE_PREFIX = "remembered:"
#: Checkpoints kept per origin (the largest size is always among them).
MAX_PER_ORIGIN = 10_000
#: A checkpoint note with a few signatures is a few hundred bytes; a larger one is
#: not worth keeping 10,000 times (a bundle may carry notes up to 64 KiB).
MAX_REMEMBERED_NOTE_BYTES = 8 * 1024
_MAX_LINE_BYTES = 2 * MAX_REMEMBERED_NOTE_BYTES + 1024
_MAX_TIME_CHARS = 64
_MAX_SOURCE_CHARS = 4096

_Time = Annotated[str, msgspec.Meta(max_length=_MAX_TIME_CHARS)]


class MemoryRecord(msgspec.Struct, forbid_unknown_fields=False):
    """One line of a memory file as written (``last_seen`` absent in files of early versions).

    Unknown fields are tolerated, so a later version may add some; the known ones
    must be strings of bounded length.
    """

    note: Annotated[str, msgspec.Meta(max_length=_MAX_LINE_BYTES)]
    first_seen: _Time
    source: Annotated[str, msgspec.Meta(max_length=_MAX_SOURCE_CHARS)]
    last_seen: _Time | None = None


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


def is_remembered(result: CheckpointResult) -> bool:
    """Whether a checkpoint result came from memory (its source is ``remembered:<file>``)."""
    return result.source.startswith(SOURCE_PREFIX)


class _Corrupt(Exception):
    """A memory file is not what this module writes; the message says where."""


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return format_rfc3339(moment)


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
        self._clock = clock or now
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
        return self.lines(origin, self.records(origin))

    def lines(self, origin: str, records: list[RememberedCheckpoint]) -> list[CheckpointLine]:
        """``records`` of ``origin`` as checkpoint lines, numbered as in its file."""
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
            is_remembered(c) and c.status == "mismatch" for c in report.checkpoints
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
        now = stamp(self._clock())
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
        except ExportError as exc:  # the atomic writer names the file
            self.problems.append(
                f"could not remember the checkpoints of {origin!r}: {exc}; "
                "this verification is unaffected"
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
        body = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records)
        write_file(path, body.encode("utf-8", "surrogatepass"))
        with contextlib.suppress(OSError):
            stat = path.stat()
            self._cache[path] = ((stat.st_mtime_ns, stat.st_size, stat.st_ino), list(records))

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
            obj = loads_object(raw)
        except ValueError as exc:
            raise _Corrupt(f"line {number}: {exc}") from exc
        try:
            record = msgspec.convert(obj, MemoryRecord)
        except msgspec.ValidationError as exc:
            raise _Corrupt(f"line {number}: {exc}") from exc
        try:
            checkpoint = parse_checkpoint(record.note)
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
                first_seen=record.first_seen,
                last_seen=record.last_seen if record.last_seen is not None else record.first_seen,
                source=record.source,
            ),
        )
    return sorted(records.values(), key=lambda r: (r.size, r.first_seen))
