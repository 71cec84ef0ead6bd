"""Reading selected entries back from their files, for an export: by byte offset, line or row.

:class:`FileEntryReader` is an :class:`~auditviewer.export.source.ExportSource`'s
``read_entries`` when it was built from a :class:`~auditviewer.export.source.SourceIndex`:
only the selected entries are read (JSONL by recorded byte offset, or by line
number through a search for their ``seq``; Parquet by row), and each is
checked against the leaf hash recorded when the workspace was verified.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import mmap
import os
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from auditviewer.core.errors import ExportError, InputError
from auditviewer.export.source import LEAF_PREFIX, LeafTable, Location, SourceIndex
from auditviewer.input.containers import CHUNK, HashingReader, decompressed
from auditviewer.input.formats.parquet import BATCH_ROWS, open_parquet, read_parquet_entries
from auditviewer.input.formats.plain import read_plain
from auditviewer.workspace.inputs import EntryFile, Workspace


class FileEntryReader:
    """Reads selected entries back from their files by line (JSONL) or row (Parquet).

    Only the selected lines are kept, and each is checked against the leaf
    hash recorded when the workspace was verified, so a file changed on disk
    since then is an error rather than a silently different export.
    """

    def __init__(self, index: SourceIndex, hashes: LeafTable) -> None:
        self._index = index
        self._hashes = hashes

    def __call__(self, seqs: list[int]) -> Iterator[tuple[int, bytes]]:
        index = self._index
        where = index.locate(seqs)
        missing = [s for s in seqs if s not in where]
        if missing:
            raise ExportError(
                f"{len(missing)} selected entries are not in the workspace (first: seq {missing[0]})"
            )
        by_file: dict[int, list[tuple[int, Location]]] = {}
        for seq, location in where.items():
            by_file.setdefault(location.file, []).append((seq, location))
        files = index.workspace.entry_files
        expected = self._expected(seqs)
        for file_index, located in sorted(by_file.items()):
            if file_index < 0:
                raise ExportError("an entry's file is no longer known to the workspace")
            entry_file = files[file_index]
            if all(loc.offset >= 0 for _, loc in located):
                read = _read_at(entry_file, located)
            else:
                read = _read_lines(entry_file, {loc.line: seq for seq, loc in located}, index.workspace)
            for seq, leaf in read:
                want = expected.get(seq)
                if want is not None and hashlib.sha256(LEAF_PREFIX + leaf).digest() != want:
                    raise ExportError(
                        f"{entry_file.label}: seq {seq} has changed on disk since the workspace "
                        "was opened; open it again before exporting"
                    )
                yield seq, leaf


    def scan(self, needle: bytes) -> Iterator[bytes]:
        """Every stored entry that holds ``needle`` or a backslash (a JSON escape could hide it).

        A prefilter in C over whole chunks, for questions about the whole
        workspace (is this selection all of one resource?) without a store.
        """
        workspace = self._index.workspace
        for entry_file in workspace.entry_files:
            lower = entry_file.name.lower()
            try:
                if entry_file.plain or lower.endswith(".parquet"):
                    batches = (
                        read_plain(entry_file.container, entry_file.name, limits=workspace.limits)
                        if entry_file.plain
                        else read_parquet_entries(
                            _parquet_source(entry_file, workspace), label=entry_file.label, limits=workspace.limits
                        )
                    )
                    for batch in batches:
                        yield from (
                            leaf
                            for leaf in batch.table.column(1).to_pylist()
                            if needle in leaf or b"\\" in leaf
                        )
                    continue
                path = entry_file.container.local_path(entry_file.name)
                if path is not None and not lower.endswith(".gz"):
                    # A file on disk: search it mapped, with no read or copy of the rest.
                    with open(path, "rb") as f:
                        if os.fstat(f.fileno()).st_size == 0:
                            continue
                        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                            yield from _lines_holding(mapped, (needle, b"\\"))
                    continue
                with _entry_stream(entry_file, workspace) as stream:
                    pending = b""
                    while chunk := stream.read(CHUNK):
                        data = pending + chunk if pending else chunk
                        cut = data.rfind(b"\n")
                        body, pending = (data[:cut], data[cut + 1 :]) if cut >= 0 else (b"", data)
                        yield from _lines_holding(body, (needle, b"\\"))
                    yield from _lines_holding(pending, (needle, b"\\"))
            except (InputError, OSError, ValueError) as exc:
                raise ExportError(f"{entry_file.label}: reading entries back failed ({exc})") from exc

    def _expected(self, seqs: list[int]) -> dict[int, bytes]:
        """The recorded leaf hashes of ``seqs``, fetched in one vectorised step."""
        import pyarrow.compute as pc

        table = self._hashes
        mask = pc.is_in(table.seqs, value_set=pa.array(seqs, pa.int64()))
        return dict(
            zip(
                pc.filter(table.seqs, mask).to_pylist(),
                pc.filter(table.hashes, mask).to_pylist(),
                strict=True,
            )
        )


def _read_at(entry_file: EntryFile, located: list[tuple[int, Location]]) -> Iterator[tuple[int, bytes]]:
    """(seq, line) by byte offset from a JSONL file on disk: one seek and read per entry."""
    path = entry_file.container.local_path(entry_file.name)
    assert path is not None
    try:
        with open(path, "rb") as f:
            for seq, loc in sorted(located, key=lambda item: item[1].offset):
                f.seek(loc.offset)
                yield seq, f.read(loc.length)
    except OSError as exc:
        raise ExportError(f"{entry_file.label}: cannot be read back ({exc.strerror})") from exc


def _read_lines(
    entry_file: EntryFile, lines: dict[int, int], workspace: Workspace
) -> Iterator[tuple[int, bytes]]:
    """(seq, leaf) of the given 1-based lines/rows of one entry file."""
    container, name, limits = entry_file.container, entry_file.name, workspace.limits
    lower = name.lower()
    try:
        if entry_file.plain:
            # Plain exports may convert rows (dashboard shape), so read them the way loading did.
            wanted = set(lines.values())
            for batch in read_plain(container, name, limits=limits):
                for seq, leaf, line in zip(
                    batch.table.column(0).to_pylist(),
                    batch.table.column(1).to_pylist(),
                    batch.table.column(2).to_pylist(),
                    strict=True,
                ):
                    if lines.get(line) == seq and seq in wanted:
                        yield seq, leaf
            return
        if lower.endswith(".parquet"):
            yield from _parquet_rows(entry_file, lines, workspace)
            return
        with _entry_stream(entry_file, workspace) as stream:
            yield from _pick_lines(stream.read, lines)
    except (InputError, OSError, ValueError) as exc:
        # ValueError: a zip input closed since loading (the viewer closes its workspace;
        # it exports through source_from_store instead).
        raise ExportError(f"{entry_file.label}: reading entries back failed ({exc})") from exc


@contextlib.contextmanager
def _entry_stream(entry_file: EntryFile, workspace: Workspace) -> Iterator[Any]:
    """The decompressed bytes of a JSONL(.gz) entry file (gzip still bounded by the limits)."""
    container, name = entry_file.container, entry_file.name
    with container.open_raw(name) as raw:
        if name.lower().endswith(".gz"):
            yield decompressed(HashingReader(raw), name=entry_file.label, gz=True, limits=workspace.limits)
        else:
            yield raw  # read back only: the file's hash was checked when it was verified


def _lines_holding(body: bytes | mmap.mmap, needles: tuple[bytes, ...]) -> Iterator[bytes]:
    """Each line of ``body`` holding any of ``needles``, once, found with ``find`` in C.

    Only the matching lines become objects: scanning a million entries for one
    resource's thousands touches the rest at memory speed.
    """
    seen: set[int] = set()
    for needle in needles:
        pos = body.find(needle)
        while pos >= 0:
            start = body.rfind(b"\n", 0, pos) + 1
            end = body.find(b"\n", pos)
            if end < 0:
                end = len(body)
            if start not in seen:
                seen.add(start)
                yield body[start:end]
            pos = body.find(needle, end)


def _pick_lines(read: Callable[[int], bytes], wanted: dict[int, int]) -> Iterator[tuple[int, bytes]]:
    """(seq, line) of the wanted 1-based line numbers (line -> seq) of a byte stream.

    Splits whole chunks in C rather than looping per line in Python: reading
    back 10,000 lines of a million-line file is then bound by the disk.
    Numbering matches :func:`auditviewer.input.formats.jsonl.split_lines`: every
    ``\n`` ends a line, blank or not.
    """
    order = sorted(wanted)
    if not order:
        return
    i = 0
    number = 0  # lines completed before ``data``
    pending = b""
    while i < len(order):
        chunk = read(CHUNK)
        if not chunk:
            break
        data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            pending = data
            continue
        body, pending = data[:cut], data[cut + 1 :]
        count = body.count(b"\n") + 1
        if order[i] <= number + count:
            parts = body.split(b"\n")
            while i < len(order) and order[i] <= number + count:
                yield wanted[order[i]], parts[order[i] - number - 1]
                i += 1
        number += count
    if i < len(order) and pending and order[i] == number + 1:
        yield wanted[order[i]], pending


def _parquet_source(entry_file: EntryFile, workspace: Workspace) -> Any:
    """A Parquet member as pyarrow can read it: its path, or its bytes (inside a zip)."""
    container, name = entry_file.container, entry_file.name
    path = container.local_path(name)
    if path is not None:
        return path
    return io.BytesIO(container.read_bytes(name, limit=workspace.limits.max_in_memory_member_bytes))


def _parquet_rows(
    entry_file: EntryFile, rows: dict[int, int], workspace: Workspace
) -> Iterator[tuple[int, bytes]]:
    pf = open_parquet(_parquet_source(entry_file, workspace), label=entry_file.label)
    wanted = sorted(rows)
    start = 0  # 0-based index of the batch's first row
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=["entry"]):
        end = start + batch.num_rows
        lo = bisect.bisect_left(wanted, start + 1)
        hi = bisect.bisect_left(wanted, end + 1)
        if lo < hi:
            take = pa.array([w - 1 - start for w in wanted[lo:hi]], pa.int64())
            cells = batch.column(0).take(take).cast(pa.binary()).to_pylist()
            for number, leaf in zip(wanted[lo:hi], cells, strict=True):
                yield rows[number], leaf
        start = end
        if hi >= len(wanted):
            break
