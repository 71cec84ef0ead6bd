"""The one shape every entry reader yields: Arrow batches of stored leaves.

Columns: ``seq`` (int64), ``leaf`` (binary: the stored bytes), ``line`` (int64,
1-based line or row in its file), ``head`` (binary, nullable: the recorded
head after the entry, Parquet only). A batch also carries its file's label and
the problems found in it, which become ``malformed_entry`` findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

LEAF_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("leaf", pa.binary()),
        ("line", pa.int64()),
        ("head", pa.binary()),
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
    table = pa.RecordBatch.from_arrays(
        [
            pa.array(seqs, pa.int64()),
            pa.array(leaves, pa.binary()),
            pa.array(lines, pa.int64()),
            head_array,
        ],
        schema=LEAF_SCHEMA,
    )
    return LeafBatch(source=source, table=table, problems=problems or [])
