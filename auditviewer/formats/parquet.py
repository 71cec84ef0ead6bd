"""Parquet entry files: columns ``seq`` (INT64) and ``entry`` (the leaf bytes), optional ``head``.

Other columns are never read: verification and display both come from ``entry``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa

if TYPE_CHECKING:
    import pyarrow.parquet as pq

from auditviewer.errors import InputError, LimitError
from auditviewer.formats.batches import (
    LeafBatch,
    Problem,
    check_leaf_array,
    leaf_hashes,
    make_batch,
)
from auditviewer.formats.entry import check_leaf, fast_seqs
from auditviewer.limits import DEFAULT_LIMITS, Limits
from auditviewer.native import NATIVE

BATCH_ROWS = 65_536


def open_parquet(source: Path | BinaryIO, *, label: str) -> pq.ParquetFile:
    import pyarrow.parquet as pq  # not needed to verify JSONL: kept off the start-up path

    try:
        return pq.ParquetFile(source)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"is not a readable Parquet file ({exc})", path=label) from exc


def read_parquet_entries(
    source: Path | BinaryIO,
    *,
    label: str,
    limits: Limits = DEFAULT_LIMITS,
    workers: int | None = None,
    parallel_min_bytes: int | None = None,
) -> Iterator[LeafBatch]:
    """Leaf batches from a Parquet entry file; row numbers are 1-based.

    Each row group is read on its own; those of a big file on disk are checked
    by threads (with the C extension, which releases the GIL) or worker
    processes (see :mod:`auditviewer.formats.parallel`), giving the same
    batches in the same order.
    """
    from auditviewer.formats import parallel
    from auditviewer.formats.jsonl import PARALLEL_MIN_BYTES

    pf = open_parquet(source, label=label)
    columns = _entry_columns(pf, label)
    metadata = pf.metadata
    firsts = [0]
    for i in range(metadata.num_row_groups):
        firsts.append(firsts[-1] + metadata.row_group(i).num_rows)
    count = 1
    if isinstance(source, Path) and metadata.num_row_groups > 1:
        size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        threshold = PARALLEL_MIN_BYTES if parallel_min_bytes is None else parallel_min_bytes
        if size > threshold:
            if NATIVE is not None:
                count = parallel.thread_count() if workers is None else workers
            else:
                count = parallel.worker_count() if workers is None else workers
    if NATIVE is not None and count > 1 and isinstance(source, Path):
        # The C check releases the GIL (as does Parquet decoding): threads, each with its own reader.
        thread_jobs = ((source, i, firsts[i], columns, label, limits) for i in range(metadata.num_row_groups))
        try:
            for batches in parallel.thread_map(_read_row_group, thread_jobs, workers=count):
                yield from batches
        finally:
            pf.close()
        return
    if count <= 1:
        for i in range(metadata.num_row_groups):
            yield from _check_row_group(pf, i, firsts[i], columns, label, limits)
        return
    jobs = ((source, i, firsts[i], columns, label, limits) for i in range(metadata.num_row_groups))
    try:
        for index, parts in enumerate(parallel.ordered_map(check_row_group_lean, jobs, workers=count)):
            entries: pa.Array | None = None
            for part in parts:
                if isinstance(part, LeafBatch):
                    yield part
                    continue
                row, n, seqs, hashes, heads = part
                if entries is None:
                    entries = _read_entries(pf, index, label, firsts[index])
                leaf_array = entries.slice(row - firsts[index], n)
                numbers = range(row + 1, row + n + 1)
                yield make_batch(label, seqs, [], numbers, heads, leaf_array=leaf_array, leaf_hash_bytes=hashes)
    finally:
        pf.close()


def _read_entries(pf: pq.ParquetFile, index: int, label: str, first_row: int) -> pa.Array:
    """One row group's entry column, as binary (the reader holds it; workers need not send it)."""
    try:
        column = pf.read_row_group(index, columns=["entry"]).column("entry")
        return column.combine_chunks().cast(pa.binary())
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot be read past row {first_row} ({exc})", path=label) from exc


#: A run of good rows as a worker sends it back: (first row, rows, seqs, leaf hashes, heads).
_Rows = tuple[int, int, list[int], bytes, pa.Array]


def _entry_columns(pf: pq.ParquetFile, label: str) -> list[str]:
    names = set(pf.schema_arrow.names)
    for required in ("seq", "entry"):
        if required not in names:
            raise InputError(f"has no {required!r} column (entry files need seq and entry)", path=label)
    seq_type = pf.schema_arrow.field("seq").type
    entry_type = pf.schema_arrow.field("entry").type
    if not _seq_type_ok(seq_type):
        raise InputError(f"column 'seq' is {seq_type}, not INT64", path=label)
    if not (
        pa.types.is_string(entry_type)
        or pa.types.is_large_string(entry_type)
        or pa.types.is_binary(entry_type)
        or pa.types.is_large_binary(entry_type)
    ):
        raise InputError(f"column 'entry' is {entry_type}, not STRING or BINARY", path=label)
    return ["seq", "entry"] + (["head"] if "head" in names else [])


