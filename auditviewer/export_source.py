"""What an export needs from a verified workspace: leaf hashes, entry locations, the report.

:class:`SourceIndex` watches the leaf batches of the one verification pass
(it is an ``on_batch`` for :func:`auditviewer.verification.verify_workspace`),
so the viewer can build it while loading. It keeps, per entry, only its leaf
hash and where its stored bytes are (file and line), never the bytes:
exporting then reads back just the lines of the selected entries.

:func:`open_source` does the whole pass for callers that start from paths
(the ``export`` command, tests, the benchmark).
"""

from __future__ import annotations

import bisect
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from auditviewer.domain import UNVERIFIED
from auditviewer.errors import Cancelled, ExportError, InputError
from auditviewer.formats.batches import LeafBatch
from auditviewer.formats.jsonl import split_lines
from auditviewer.formats.manifest import Manifest
from auditviewer.formats.parquet import BATCH_ROWS, open_parquet
from auditviewer.formats.plain import read_plain
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.report import Report
from auditviewer.sources import HashingReader, decompressed
from auditviewer.workspace import EntryFile, Progress, Workspace, open_workspace

_LEAF_PREFIX = b"\x00"

#: Reads the stored bytes of entries: given sorted seqs, yields (seq, leaf) in any order.
EntryReader = Callable[[list[int]], Iterator[tuple[int, bytes]]]


