"""The files of case work: strict JSONL read and written whole, under a lock, set aside when damaged.

One home for what annotations, search history and saved searches share:

- :func:`casework_dir` — ``<data_dir>/casework`` (``AUDITVIEWER_DATA_DIR`` moves it);
  each origin's files are named by :func:`auditviewer.integrity.memory.file_name`
  (a hash, so an origin never names a path of its own).
- :func:`parse_jsonl` — one JSON object a line, duplicate member names refused,
  each line bounded (:mod:`auditviewer.core.limits`); a bad line raises
  :class:`CaseworkFileError` naming the file and line.
- :func:`write_jsonl` — the whole file through the one atomic writer
  (:func:`auditviewer.core.atomic.write_file`): a crash leaves the old file or
  the new one, never half of either.
- :class:`JsonlFile` — one such file: read (each line converted and checked), set
  aside when damaged, written, under its lock.
- :func:`set_aside` — a damaged file (hand-edited, a broken disk) is copied
  byte for byte to ``<name>.<time>.corrupt`` before anything is written over it,
  so nothing that was saved is ever lost; the caller keeps the lines that parse.
- :func:`locked` — the cross-process lock (:mod:`auditviewer.core.lock`) every
  read-merge-write runs under, so two processes adding at once lose nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from auditviewer.core.atomic import write_file
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.lock import exclusive_lock
from auditviewer.core.paths import data_dir
from auditviewer.core.strict_json import loads_object

T = TypeVar("T")


class CaseworkFileError(AuditViewerError):
    """A file of case work cannot be read as written; the message names the file and line."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path} line {line}" if line is not None else path
        super().__init__(f"{where}: {message}")


def casework_dir() -> Path:
    """The folder of case work: annotations, history and saved searches."""
    return data_dir() / "casework"


def locked(path: Path) -> AbstractContextManager[None]:
    """The lock every change of ``path`` holds from reading it to writing it."""
    return exclusive_lock(path.with_name(path.name + ".lock"))


def parse_line(raw: bytes, *, label: str, number: int, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """One JSONL line as an object, or :class:`CaseworkFileError` naming ``label`` and ``number``.

    Read by the one strict reader of JSON records (``core/strict_json.py``: UTF-8, no
    duplicate keys, no NaN, bounded depth), as the memory records and the manifest are.
    """
    if len(raw) > limits.max_annotation_line_bytes:
        raise CaseworkFileError(
            f"the line is longer than {limits.max_annotation_line_bytes:,} bytes (max_annotation_line_bytes)", path=label, line=number
        )
    try:
        return loads_object(raw, max_depth=limits.max_json_depth)
    except ValueError as exc:
        raise CaseworkFileError(f"the line is {exc}", path=label, line=number) from None


def split_lines(data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, bytes]]:
    """The non-empty lines of ``data`` with their numbers (a final newline is optional)."""
    if len(data) > limits.max_casework_file_bytes:
        raise CaseworkFileError(f"the file is larger than {limits.max_casework_file_bytes:,} bytes (max_casework_file_bytes)", path=label)
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if raw.strip():
            yield number, raw


def read_bytes(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> bytes | None:
    """The file's bytes, None if it does not exist; an unreadable one is an error naming it."""
    try:
        size = path.stat().st_size
        if size > limits.max_casework_file_bytes:
            raise CaseworkFileError(f"the file is larger than {limits.max_casework_file_bytes:,} bytes (max_casework_file_bytes)", path=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CaseworkFileError(f"cannot be read ({exc.strerror or exc})", path=str(path)) from exc


def encode_jsonl(objects: Iterable[dict[str, Any]]) -> bytes:
    """Objects as JSONL: one compact line each, UTF-8, every line ending in a newline."""
    return b"".join(
        json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass") + b"\n"
        for obj in objects
    )


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (the one atomic writer), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, data)


def write_jsonl(path: Path, objects: Iterable[dict[str, Any]]) -> None:
    write_bytes(path, encode_jsonl(objects))


class JsonlFile(Generic[T]):
    """One file of case work: JSONL objects, each turned into a ``T`` by ``convert(obj, line)``
    (which raises :class:`CaseworkFileError` for a bad one), read whole and written whole.

    :meth:`read` sets a damaged file aside (:func:`set_aside`), keeps the lines that
    convert, and adds one message to :attr:`problems` naming the file and first bad
    line. Changes run inside :meth:`lock` (read, change, :meth:`write`).
    """

    def __init__(
        self,
        path: Path,
        convert: Callable[[dict[str, Any], int], T],
        *,
        clock: Callable[[], datetime] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.path = path
        self._convert = convert
        self._clock = clock
        self.limits = limits
        self.problems: list[str] = []
        self._holding = False

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the file's lock (once: ``flock`` is per open file, so never twice in one process)."""
        if self._holding:
            yield
            return
        with locked(self.path):
            self._holding = True
            try:
                yield
            finally:
                self._holding = False

    def read(self) -> list[T]:
        data = read_bytes(self.path, limits=self.limits)
        if data is None:
            return []
        label = str(self.path)
        good: list[T] = []
        kept: list[dict[str, Any]] = []
        first_bad: CaseworkFileError | None = None
        bad_lines = 0
        try:
            lines = list(split_lines(data, label=label, limits=self.limits))
        except CaseworkFileError as exc:
            lines, first_bad, bad_lines = [], exc, 1
        for number, raw in lines:
            try:
                obj = parse_line(raw, label=label, number=number, limits=self.limits)
                good.append(self._convert(obj, number))
                kept.append(obj)
            except CaseworkFileError as exc:
                first_bad = first_bad or exc
                bad_lines += 1
        if first_bad is None:
            return good
        if not self._holding:
            # Set aside and rewrite only under the lock, reading again: another process
            # may have just replaced the file with a good one.
            with self.lock():
                return self.read()
        aside = set_aside(self.path, data, clock=self._clock)
        self.write(kept)
        self.problems.append(
            f"{first_bad} ({bad_lines} damaged line(s)); the file as it was is kept as {aside.name}, "
            f"and its {len(kept)} readable line(s) are used"
        )
        return good

    def write(self, objects: Iterable[dict[str, Any]]) -> None:
        write_jsonl(self.path, objects)


def set_aside(path: Path, data: bytes, *, clock: Callable[[], datetime] | None = None) -> Path:
    """Keep a damaged file's exact bytes as ``<name>.<time>.corrupt`` beside it; returns that path."""
    moment = (clock or (lambda: datetime.now(UTC)))()
    aside = path.with_name(f"{path.name}.{moment.strftime('%Y%m%dT%H%M%S%f')}.corrupt")
    write_bytes(aside, data)
    return aside


__all__ = [
    "CaseworkFileError",
    "JsonlFile",
    "casework_dir",
    "encode_jsonl",
    "locked",
    "parse_line",
    "read_bytes",
    "set_aside",
    "split_lines",
    "write_bytes",
    "write_jsonl",
]