def check_row_group_lean(
    path: Path, index: int, first_row: int, columns: list[str], label: str, limits: Limits
) -> list[LeafBatch | _Rows]:
    """What a worker sends back for one row group of a Parquet file on disk: its batches,
    except that runs of good rows come without their entries, which the reader reads itself
    (measured: cheaper than shipping them back between processes).
    """
    with open_parquet(path, label=label) as pf:
        return list(_check_row_group(pf, index, first_row, columns, label, limits, lean=True))


def _read_row_group(
    path: Path, index: int, first_row: int, columns: list[str], label: str, limits: Limits
) -> list[LeafBatch]:
    """One row group's batches, read with a reader of its own (for a thread)."""
    with open_parquet(path, label=label) as pf:
        return list(_check_row_group(pf, index, first_row, columns, label, limits))


def _check_row_group(
    pf: pq.ParquetFile,
    index: int,
    first_row: int,
    columns: list[str],
    label: str,
    limits: Limits,
    *,
    lean: bool = False,
) -> Iterator[Any]:
    row = first_row
    try:
        for record_batch in pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[index], columns=columns):
            yield _check_record_batch(record_batch, row, columns, label, limits, lean=lean)
            row += record_batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot be read past row {row} ({exc})", path=label) from exc


def _check_record_batch(
    record_batch: pa.RecordBatch, row: int, columns: list[str], label: str, limits: Limits, *, lean: bool = False
) -> LeafBatch | _Rows:
    seq_column = record_batch.column("seq")
    entry_column = record_batch.column("entry").cast(pa.binary())
    head_column = record_batch.column("head") if "head" in columns else None
    n = record_batch.num_rows
    if NATIVE is not None and seq_column.null_count == 0 and entry_column.null_count == 0:
        entry_seqs, hashes, times, declined = check_leaf_array(entry_column, limits)
        row_seqs = seq_column.cast(pa.int64())
        if not declined and entry_seqs.equals(row_seqs):
            # The usual file, proven in C: no Python object per row.
            heads = _head_array(head_column, n)
            if lean:
                return row, n, row_seqs.to_pylist(), hashes, heads
            numbers = range(row + 1, row + n + 1)
            return make_batch(
                label, row_seqs, [], numbers, heads, leaf_array=entry_column, leaf_hash_bytes=hashes, times=times
            )
    col_seq = seq_column.to_pylist()
    col_entry = entry_column.to_pylist()
    if (
        seq_column.null_count == 0
        and entry_column.null_count == 0
        and fast_seqs(col_entry, limits=limits) == col_seq
    ):
        # The usual file: every row's entry proven good and carrying its row's seq.
        heads = _head_array(head_column, n)
        if lean:
            return row, n, col_seq, leaf_hashes(col_entry), heads
        numbers = range(row + 1, row + n + 1)
        return make_batch(label, col_seq, col_entry, numbers, heads, leaf_array=entry_column)
    col_head = head_column.to_pylist() if head_column is not None else None
    seqs: list[int] = []
    leaves: list[bytes] = []
    lines: list[int] = []
    heads_out: list[bytes | None] = []
    problems: list[Problem] = []
    for i, (seq, leaf) in enumerate(zip(col_seq, col_entry, strict=True)):
        number = row + i + 1
        if seq is None or leaf is None or seq < 0:
            problems.append(Problem(number, "row has no seq or no entry", seq=None))
            continue
        check = check_leaf(leaf, limits=limits)
        if check.problem:
            problems.append(Problem(number, check.problem, seq=seq))
        elif check.seq != seq:
            problems.append(
                Problem(
                    number,
                    f"entry's seq field is {check.seq} but its row says {seq}",
                    seq=seq,
                    kind="seq_mismatch",
                )
            )
        seqs.append(seq)
        leaves.append(leaf)
        lines.append(number)
        head = col_head[i] if col_head is not None else None
        heads_out.append(head if isinstance(head, bytes) and len(head) == 32 else None)
    return make_batch(label, seqs, leaves, lines, heads_out, problems)


def _head_array(column: pa.Array | None, n: int) -> pa.Array:
    """Recorded heads: kept when 32 bytes of binary, else null (as the row-by-row path does)."""
    import pyarrow.compute as pc
    if column is None:
        return pa.nulls(n, pa.binary())
    kind = column.type
    if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)):
        return pa.nulls(n, pa.binary())
    values = column.cast(pa.binary())
    return pc.if_else(pc.equal(pc.binary_length(values), 32), values, pa.scalar(None, pa.binary()))


