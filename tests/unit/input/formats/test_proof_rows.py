"""Issue 11.8: proofs are read as arrays and bounded by what the slice's checkpoints can need."""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.core.errors import InputError, LimitError
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.input.formats.parquet import ProofRows, read_proof
from auditviewer.workspace.inputs import open_workspace
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()


def _proof(seqs: pa.Array, hashes: pa.Array) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(
        pa.table({"seq": seqs, "leaf_hash": hashes}),
        buffer,
        compression="zstd",
        use_dictionary=True,
        row_group_size=1 << 20,
    )
    return buffer.getvalue()


def _repeated(rows: int) -> bytes:
    return _proof(pa.repeat(pa.scalar(1, pa.int64()), rows), pa.repeat(pa.scalar(b"\x01" * 32, pa.binary()), rows))


def _with_proof(folder: Path, proof: bytes) -> Path:
    bundle = write_bundle(folder, [make_entry(i) for i in range(16)], checkpoint_sizes=[16], key=KEY)
    (bundle / "proof").mkdir()
    (bundle / "proof" / "leaf_hashes.parquet").write_bytes(proof)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"].append(
        {
            "path": "proof/leaf_hashes.parquet",
            "role": "proof",
            "sha256": hashlib.sha256(proof).hexdigest(),
            "size": len(proof),
        }
    )
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    return bundle


def test_a_small_file_of_millions_of_repeated_rows_is_refused_from_its_footer(tmp_path: Path) -> None:
    proof = _repeated(3_000_000)
    assert len(proof) < 200_000
    bundle = _with_proof(tmp_path / "b", proof)
    started = time.perf_counter()
    with pytest.raises(LimitError, match="more than the 1000016 its checkpoints can need") as caught:
        open_workspace([bundle])
    assert time.perf_counter() - started < 2.0
    assert "proof/leaf_hashes.parquet" in str(caught.value)


def test_rows_are_arrays_not_python_objects(tmp_path: Path) -> None:
    seqs = pa.array(range(0, 2_000, 2), pa.int64())
    hashes = pa.array([hashlib.sha256(str(i).encode()).digest() for i in range(1_000)], pa.binary())
    rows = read_proof(io.BytesIO(_proof(seqs, hashes)), label="p", needed=2_000)
    assert isinstance(rows, ProofRows) and len(rows) == 1_000
    assert rows.seqs.type == pa.int64() and rows.hashes.type == pa.binary(32)
    assert list(rows)[:2] == [(0, hashes[0].as_py()), (2, hashes[1].as_py())]


def test_a_proof_within_the_bound_and_its_unsigned_tail_is_read() -> None:
    rows = 16 + DEFAULT_LIMITS.max_proof_tail_rows
    data = _proof(pa.array(range(rows), pa.int64()), pa.repeat(pa.scalar(b"\x02" * 32, pa.binary()), rows))
    assert len(read_proof(io.BytesIO(data), label="p", needed=16)) == rows
    with pytest.raises(LimitError):
        read_proof(io.BytesIO(data), label="p", needed=15)


@pytest.mark.parametrize(
    ("seqs", "hashes", "line"),
    [
        ([0, -1], [b"\x00" * 32, b"\x00" * 32], 2),
        ([0, None], [b"\x00" * 32, b"\x00" * 32], 2),
        ([0, 1], [b"\x00" * 32, b"\x00" * 31], 2),
        ([0, 1], [None, b"\x00" * 32], 1),
    ],
)
def test_bad_rows_name_their_row(seqs: list[int | None], hashes: list[bytes | None], line: int) -> None:
    data = _proof(pa.array(seqs, pa.int64()), pa.array(hashes, pa.binary()))
    with pytest.raises(InputError, match="proof row is not") as caught:
        read_proof(io.BytesIO(data), label="p", needed=10)
    assert caught.value.line == line
