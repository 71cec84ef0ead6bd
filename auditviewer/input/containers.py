"""Containers of untrusted input: a folder, a zip, or a single file.

A container lists the regular files inside it by relative POSIX name and hands
out bounded byte streams; it never extracts to disk. Zip member names with
absolute paths or ``..`` are refused, as are symlinks leaving a folder;
decompressed sizes and ratios are bounded (see :mod:`auditviewer.core.limits`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from blake3 import blake3

from auditviewer.core.errors import InputError, LimitError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits

CHUNK = 8 * 1024 * 1024


class HashingReader(io.RawIOBase):
    """Counts and hashes every byte read through it: the manifest's sha256 and size, and
    with ``fast`` the BLAKE3 a sealed workspace checks its inputs by (workspace/seal.py:
    about 5x faster than SHA-256 on the measuring machine, 0.10 s against 0.46 s for
    514 MB; only loads whose database may be sealed ask for it, never ``verify``)."""

    def __init__(self, raw: BinaryIO, *, fast: bool = False) -> None:
        super().__init__()
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.blake3 = blake3() if fast else None
        self.count = 0

    @property
    def raw(self) -> BinaryIO:
        """The stream read through (a container's member stream)."""
        return self._raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        if self.blake3 is not None:
            self.blake3.update(data)
        self.count += n
        return n

    def read(self, size: int | None = -1) -> bytes:
        data = self._raw.read(size if size is not None else -1)
        self.sha256.update(data)
        if self.blake3 is not None:
            self.blake3.update(data)
        self.count += len(data)
        return data

    def drain(self) -> None:
        """Read to the end, so that the hash covers the whole file even after an early stop."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        self._raw.close()
        super().close()


class BoundedDecompressor(io.RawIOBase):
    """A gzip stream that refuses to inflate past the size and ratio limits."""

    def __init__(self, compressed: HashingReader, *, name: str, limits: Limits) -> None:
        super().__init__()
        self._compressed = compressed
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._name = name
        self._limits = limits
        self.produced = 0
        # A member stream of a container counts inflated bytes against the
        # container's max_total_bytes (see _MemberStream).
        self._on_inflated: Callable[[int], None] | None = getattr(
            compressed.raw, "on_inflated", None
        )

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else min(size, CHUNK)
        try:
            data = self._gzip.read(want)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"corrupt gzip stream ({exc})", path=self._name) from exc
        self.produced += len(data)
        limits = self._limits
        if self.produced > limits.max_file_bytes:
            raise LimitError(
                f"decompresses to more than {limits.max_file_bytes} bytes (limit max_file_bytes)",
                path=self._name,
            )
        if self.produced > limits.ratio_grace_bytes:
            ratio = self.produced / max(self._compressed.count, 1)
            if ratio > limits.max_compression_ratio:
                raise LimitError(
                    f"compression ratio above {limits.max_compression_ratio}:1 "
                    "(limit max_compression_ratio); refusing to inflate it",
                    path=self._name,
                )
        if self._on_inflated is not None:
            self._on_inflated(self.produced)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


#: What reading a member can raise on hostile bytes: a bad CRC or header (BadZipFile), corrupt
#: deflate data (zlib.error), an unsupported method, an encrypted member (RuntimeError), a
#: local header name that is not the UTF-8 it claims (UnicodeDecodeError, a ValueError).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


class _MemberStream(io.RawIOBase):
    """One member's bytes: read errors (bad CRC, corrupt deflate, I/O) become InputError.

    ``on_inflated`` (gzip members) takes the member's decompressed size so far,
    for the container's ``max_total_bytes``.
    """

    def __init__(
        self, raw: BinaryIO, *, label: str, on_inflated: Callable[[int], None] | None = None
    ) -> None:
        super().__init__()
        self._raw = raw
        self._label = label
        self.on_inflated = on_inflated

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._raw.read(size if size is not None else -1)
        except _READ_ERRORS as exc:
            raise InputError(f"cannot be read ({exc})", path=self._label) from exc

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _TotalBudget:
    """``max_total_bytes`` of one input: its files' sizes, plus what gzip members inflate to."""

    def __init__(self, *, stored: int, limits: Limits, display: str) -> None:
        self._limit = limits.max_total_bytes
        self._display = display
        self.total = stored
        self._extra: dict[str, int] = {}
        self._check()

    def _check(self) -> None:
        if self.total > self._limit:
            raise LimitError(
                f"decompresses to more than {self._limit} bytes in all (limit max_total_bytes)",
                path=self._display,
            )

    def meter(self, name: str, stored: int) -> Callable[[int], None]:
        """A callback for one gzip member: charges what it inflates to beyond its stored size."""

        def on_inflated(produced: int) -> None:
            # Re-reading a member charges nothing new: each member counts its largest size once.
            extra = produced - stored
            known = self._extra.get(name, 0)
            if extra > known:
                self._extra[name] = extra
                self.total += extra - known
                self._check()

        return on_inflated


#: Byte limits read_bytes is called with, most specific first (values may coincide).
_READ_LIMITS = (
    "max_manifest_bytes",
    "max_in_memory_member_bytes",
    "max_note_bytes",
    "max_entry_bytes",
)


def _limit_name(limits: Limits, value: int) -> str:
    """Which limit ``value`` is, for messages, when the caller of read_bytes did not say."""
    for name in _READ_LIMITS:
        if getattr(limits, name) == value:
            return name
    if value == limits.max_checkpoints * limits.max_note_bytes:
        return "max_checkpoints x max_note_bytes"
    for item in fields(limits):
        if item.name.endswith("_bytes") and getattr(limits, item.name) == value:
            return item.name
    return "size limit"


class Container:
    """A readable set of files; subclasses know where the bytes come from."""

    #: What a person would call this input (the path they gave).
    display: str
    _limits: Limits = DEFAULT_LIMITS

    def names(self) -> list[str]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def open_raw(self, name: str) -> BinaryIO:
        raise NotImplementedError

    def local_path(self, name: str) -> Path | None:
        """A real file on disk for this member (lets Parquet read without copying), if any."""
        return None

    def label(self, name: str) -> str:
        """How messages name a member: ``bundle.zip!entries/part-00000.jsonl``."""
        return f"{self.display}/{name}"

    def read_bytes(self, name: str, *, limit: int, limit_name: str | None = None) -> bytes:
        """The whole member, refused when over ``limit`` (named ``limit_name``, a field of
        :class:`Limits`) or over ``max_in_memory_member_bytes``, whichever is smaller."""
        limits = self._limits
        if limit > limits.max_in_memory_member_bytes:
            limit, limit_name = limits.max_in_memory_member_bytes, "max_in_memory_member_bytes"
        what = limit_name or _limit_name(limits, limit)
        if self.size(name) > limit:
            raise LimitError(f"is larger than {limit} bytes (limit {what})", path=self.label(name))
        # In chunks: read(limit + 1) would allocate the whole limit (GiBs) up front,
        # however small the file.
        parts: list[bytes] = []
        size = 0
        with self.open_raw(name) as stream:
            while size <= limit:
                chunk = stream.read(min(CHUNK, limit + 1 - size))
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if len(data) > limit:
            raise LimitError(f"is larger than {limit} bytes (limit {what})", path=self.label(name))
        return data

    def close(self) -> None:
        """Release any open handle."""


class FolderContainer(Container):
    def __init__(self, root: Path, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.root = root
        self.display = str(root)
        self._limits = limits
        self._files: dict[str, Path] = {}
        real_root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            for entry in list(dirnames) + filenames:
                full = Path(dirpath) / entry
                if full.is_symlink():
                    try:
                        target = full.resolve()
                    except (OSError, RuntimeError) as exc:  # a loop (RuntimeError before 3.13)
                        raise InputError(
                            f"symlink cannot be resolved ({exc}); refused", path=str(full)
                        ) from exc
                    if not target.is_relative_to(real_root):
                        raise InputError(
                            f"symlink points outside the bundle (to {target}); refused",
                            path=str(full),
                        )
            for filename in filenames:
                full = Path(dirpath) / filename
                if not full.is_file():
                    continue
                rel = full.relative_to(root).as_posix()
                self._files[rel] = full
                if len(self._files) > limits.max_zip_members:
                    raise LimitError(
                        f"holds more than {limits.max_zip_members} files (limit max_zip_members)",
                        path=self.display,
                    )
        stored = 0
        for full in self._files.values():
            try:
                stored += full.stat().st_size
            except OSError as exc:
                raise InputError(f"cannot be read ({exc.strerror})", path=str(full)) from exc
        self._budget = _TotalBudget(stored=stored, limits=limits, display=self.display)

    def names(self) -> list[str]:
        return sorted(self._files)

    def size(self, name: str) -> int:
        return self._files[name].stat().st_size

    def open_raw(self, name: str) -> BinaryIO:
        try:
            raw = open(self._files[name], "rb")  # noqa: SIM115 - the caller closes it
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror})", path=self.label(name)) from exc
        if not name.lower().endswith(".gz"):
            return raw  # plain files keep the fast path
        on_inflated = self._budget.meter(name, self.size(name))
        return cast(BinaryIO, _MemberStream(raw, label=self.label(name), on_inflated=on_inflated))

    def local_path(self, name: str) -> Path | None:
        return self._files[name]

    def label(self, name: str) -> str:
        return str(self.root / name)