class SourceIndex:
    """Leaf hashes and entry locations gathered while a workspace's batches pass by."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._file_index = {f.label: i for i, f in enumerate(workspace.entry_files)}
        #: seq -> leaf hash of the first entry seen with that seq (as the verifier keeps it).
        self.entry_hashes: dict[int, bytes] = {}
        # Locations as Arrow columns per batch: 16 bytes an entry rather than a Python tuple.
        self._locations: list[tuple[int, pa.Array, pa.Array]] = []

    def add_batch(self, batch: LeafBatch) -> None:
        table = batch.table
        seqs = table.column(0)
        leaves = table.column(1).to_pylist()
        sha = hashlib.sha256
        hashes = self.entry_hashes
        for seq, leaf in zip(seqs.to_pylist(), leaves, strict=True):
            if seq not in hashes:
                hashes[seq] = sha(_LEAF_PREFIX + leaf).digest()
        file_index = self._file_index.get(batch.source, -1)
        self._locations.append((file_index, seqs, table.column(2)))

    def locate(self, wanted: Iterable[int]) -> dict[int, tuple[int, int]]:
        """seq -> (entry file index, line or row) of the first place each wanted seq was read."""
        wanted_array = pa.array(sorted(set(wanted)), pa.int64())
        found: dict[int, tuple[int, int]] = {}
        import pyarrow.compute as pc

        for file_index, seqs, lines in self._locations:
            mask = pc.is_in(seqs, value_set=wanted_array)
            if not pc.any(mask).as_py():
                continue
            for seq, line in zip(
                pc.filter(seqs, mask).to_pylist(), pc.filter(lines, mask).to_pylist(), strict=True
            ):
                found.setdefault(seq, (file_index, line))
        return found


@dataclass(slots=True, kw_only=True)
class ExportSource:
    """A verified workspace, ready to export slices of.

    ``leaves`` maps every seq the workspace knows to its leaf hash: entries'
    own hashes, and for seqs that only a proof names (a slice of a slice),
    the proof's. ``read_entries`` gives the stored bytes of chosen entries;
    the viewer may swap in one that reads its store.
    """

    origin: str | None
    manifests: list[Manifest]
    report: Report
    leaves: dict[int, bytes]
    entry_seqs: list[int]
    read_entries: EntryReader
    workspace: Workspace | None = None
    paths: list[Path] = field(default_factory=list)
    keys: list[VerifierKey] = field(default_factory=list)
    #: The DuckDB store of the entries (:class:`auditviewer.store.Store`), for selection by query.
    store: Any = None
    owns_store: bool = False
    _states: tuple[list[int], list[tuple[int, int, str]]] | None = None

    @property
    def has_integrity_data(self) -> bool:
        return bool(self.manifests)

    def state_of(self, seq: int) -> str:
        """The entry's integrity state in the source's report (verified, failed, unverified)."""
        if self._states is None:
            ranges = sorted(self.report.state_ranges)
            self._states = ([r[0] for r in ranges], ranges)
        starts, ranges = self._states
        i = bisect.bisect_right(starts, seq) - 1
        if i >= 0 and ranges[i][0] <= seq <= ranges[i][1]:
            return ranges[i][2]
        return UNVERIFIED

    def close(self) -> None:
        if self.store is not None and self.owns_store:
            self.store.close()
        if self.workspace is not None:
            self.workspace.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def source_from_index(
    index: SourceIndex, report: Report, *, keys: Iterable[VerifierKey] = (), store: Any = None
) -> ExportSource:
    """The export source of a workspace whose verification pass ``index`` watched.

    ``store``: the viewer's store of the same workspace, to select by query (not closed here).
    """
    workspace = index.workspace
    leaves: dict[int, bytes] = {}
    # As the verifier does: proofs first, then entries win over them.
    for _label, pairs in workspace.proofs:
        for seq, lh in pairs:
            leaves.setdefault(seq, lh)
    leaves.update(index.entry_hashes)
    return ExportSource(
        origin=workspace.origin,
        manifests=list(workspace.manifests),
        report=report,
        leaves=leaves,
        entry_seqs=sorted(index.entry_hashes),
        read_entries=_FileEntryReader(index),
        workspace=workspace,
        paths=list(workspace.paths),
        keys=list(keys),
        store=store,
    )


def open_source(
    paths: list[Path],
    *,
    keys: Iterable[VerifierKey],
    with_store: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportSource:
    """Open and verify ``paths`` (one workspace) in one pass, keeping what an export needs.

    ``with_store`` also loads the entries into a DuckDB store in the same
    pass (needed to select by query). The caller closes the result (it keeps
    the inputs open to read entries back).
    """
    from auditviewer.verification import verify_workspace

    keys = list(keys)
    workspace = open_workspace(paths)
    store: Any = None
    try:
        index = SourceIndex(workspace)
        on_batch: Callable[[LeafBatch], None] = index.add_batch
        if with_store:
            from auditviewer.store import Store

            store = Store()
            loading = store

            def on_batch(batch: LeafBatch) -> None:
                index.add_batch(batch)
                loading.append(batch.table)

        report = verify_workspace(workspace, keys, on_batch=on_batch, progress=progress, cancelled=cancelled)
        if store is not None:
            store.finish()
            store.set_states(report.state_ranges)
        source = source_from_index(index, report, keys=keys, store=store)
        source.owns_store = store is not None
        return source
    except BaseException:
        if store is not None:
            store.close()
        workspace.close()
        raise


class _FileEntryReader:
    """Reads selected entries back from their files by line (JSONL) or row (Parquet).

    Only the selected lines are kept, and each is checked against the leaf
    hash recorded when the workspace was verified, so a file changed on disk
    since then is an error rather than a silently different export.
    """

    def __init__(self, index: SourceIndex) -> None:
        self._index = index

    def __call__(self, seqs: list[int]) -> Iterator[tuple[int, bytes]]:
        index = self._index
        where = index.locate(seqs)
        missing = [s for s in seqs if s not in where]
        if missing:
            raise ExportError(
                f"{len(missing)} selected entries are not in the workspace (first: seq {missing[0]})"
            )
        by_file: dict[int, dict[int, int]] = {}
        for seq, (file_index, line) in where.items():
            by_file.setdefault(file_index, {})[line] = seq
        files = index.workspace.entry_files
        for file_index, lines in sorted(by_file.items()):
            if file_index < 0:
                raise ExportError("an entry's file is no longer known to the workspace")
            entry_file = files[file_index]
            for seq, leaf in _read_lines(entry_file, lines, index.workspace):
                want = index.entry_hashes.get(seq)
                if want is not None and hashlib.sha256(_LEAF_PREFIX + leaf).digest() != want:
                    raise ExportError(
                        f"{entry_file.label}: seq {seq} has changed on disk since the workspace "
                        "was opened; open it again before exporting"
                    )
                yield seq, leaf


def _read_lines(
    entry_file: EntryFile, lines: dict[int, int], workspace: Workspace
) -> Iterator[tuple[int, bytes]]:
    """(seq, leaf) of the given 1-based lines/rows of one entry file."""
    container, name, limits = entry_file.container, entry_file.name, workspace.limits
    label = entry_file.label
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
        last = max(lines)
        with container.open_raw(name) as raw:
            stream = decompressed(HashingReader(raw), name=label, gz=lower.endswith(".gz"), limits=limits)
            for number, leaf in split_lines(stream.read, source=label, limits=limits):
                seq = lines.get(number)
                if seq is not None:
                    yield seq, leaf
                if number >= last:
                    break
    except InputError as exc:
        raise ExportError(f"reading entries back failed: {exc}") from exc


def _parquet_rows(
    entry_file: EntryFile, rows: dict[int, int], workspace: Workspace
) -> Iterator[tuple[int, bytes]]:
    container, name = entry_file.container, entry_file.name
    path = container.local_path(name)
    source: Any = path if path is not None else io.BytesIO(
        container.read_bytes(name, limit=workspace.limits.max_in_memory_member_bytes)
    )
    pf = open_parquet(source, label=entry_file.label)
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


def check_cancel(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("the export was cancelled")


__all__ = ["EntryReader", "ExportSource", "SourceIndex", "check_cancel", "open_source", "source_from_index"]
