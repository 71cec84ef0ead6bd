"""What an export needs from a verified workspace: leaf hashes, entry locations, the report.

:class:`SourceIndex` watches the leaf batches of the one verification pass
(it is an ``on_batch`` for :func:`auditviewer.workspace.verification.verify_workspace`),
so the viewer can build it while loading. It keeps, per entry, only its leaf
hash and where its stored bytes are (file, line, and for JSONL on disk the
byte offset), never the bytes: exporting then reads back just the selected
entries, each checked against its recorded leaf hash.

:func:`open_source` does the whole pass for callers that start from paths
(the ``export`` command, tests, the benchmark); :func:`source_from_store`
serves a session already loaded into a store without an index. Reading the
selected entries back from their files is ``export/entry_reader.py``.
"""

from __future__ import annotations

import array
import bisect
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from auditviewer.core.domain import UNVERIFIED
from auditviewer.core.errors import Cancelled, ExportError
from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.manifest import Manifest
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.report import Report
from auditviewer.workspace.inputs import Workspace, open_workspace

LEAF_PREFIX = b"\x00"

#: Reads the stored bytes of entries: given sorted seqs, yields (seq, leaf) in any order.
EntryReader = Callable[[list[int]], Iterator[tuple[int, bytes]]]


class LeafTable:
    """Leaf hash by seq for every seq a workspace knows, as two sorted Arrow arrays.

    No Python object per entry: a million leaves cost about 40 MB, and a
    slice's proof is cut out of ``hashes`` with one ``take``. Entries win over
    a proof for the same seq, and the first entry seen wins over later ones,
    as in the verifier.
    """

    def __init__(self, seqs: pa.Int64Array, hashes: pa.FixedSizeBinaryArray) -> None:
        self.seqs = seqs
        self.hashes = hashes
        self._seq_list: array.array[int] | None = None

    @classmethod
    def build(cls, parts: list[tuple[pa.Array, pa.Array, int]]) -> LeafTable:
        """From (seqs, 32-byte hashes, priority) parts; lower priority wins, then earlier part."""
        import pyarrow.compute as pc

        if not parts:
            return cls(pa.array([], pa.int64()), pa.array([], pa.binary(32)))
        seqs = pa.chunked_array([p[0] for p in parts], pa.int64()).combine_chunks()
        hashes = pa.chunked_array([p[1].cast(pa.binary(32)) for p in parts], pa.binary(32)).combine_chunks()
        priority = pa.chunked_array(
            [pa.array([p[2]] * len(p[0]), pa.int8()) for p in parts], pa.int8()
        ).combine_chunks()
        table = pa.table({"seq": seqs, "priority": priority, "order": pa.array(range(len(seqs)), pa.int64())})
        order = pc.sort_indices(
            table, sort_keys=[("seq", "ascending"), ("priority", "ascending"), ("order", "ascending")]
        )
        seqs = pc.take(seqs, order)
        hashes = pc.take(hashes, order)
        if len(seqs) > 1:
            # Keep the first row of each seq: it differs from the one before it.
            first = pc.not_equal(seqs.slice(1), seqs.slice(0, len(seqs) - 1))
            keep = pa.concat_arrays([pa.array([True]), first])
            seqs = pc.filter(seqs, keep)
            hashes = pc.filter(hashes, keep)
        return cls(seqs, hashes)

    def __len__(self) -> int:
        return len(self.seqs)

    @property
    def seq_list(self) -> array.array[int]:
        """The seqs as a flat int64 array (8 bytes each, not a Python int each); ``bisect`` works on it."""
        if self._seq_list is None:
            seqs = self.seqs
            values = array.array("q")
            if len(seqs):
                start = seqs.offset * 8
                values.frombytes(seqs.buffers()[1].to_pybytes()[start : start + len(seqs) * 8])
            self._seq_list = values
        return self._seq_list

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """Row positions [a, b) of the seqs in [lo, hi)."""
        seq_list = self.seq_list
        return bisect.bisect_left(seq_list, lo), bisect.bisect_left(seq_list, hi)

    def get(self, seq: int) -> bytes | None:
        a, b = self.span(seq, seq + 1)
        return self.hashes[a].as_py() if a < b else None


@dataclass(frozen=True, slots=True)
class Location:
    """Where an entry's stored bytes are: file, 1-based line or row, and for plain
    JSONL files on disk the byte offset and length of the line (-1 when unknown)."""

    file: int
    line: int
    offset: int = -1
    length: int = -1


