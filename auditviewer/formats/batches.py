"""The one shape every entry reader yields: Arrow batches of stored leaves.

Columns: ``seq`` (int64), ``leaf`` (binary: the stored bytes), ``line`` (int64,
1-based line or row in its file), ``head`` (binary, nullable: the recorded
head after the entry, Parquet only), ``leaf_hash`` (binary 32: spec §3, computed
once while the leaf passes, so that verification never converts leaves back to
Python objects). A batch also carries its file's label and
the problems found in it, which become ``malformed_entry`` findings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa

LEAF_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("leaf", pa.binary()),
        ("line", pa.int64()),
        ("head", pa.binary()),
        ("leaf_hash", pa.binary(32)),
    ]
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry that could not be taken as it is."""

    line: int
    message: str
    seq: int | None = None
    kind: str = "malformed_entry"


@dataclass(slots=True)
class LeafBatch:
    source: str
    table: pa.RecordBatch
    problems: list[Problem] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return int(self.table.num_rows)


def make_batch(
    source: str,
    seqs: list[int],
    leaves: list[bytes],
    lines: list[int],
    heads: list[bytes | None] | None = None,
    problems: list[Problem] | None = None,
) -> LeafBatch:
    head_array = pa.nulls(len(seqs), pa.binary()) if heads is None else pa.array(heads, pa.binary())
    sha = hashlib.sha256
    hashes = b"".join([sha(b"\x00" + leaf).digest() for leaf in leaves])
    table = pa.RecordBatch.from_arrays(
        [
            pa.array(seqs, pa.int64()),
            pa.array(leaves, pa.binary()),
            pa.array(lines, pa.int64()),
            head_array,
            pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), len(leaves), [None, pa.py_buffer(hashes)]),
        ],
        schema=LEAF_SCHEMA,
    )
    return LeafBatch(source=source, table=table, problems=problems or [])
