"""Parquet entry files: columns ``seq`` (INT64) and ``entry`` (the leaf bytes), optional ``head``.

Other columns are never read: verification and display both come from ``entry``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from auditviewer.errors import InputError
from auditviewer.formats.batches import LeafBatch, Problem, make_batch
from auditviewer.formats.entry import check_leaf
from auditviewer.limits import DEFAULT_LIMITS, Limits

BATCH_ROWS = 65_536


def open_parquet(source: Path | BinaryIO, *, label: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(source)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"is not a readable Parquet file ({exc})", path=label) from exc


def read_parquet_entries(
    source: Path | BinaryIO, *, label: str, limits: Limits = DEFAULT_LIMITS
) -> Iterator[LeafBatch]:
    """Leaf batches from a Parquet entry file; row numbers are 1-based."""
    pf = open_parquet(source, label=label)
    names = set(pf.schema_arrow.names)
    for required in ("seq", "entry"):
        if required not in names:
            raise InputError(f"has no {required!r} column (entry files need seq and entry)", path=label)
    seq_type = pf.schema_arrow.field("seq").type
    entry_type = pf.schema_arrow.field("entry").type
    if not pa.types.is_integer(seq_type):
        raise InputError(f"column 'seq' is {seq_type}, not INT64", path=label)
    if not (
        pa.types.is_string(entry_type)
        or pa.types.is_large_string(entry_type)
        or pa.types.is_binary(entry_type)
        or pa.types.is_large_binary(entry_type)
    ):
        raise InputError(f"column 'entry' is {entry_type}, not STRING or BINARY", path=label)
    columns = ["seq", "entry"] + (["head"] if "head" in names else [])
    row = 0
    try:
        for record_batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            col_seq = record_batch.column("seq").to_pylist()
            col_entry = record_batch.column("entry").cast(pa.binary()).to_pylist()
            col_head = record_batch.column("head").to_pylist() if "head" in columns else None
            seqs: list[int] = []
            leaves: list[bytes] = []
            lines: list[int] = []
            heads: list[bytes | None] = []
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
                heads.append(head if isinstance(head, bytes) and len(head) == 32 else None)
            row += record_batch.num_rows
            yield make_batch(label, seqs, leaves, lines, heads, problems)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot be read past row {row} ({exc})", path=label) from exc


def read_proof(source: Path | BinaryIO, *, label: str, limits: Limits = DEFAULT_LIMITS) -> list[tuple[int, bytes]]:
    """A slice's proof: (seq, leaf hash) of omitted entries."""
    pf = open_parquet(source, label=label)
    names = set(pf.schema_arrow.names)
    if not {"seq", "leaf_hash"} <= names:
        raise InputError("proof file needs columns 'seq' and 'leaf_hash'", path=label)
    if pf.metadata.num_rows > limits.max_proof_rows:
        raise InputError(f"proof has more than {limits.max_proof_rows} rows", path=label)
    out: list[tuple[int, bytes]] = []
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=["seq", "leaf_hash"]):
            for seq, lh in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True):
                row += 1
                if not isinstance(seq, int) or seq < 0 or not isinstance(lh, bytes) or len(lh) != 32:
                    raise InputError("proof row is not (seq >= 0, 32-byte leaf_hash)", path=label, line=row)
                out.append((seq, lh))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot be read past row {row} ({exc})", path=label) from exc
    return out