class SourceIndex:
    """Leaf hashes and entry locations gathered while a workspace's batches pass by."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._file_index = {f.label: i for i, f in enumerate(workspace.entry_files)}
        # Per batch, Arrow columns only: file index, seqs, lines, leaf hashes, and for
        # seekable JSONL files the byte offsets and lengths of the lines.
        self._batches: list[tuple[int, pa.Array, pa.Array, pa.Array, pa.Array | None, pa.Array | None]] = []
        self._table: LeafTable | None = None
        # Per seekable file: (next line number, its byte offset) while every line so far was an entry.
        self._cursor: dict[int, tuple[int, int]] = {
            i: (1, 0)
            for i, f in enumerate(workspace.entry_files)
            if not f.plain
            and f.name.lower().endswith(".jsonl")
            and f.container.local_path(f.name) is not None
        }

    def add_batch(self, batch: LeafBatch) -> None:
        import pyarrow.compute as pc

        if self._table is not None:
            raise ExportError("the source index is complete; no more batches can be added")
        table = batch.table
        names = table.schema.names
        if "leaf_hash" in names:
            hashes = table.column(names.index("leaf_hash"))
        else:
            sha = hashlib.sha256
            hashes = pa.array(
                [sha(LEAF_PREFIX + leaf).digest() for leaf in table.column(1).to_pylist()], pa.binary(32)
            )
        file_index = self._file_index.get(batch.source, -1)
        lines = table.column(2)
        offsets = lengths = None
        cursor = self._cursor.get(file_index)
        n = table.num_rows
        if cursor is not None and n:
            first, last = lines[0].as_py(), lines[n - 1].as_py()
            if first == cursor[0] and last - first == n - 1:
                # Every line of the run is an entry (lines only grow), so offsets follow from
                # lengths: reading an entry back is then one seek, not a scan of the file.
                lengths = pc.cast(pc.binary_length(table.column(1)), pa.int64())
                steps = pc.add(lengths, 1)
                ends = pc.add(pc.cumulative_sum(steps), cursor[1])
                offsets = pc.subtract(ends, steps)
                self._cursor[file_index] = (last + 1, ends[n - 1].as_py())
            else:
                # A line that is not an entry (blank, malformed): offsets after it are unknown.
                del self._cursor[file_index]
        self._batches.append((file_index, table.column(0), lines, hashes, offsets, lengths))

    def entry_table(self) -> LeafTable:
        """The entries' leaf hashes, sorted; built once, then the per-batch copies are released."""
        if self._table is None:
            self._table = LeafTable.build([(b[1], b[3], 0) for b in self._batches])
            empty = pa.array([], pa.binary(32))
            self._batches = [(f, seqs, lines, empty, off, length) for f, seqs, lines, _h, off, length in self._batches]
        return self._table

    def locate(self, wanted: Iterable[int]) -> dict[int, Location]:
        """seq -> where each wanted seq was first read."""
        import pyarrow.compute as pc

        wanted_array = pa.array(sorted(set(wanted)), pa.int64())
        found: dict[int, Location] = {}
        for file_index, seqs, lines, _hashes, offsets, lengths in self._batches:
            mask = pc.is_in(seqs, value_set=wanted_array)
            if not pc.any(mask).as_py():
                continue
            picked_seqs = pc.filter(seqs, mask).to_pylist()
            picked_lines = pc.filter(lines, mask).to_pylist()
            if offsets is not None and lengths is not None:
                picked_offsets = pc.filter(offsets, mask).to_pylist()
                picked_lengths = pc.filter(lengths, mask).to_pylist()
            else:
                picked_offsets = picked_lengths = [-1] * len(picked_seqs)
            for seq, line, offset, length in zip(
                picked_seqs, picked_lines, picked_offsets, picked_lengths, strict=True
            ):
                if seq not in found:
                    found[seq] = Location(file_index, line, offset, length)
        return found