def _safe_member_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name:
        return False
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return False
    return ".." not in PurePosixPath(name).parts


# Zip structures (APPNOTE 4.3.12, 4.3.14-16): read here with struct, not with
# zipfile's private _EndRecData, to bound the central directory before
# zipfile parses it (every record becomes a ZipInfo of several hundred bytes).
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CD_RECORD = struct.Struct("<4s24x3H12x")  # signature, then name/extra/comment lengths at 28
_CD_RECORD_SIZE = 46
_MAX_EOCD_SEARCH = _EOCD.size + 0xFFFF  # the record plus the longest comment


def _check_central_directory(path: Path, limits: Limits) -> None:
    """Refuse a zip whose end record declares, or whose central directory holds, more
    than ``max_zip_members`` records, counting records as they are read and stopping
    at the limit (a directory of millions behind an end record declaring three is
    never read whole). A zip this cannot make sense of is left to ZipFile to report."""
    try:
        with open(path, "rb") as handle:
            found = _end_record(handle)
            if found is None:
                return
            declared, size_cd, start = found
            if declared > limits.max_zip_members:
                raise LimitError(
                    f"declares {declared} members, more than {limits.max_zip_members} "
                    "(limit max_zip_members)",
                    path=str(path),
                )
            handle.seek(start)
            records = 0
            consumed = 0
            while consumed < size_cd:
                header = handle.read(_CD_RECORD_SIZE)
                if len(header) < _CD_RECORD_SIZE:
                    return
                signature, name, extra, comment = _CD_RECORD.unpack(header)
                if signature != b"PK\x01\x02":
                    return
                records += 1
                if records > limits.max_zip_members:
                    raise LimitError(
                        f"holds more than {limits.max_zip_members} members in its central "
                        f"directory although its end record declares {declared} (limit max_zip_members)",
                        path=str(path),
                    )
                handle.seek(name + extra + comment, os.SEEK_CUR)
                consumed += _CD_RECORD_SIZE + name + extra + comment
    except OSError:
        return  # ZipFile reports it