def _seq_type_ok(seq_type: pa.DataType) -> bool:
    """A seq column must hold integers that fit INT64 (UINT64 may not)."""
    return pa.types.is_integer(seq_type) and not pa.types.is_uint64(seq_type)


class ProofRows:
    """A proof's rows as two Arrow arrays (seq int64, leaf hash binary(32)): no Python
    object per row while reading; iterating gives ``(seq, leaf_hash)`` pairs."""

    __slots__ = ("hashes", "seqs")

    def __init__(self, seqs: pa.Array, hashes: pa.Array) -> None:
        self.seqs = seqs
        self.hashes = hashes

    def __len__(self) -> int:
        return len(self.seqs)

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        for start in range(0, len(self.seqs), BATCH_ROWS):
            seqs = self.seqs[start : start + BATCH_ROWS].to_pylist()
            hashes = self.hashes[start : start + BATCH_ROWS].to_pylist()
            yield from zip(seqs, hashes, strict=True)


def read_proof(
    source: Path | BinaryIO, *, label: str, limits: Limits = DEFAULT_LIMITS, needed: int | None = None
) -> ProofRows:
    """A slice's proof: (seq, leaf hash) of omitted entries, read as arrays.

    ``needed``: the largest checkpointed size the proof can serve (a proof holds
    at most one row per omitted seq below it, plus an unsigned tail of at most
    ``max_proof_tail_rows``), so more rows than that are refused at once, from
    the footer, before any row is decoded; rows are counted as they are decoded
    too (a footer may lie).
    """
    import pyarrow.compute as pc

    pf = open_parquet(source, label=label)
    names = pf.schema_arrow.names
    if names.count("seq") != 1 or names.count("leaf_hash") != 1:
        raise InputError("proof file needs one column 'seq' and one 'leaf_hash'", path=label)
    seq_type = pf.schema_arrow.field("seq").type
    hash_type = pf.schema_arrow.field("leaf_hash").type
    if not _seq_type_ok(seq_type):
        raise InputError(f"proof column 'seq' is {seq_type}, not INT64", path=label)
    if not (
        pa.types.is_binary(hash_type)
        or pa.types.is_large_binary(hash_type)
        or pa.types.is_fixed_size_binary(hash_type)
    ):
        raise InputError(f"proof column 'leaf_hash' is {hash_type}, not BINARY", path=label)
    bound = limits.max_proof_rows
    if pf.metadata.num_rows > bound:
        raise LimitError(
            f"proof has more than {limits.max_proof_rows} rows (limit max_proof_rows)", path=label
        )
    if needed is not None:
        bound = min(bound, needed + limits.max_proof_tail_rows)
    if needed is not None and pf.metadata.num_rows > bound:
        raise LimitError(
            f"proof has {pf.metadata.num_rows} rows, more than the {bound} its checkpoints can need "
            f"(one row per omitted entry below the largest checkpointed size, {needed}, plus "
            f"{limits.max_proof_tail_rows} for an unsigned tail: limit max_proof_tail_rows)",
            path=label,
        )
    seq_parts: list[pa.Array] = []
    hash_parts: list[pa.Array] = []
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=["seq", "leaf_hash"]):
            seqs = batch.column(0).cast(pa.int64())
            hashes = batch.column(1)
            if pa.types.is_dictionary(hashes.type):
                hashes = hashes.dictionary_decode()
            bad = pc.or_kleene(pc.is_null(seqs), pc.less(seqs, 0))
            if not pa.types.is_fixed_size_binary(hashes.type) or hashes.type.byte_width != 32:
                bad = pc.or_kleene(bad, pc.not_equal(pc.binary_length(hashes), 32))
            bad = pc.or_kleene(pc.fill_null(bad, True), pc.is_null(hashes))
            if pc.any(bad).as_py():
                first = pc.index(bad, True).as_py()
                raise InputError("proof row is not (seq >= 0, 32-byte leaf_hash)", path=label, line=row + first + 1)
            if len(seqs) + row > bound:
                raise LimitError(f"proof has more rows than its footer says, over {bound}", path=label)
            row += len(seqs)
            seq_parts.append(seqs)
            hash_parts.append(hashes if pa.types.is_fixed_size_binary(hashes.type) else hashes.cast(pa.binary(32)))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot be read past row {row} ({exc})", path=label) from exc
    seq_array = pa.chunked_array(seq_parts, pa.int64()).combine_chunks()
    hash_array = pa.chunked_array(hash_parts, pa.binary(32)).combine_chunks()
    return ProofRows(seq_array, hash_array)