@dataclass(slots=True, kw_only=True)
class ExportSource:
    """A verified workspace, ready to export slices of.

    ``leaves`` holds the leaf hash of every seq the workspace knows: entries'
    own hashes, and for seqs that only a proof names (a slice of a slice),
    the proof's. ``entry_hashes`` holds the entries' alone. ``read_entries``
    gives the stored bytes of chosen entries (from the files, or the store).
    """

    origin: str | None
    manifests: list[Manifest]
    report: Report
    leaves: LeafTable
    entry_hashes: LeafTable
    #: The entries' seqs, ascending, distinct (a compact int64 array).
    entry_seqs: Sequence[int]
    read_entries: EntryReader
    #: Stored entries holding a byte string (or any JSON escape), for whole-workspace questions.
    scan_leaves: Callable[[bytes], Iterator[bytes]] | None = None
    workspace: Workspace | None = None
    paths: list[Path] = field(default_factory=list)
    keys: list[VerifierKey] = field(default_factory=list)
    #: The DuckDB store of the entries (:class:`auditviewer.store.store.Store`), for selection by query.
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
    index: SourceIndex, report: Report, *, keys: Iterable[VerifierKey], store: Any = None
) -> ExportSource:
    """The export source of a workspace whose verification pass ``index`` watched.

    ``keys`` must be the keys that pass verified with: a bundle is checked with
    them before it is published. ``store``: the viewer's store of the same
    workspace, to select by query (not closed here).
    """
    workspace = index.workspace
    entries = index.entry_table()  # once per index: it releases the batches' hashes
    parts: list[tuple[pa.Array, pa.Array, int]] = [(entries.seqs, entries.hashes, 0)]
    for _label, proof in workspace.proofs:
        if len(proof):
            parts.append((proof.seqs, proof.hashes, 1))  # entries win over a proof, as in the verifier
    leaves = LeafTable.build(parts) if len(parts) > 1 else entries
    from auditviewer.export.entry_reader import FileEntryReader  # it reads what this module indexes

    reader = FileEntryReader(index, entries)
    return ExportSource(
        origin=workspace.origin,
        manifests=list(workspace.manifests),
        report=report,
        leaves=leaves,
        entry_hashes=entries,
        entry_seqs=entries.seq_list,
        read_entries=reader,
        scan_leaves=reader.scan,
        workspace=workspace,
        paths=list(workspace.paths),
        keys=list(keys),
        store=store,
    )


def source_from_store(
    workspace: Workspace, store: Any, report: Report, *, keys: Iterable[VerifierKey]
) -> ExportSource:
    """The export source of a workspace already loaded into a store (the viewer's session).

    For callers that did not watch the loading pass with a :class:`SourceIndex`:
    leaf hashes are computed once here from the stored texts (about a second
    per million entries), and entries are read back from the store, not the
    files. ``store`` stays the caller's.
    """
    import pyarrow.compute as pc

    sha = hashlib.sha256
    parts: list[tuple[pa.Array, pa.Array, int]] = []
    for batch in store.iter_leaves():
        leaves = batch.column(1).cast(pa.binary()).to_pylist()
        hashes = pa.array([sha(LEAF_PREFIX + leaf).digest() for leaf in leaves], pa.binary(32))
        parts.append((batch.column(0), hashes, 0))
    entries = LeafTable.build(parts)
    proof_parts = list(parts)
    for _label, proof in workspace.proofs:
        if len(proof):
            proof_parts.append((proof.seqs, proof.hashes, 1))
    leaves_table = LeafTable.build(proof_parts) if len(proof_parts) > len(parts) else entries

    def read_entries(seqs: list[int]) -> Iterator[tuple[int, bytes]]:
        wanted = pa.array(seqs, pa.int64())
        for batch in store.iter_leaves():
            mask = pc.is_in(batch.column(0), value_set=wanted)
            if pc.any(mask).as_py():
                yield from zip(
                    pc.filter(batch.column(0), mask).to_pylist(),
                    pc.filter(batch.column(1), mask).cast(pa.binary()).to_pylist(),
                    strict=True,
                )

    return ExportSource(
        origin=workspace.origin,
        manifests=list(workspace.manifests),
        report=report,
        leaves=leaves_table,
        entry_hashes=entries,
        entry_seqs=entries.seq_list,
        read_entries=read_entries,
        workspace=None,  # the caller's: closing this source must not close it
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
    cancelled: CancelCheck | None = None,
) -> ExportSource:
    """Open and verify ``paths`` (one workspace) in one pass, keeping what an export needs.

    ``with_store`` also loads the entries into a DuckDB store in the same
    pass (needed to select by query). The caller closes the result (it keeps
    the inputs open to read entries back).
    """
    from auditviewer.workspace.verification import verify_workspace

    keys = list(keys)
    workspace = open_workspace(paths)
    store: Any = None
    try:
        index = SourceIndex(workspace)
        on_batch: Callable[[LeafBatch], None] = index.add_batch
        if with_store:
            # The same rows the viewer and ``query`` store (auditviewer.workspace.loading).
            from auditviewer.store.store import Store
            from auditviewer.workspace.loading import store_rows

            store = Store()
            loading = store

            def on_batch(batch: LeafBatch) -> None:
                index.add_batch(batch)
                loading.append(store_rows(batch))

        report = verify_workspace(workspace, keys, on_batch=on_batch, progress=progress, cancelled=cancelled)
        if store is not None:
            store.finish()
            store.set_states(report.state_ranges)
            store.lock_down()
        source = source_from_index(index, report, keys=keys, store=store)
        source.owns_store = store is not None
        return source
    except BaseException:
        if store is not None:
            store.close()
        workspace.close()
        raise


def check_cancel(cancelled: CancelCheck | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("the export was cancelled")


__all__ = ["EntryReader", "ExportSource", "LeafTable", "Location", "SourceIndex", "check_cancel", "open_source", "source_from_index", "source_from_store"]