def _end_record(handle: BinaryIO) -> tuple[int, int, int] | None:
    """(declared members, central directory size, its start) from the end record
    (zip64 when present), found as zipfile finds it; None if there is none."""
    size = handle.seek(0, os.SEEK_END)
    tail_start = max(0, size - _MAX_EOCD_SEARCH)
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    (_, _, _, _, declared, size_cd, offset_cd, _) = _EOCD.unpack_from(tail, at)
    location = tail_start + at
    concat = location - size_cd - offset_cd
    locator_at = at - _EOCD64_LOCATOR.size
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
        record_at = location - _EOCD64_LOCATOR.size - _EOCD64.size
        if record_at >= 0:
            handle.seek(record_at)
            record = handle.read(_EOCD64.size)
            if len(record) == _EOCD64.size and record[:4] == b"PK\x06\x06":
                fields64 = _EOCD64.unpack(record)
                declared, size_cd, offset_cd = fields64[7], fields64[8], fields64[9]
                concat = record_at - size_cd - offset_cd
    start = offset_cd + max(concat, 0)
    return int(declared), int(size_cd), int(start)


class ZipContainer(Container):
    def __init__(self, path: Path, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.display = str(path)
        self._limits = limits
        # Before ZipFile reads the central directory: every member costs a ZipInfo
        # (several hundred bytes) however small its record in the file.
        _check_central_directory(path, limits)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            # NotImplementedError: a "version needed to extract" zipfile does not know.
            raise InputError(f"is not a readable zip ({exc})", path=str(path)) from exc
        try:
            self._members = self._check_members(infos)
        except BaseException:
            self._zip.close()
            raise

    def _check_members(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        """Refuse unsafe or oversized members; the files by name inside the bundle."""
        path, limits = self.path, self._limits
        if len(infos) > limits.max_zip_members:
            raise LimitError(
                f"holds more than {limits.max_zip_members} members (limit max_zip_members)",
                path=str(path),
            )
        for info in infos:
            if not _safe_member_name(info.filename):
                raise InputError(
                    f"member name {info.filename[:200]!r} is empty, absolute or leaves the archive; "
                    "refusing the whole zip",
                    path=str(path),
                )
        files = [i for i in infos if not i.is_dir()]
        total = 0
        for info in files:
            total += info.file_size
            if info.file_size > limits.max_file_bytes:
                raise LimitError(
                    f"member {info.filename} decompresses to {info.file_size} bytes "
                    f"(limit max_file_bytes {limits.max_file_bytes})",
                    path=str(path),
                )
            if (
                info.file_size > limits.ratio_grace_bytes
                and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
            ):
                raise LimitError(
                    f"member {info.filename} has a compression ratio above "
                    f"{limits.max_compression_ratio}:1 (limit max_compression_ratio)",
                    path=str(path),
                )
        self._budget = _TotalBudget(stored=total, limits=limits, display=str(path))
        # Files at the zip's root, or inside exactly one top-level folder.
        prefix = ""
        tops = {f.filename.split("/", 1)[0] for f in files}
        if len(tops) == 1 and all("/" in f.filename for f in files):
            prefix = next(iter(tops)) + "/"
        members = {f.filename[len(prefix) :]: f for f in files}
        if len(members) != len(files):
            # Two members of one name: other zip tools may show the one we do not read.
            names = sorted(f.filename for f in files)
            twice = next(a for a, b in itertools.pairwise(names) if a == b)
            raise InputError(
                f"holds two members named {twice[:200]!r}; refusing the ambiguous zip",
                path=str(path),
            )
        return members

    def names(self) -> list[str]:
        return sorted(self._members)

    def size(self, name: str) -> int:
        return int(self._members[name].file_size)

    def open_raw(self, name: str) -> BinaryIO:
        try:
            raw = cast(BinaryIO, self._zip.open(self._members[name]))
        except _READ_ERRORS as exc:
            raise InputError(f"member cannot be read ({exc})", path=self.label(name)) from exc
        on_inflated = None
        if name.lower().endswith(".gz"):
            on_inflated = self._budget.meter(name, self.size(name))
        return cast(BinaryIO, _MemberStream(raw, label=self.label(name), on_inflated=on_inflated))

    def label(self, name: str) -> str:
        return f"{self.display}!{name}"

    def close(self) -> None:
        self._zip.close()


class FileContainer(Container):
    """One plain file given on its own (a plain export)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path.parent)
        self._name = path.name

    def names(self) -> list[str]:
        return [self._name]

    def size(self, name: str) -> int:
        return self.path.stat().st_size

    def open_raw(self, name: str) -> BinaryIO:
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror})", path=str(self.path)) from exc

    def local_path(self, name: str) -> Path | None:
        return self.path

    def label(self, name: str) -> str:
        return str(self.path)


def gzip_inflated_size(path: Path) -> int | None:
    """What a gzip file says it inflates to (its last member's ISIZE, modulo 4 GiB): a
    size hint for choosing where to keep its entries, never a limit (those count the
    bytes as they inflate, see BoundedDecompressor)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(-4, os.SEEK_END)
            trailer = handle.read(4)
    except OSError:
        return None
    return int(struct.unpack("<I", trailer)[0]) if len(trailer) == 4 else None


def open_container(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Container:
    """The container for a path a person gave: folder, zip or single file."""
    if not path.exists():
        raise InputError("no such file or folder", path=str(path))
    if path.is_dir():
        return FolderContainer(path, limits=limits)
    if not path.is_file():
        # A FIFO or device would block the reader or never end.
        raise InputError("is not a regular file, a zip or a folder", path=str(path))
    if path.suffix.lower() == ".zip":
        return ZipContainer(path, limits=limits)
    return FileContainer(path)


def decompressed(
    stream: HashingReader, *, name: str, gz: bool, limits: Limits
) -> io.RawIOBase | HashingReader:
    """The readable content of a member: inflated (bounded) when it is gzip."""
    if gz:
        return BoundedDecompressor(stream, name=name, limits=limits)
    return stream


def iter_chunks(stream: io.RawIOBase | BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data
