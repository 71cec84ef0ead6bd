"""Parquet entry files: columns ``seq`` (INT64) and ``entry`` (the leaf bytes), optional ``head``.

Other columns are never read: verification and display both come from ``entry``.

Every Parquet file is opened through :func:`open_parquet` (repeated column names are
refused there, once for all readers). Reading is linear in row groups: a file's footer
is parsed once and shared by the readers of its threads, parallel jobs are runs of row
groups, and runs of tiny row groups are checked as one batch (see docs/security.md for
the figures and ``max_parquet_row_groups``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa

if TYPE_CHECKING:
    import pyarrow.parquet as pq

from auditviewer.core.display import quoted
from auditviewer.core.errors import InputError, LimitError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.native import NATIVE
from auditviewer.input.formats.batches import (
    LeafBatch,
    Problem,
    check_leaf_array,
    leaf_hashes,
    make_batch,
)
from auditviewer.input.formats.entry import check_leaf, fast_seqs

BATCH_ROWS = 65_536
#: Row groups with fewer rows are read in runs and checked together (see _check_row_groups).
SMALL_GROUP_ROWS = 32


def open_parquet(
    source: Path | BinaryIO, *, label: str, metadata: pq.FileMetaData | None = None
) -> pq.ParquetFile:
    """A Parquet file, refused with a clear error when unreadable or its column names repeat.

    Every Parquet reader here opens through this (entries, proofs, plain exports),
    so a file with two ``seq`` or two ``entry`` columns is one clear error naming the
    file, never a ``KeyError`` from picking a column by name. ``metadata`` is a footer
    already parsed (of the same file): parsing a footer costs time in proportion to its
    row groups, so readers of one file share it rather than parse it again.
    """
    import pyarrow.parquet as pq  # not needed to verify JSONL: kept off the start-up path

    try:
        pf = pq.ParquetFile(source, metadata=metadata)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"is not a readable Parquet file ({exc})", path=label) from exc
    if len(set(names)) != len(names):
        repeated = next(n for n in names if names.count(n) > 1)
        pf.close()
        raise InputError(
            f"has {names.count(repeated)} columns named {quoted(repeated)}; Parquet column names must be unique",
            path=label,
        )
    return pf


def entry_text_bytes(path: Path) -> int | None:
    """The ``entry`` column's bytes once decompressed, from the file's footer (what a
    store keeps of it), or None when the footer cannot say. Reads no data page."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        names = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
        if names.count("entry") != 1:
            return None
        column = names.index("entry")
        return sum(metadata.row_group(g).column(column).total_uncompressed_size for g in range(metadata.num_row_groups))
    except (OSError, pa.ArrowException, ValueError):
        return None


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
    processes (see :mod:`auditviewer.input.formats.parallel`), giving the same
    batches in the same order.
    """
    from auditviewer.input.formats import parallel
    from auditviewer.input.formats.jsonl import PARALLEL_MIN_BYTES

    pf = open_parquet(source, label=label)
    columns = _entry_columns(pf, label)
    metadata = pf.metadata
    groups = metadata.num_row_groups
    if groups > limits.max_parquet_row_groups:
        pf.close()
        raise LimitError(
            f"has {groups:,} row groups, more than {limits.max_parquet_row_groups:,} (limit max_parquet_row_groups)",
            path=label,
        )
    firsts = [0]
    sizes = []
    for i in range(groups):
        group = metadata.row_group(i)
        firsts.append(firsts[-1] + group.num_rows)
        sizes.append(max(0, group.total_byte_size))
    count = 1
    if isinstance(source, Path) and groups > 1:
        threshold = PARALLEL_MIN_BYTES if parallel_min_bytes is None else parallel_min_bytes
        if sum(sizes) > threshold:
            if NATIVE is not None:
                count = parallel.thread_count() if workers is None else workers
            else:
                count = parallel.worker_count() if workers is None else workers
    if count <= 1:
        # One reader for every row group: time linear in the row groups, however small they are.
        yield from _check_row_groups(pf, range(groups), 0, columns, label, limits)
        return
    # Jobs of contiguous row groups, never more than a few per worker: each job opens a
    # reader, and one-row row groups must not each cost a reader (that was quadratic).
    ranges = _first_alone(_job_ranges(sizes, count * _JOBS_PER_WORKER))
    if NATIVE is not None and isinstance(source, Path):
        # The C check releases the GIL (as does Parquet decoding): threads, each with its own
        # reader, all sharing the footer parsed once above.
        thread_jobs = ((source, metadata, rows, firsts[rows.start], columns, label, limits) for rows in ranges)
        try:
            for batches in parallel.thread_map(_read_row_groups, thread_jobs, workers=count):
                yield from batches
        finally:
            pf.close()
        return
    jobs = ((source, rows, firsts[rows.start], columns, label, limits) for rows in ranges)
    try:
        for rows, parts in zip(ranges, parallel.ordered_map(check_row_group_lean, jobs, workers=count), strict=True):
            entries: pa.Array | None = None
            first = firsts[rows.start]
            for part in parts:
                if isinstance(part, LeafBatch):
                    yield part
                    continue
                row, n, seqs, hashes, heads = part
                if entries is None:
                    entries = _read_entries(pf, rows, label, first)
                leaf_array = entries.slice(row - first, n)
                numbers = range(row + 1, row + n + 1)
                yield make_batch(label, seqs, [], numbers, heads, leaf_array=leaf_array, leaf_hash_bytes=hashes)
    finally:
        pf.close()


#: Parallel reading splits a file into about this many jobs per worker (balance against readers opened).
_JOBS_PER_WORKER = 4
#: ...and into jobs of at most about this many bytes of decoded row groups (plus one row
#: group): a job's batches are held whole until the loop takes them, and a few jobs are in
#: flight (``parallel.thread_map``), so without this cap the read-ahead grew with the file:
#: an eighth of a 10M-entry file (800 MB decoded) a job, 4.0-4.3 GiB peak RSS (issue 12).
#: 64 MiB: 2.25-2.33 GiB; 32 MiB (one row group of 65,536 realistic entries): 2.19 GiB.
_MAX_JOB_BYTES = 32 * 1024 * 1024


def _job_ranges(sizes: list[int], jobs: int) -> list[range]:
    """Contiguous runs of row groups of about equal bytes: at least ``jobs`` of them when
    there are enough row groups, more when that would make a job over ``_MAX_JOB_BYTES``.
    Never more than one job per ``_MAX_JOB_BYTES`` (or per row group), so the readers
    opened stay linear in the file's bytes however small its row groups are."""
    total = sum(sizes)
    jobs = max(jobs, -(-total // _MAX_JOB_BYTES))
    target = max(1, -(-total // max(1, jobs)))
    out: list[range] = []
    start, acc = 0, 0
    for i, size in enumerate(sizes):
        acc += size
        if acc >= target and len(out) < jobs - 1:
            out.append(range(start, i + 1))
            start, acc = i + 1, 0
    if start < len(sizes):
        out.append(range(start, len(sizes)))
    return out


def _first_alone(ranges: list[range]) -> list[range]:
    """``ranges`` with the first row group a job of its own: batches come back a job at a
    time, in order, so the viewer's first rows wait for the whole first job (two row
    groups of 65,536 rows: 0.5 s on a loaded machine, against a 1 s goal)."""
    if not ranges or len(ranges[0]) < 2:
        return ranges
    first = ranges[0]
    return [range(first.start, first.start + 1), range(first.start + 1, first.stop), *ranges[1:]]


def _read_entries(pf: pq.ParquetFile, row_groups: range, label: str, first_row: int) -> pa.Array:
    """Some row groups' entry column, as binary (the reader holds it; workers need not send it)."""
    try:
        column = pf.read_row_groups(list(row_groups), columns=["entry"]).column("entry")
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
    path: Path, row_groups: range, first_row: int, columns: list[str], label: str, limits: Limits
) -> list[LeafBatch | _Rows]:
    """What a worker sends back for some row groups of a Parquet file on disk: their batches,
    except that runs of good rows come without their entries, which the reader reads itself
    (measured: cheaper than shipping them back between processes).
    """
    with open_parquet(path, label=label) as pf:
        return list(_check_row_groups(pf, row_groups, first_row, columns, label, limits, lean=True))


def _read_row_groups(
    path: Path,
    metadata: pq.FileMetaData,
    row_groups: range,
    first_row: int,
    columns: list[str],
    label: str,
    limits: Limits,
) -> list[LeafBatch]:
    """Some row groups' batches, read with a reader of its own (for a thread) over the shared footer."""
    with open_parquet(path, label=label, metadata=metadata) as pf:
        return list(_check_row_groups(pf, row_groups, first_row, columns, label, limits))


def _check_row_groups(
    pf: pq.ParquetFile,
    row_groups: range,
    first_row: int,
    columns: list[str],
    label: str,
    limits: Limits,
    *,
    lean: bool = False,
) -> Iterator[Any]:
    """Batches of these row groups, each read on its own by the one reader ``pf`` (opened once).

    A row group of at most ``BATCH_ROWS`` rows is one batch either way, and is read
    with ``read_row_group``: each ``iter_batches`` call costs time in proportion to
    the file's row groups (measured), which made files of one-row row groups quadratic.
    Runs of tiny row groups (under ``SMALL_GROUP_ROWS`` rows) are checked together, up
    to ``BATCH_ROWS`` rows a batch: one batch (and its Arrow objects) per one-row group
    would cost the verifier ~7 KB a row.
    """
    row = first_row
    metadata = pf.metadata
    pending: list[pa.RecordBatch] = []
    pending_rows = 0

    def flush() -> Iterator[Any]:
        nonlocal row, pending_rows
        table = pa.Table.from_batches(pending).combine_chunks()
        pending.clear()
        pending_rows = 0
        for record_batch in table.to_batches():
            yield _check_record_batch(record_batch, row, columns, label, limits, lean=lean)
            row += record_batch.num_rows

    try:
        for index in row_groups:
            rows = metadata.row_group(index).num_rows
            if rows < SMALL_GROUP_ROWS:
                pending.extend(pf.read_row_group(index, columns=columns).to_batches())
                pending_rows += rows
                if pending_rows >= BATCH_ROWS:
                    yield from flush()
                continue
            if pending:
                yield from flush()
            if rows <= BATCH_ROWS:
                record_batches = pf.read_row_group(index, columns=columns).to_batches()
            else:
                record_batches = pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[index], columns=columns)
            for record_batch in record_batches:
                yield _check_record_batch(record_batch, row, columns, label, limits, lean=lean)
                row += record_batch.num_rows
        if pending:
            yield from flush()
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
            kept = [leaf[: limits.max_raw_line_bytes + 1]] if isinstance(leaf, bytes) else []
            problems.append(Problem(number, "row has no seq or no entry", seq=None, raw=kept))
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
