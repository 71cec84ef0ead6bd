"""Memory or a file is chosen by the entry text a store will hold, not by the export's size.

An in-memory DuckDB table is not compressed: 1M entries in 93 MB of Parquet (491 MB of
text) took the viewer to 1.58 GB in memory (issue 12). The Parquet footer and the gzip
trailer say how large the text is without reading it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditviewer.input.containers import gzip_inflated_size
from auditviewer.input.formats.parquet import entry_text_bytes as parquet_text_bytes
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace.cache import choose_database, entry_text_bytes
from auditviewer.workspace.inputs import open_workspace
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
LEAVES = [make_entry(seq, metadata={"note": "repeated " * 200}) for seq in range(300)]
TEXT = sum(len(leaf) + 1 for leaf in LEAVES)


def _bundle_with(tmp_path: Path, name: str, data: bytes) -> Path:
    """A bundle whose one entry file is ``entries/<name>`` holding ``data``, listed in its manifest."""
    folder = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[len(LEAVES)], key=KEY)
    (folder / "entries" / "part-00000.jsonl").unlink()
    (folder / "entries" / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0] = {
        "path": f"entries/{name}",
        "role": "entries",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _parquet_bytes(tmp_path: Path) -> bytes:
    table = pa.table({"seq": pa.array(range(len(LEAVES)), pa.int64()), "entry": pa.array(LEAVES, pa.binary())})
    path = tmp_path / "scratch.parquet"
    pq.write_table(table, path, compression="zstd")
    return path.read_bytes()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(folder))
    return folder


def test_a_compressed_parquet_file_counts_by_its_entry_text(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _bundle_with(tmp_path, "part-00000.parquet", _parquet_bytes(tmp_path))
    workspace = open_workspace([folder])
    try:
        file_size = workspace.total_bytes
        text = entry_text_bytes(workspace)
        assert file_size * 5 < text  # the leaves compress well
        assert TEXT - len(LEAVES) <= text <= TEXT * 1.05  # the text, a length per value, page headers
        # Between the two: the export is small, its text is not.
        monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", (file_size + text) // 2)
        choice = choose_database(workspace)
        assert choice.database != ":memory:"
        monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", text + 1)
        assert choose_database(workspace).database == ":memory:"
    finally:
        workspace.close()


def test_a_gzip_file_counts_by_its_inflated_size(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"".join(leaf + b"\n" for leaf in LEAVES)
    folder = _bundle_with(tmp_path, "part-00000.jsonl.gz", gzip.compress(body))
    assert gzip_inflated_size(folder / "entries" / "part-00000.jsonl.gz") == len(body)
    workspace = open_workspace([folder])
    try:
        assert entry_text_bytes(workspace) == len(body) > 5 * workspace.total_bytes
        monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", len(body) - 1)
        assert choose_database(workspace).database != ":memory:"
    finally:
        workspace.close()


def test_a_jsonl_file_counts_by_its_size(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "b", LEAVES, checkpoint_sizes=[len(LEAVES)], key=KEY)
    workspace = open_workspace([folder])
    try:
        assert entry_text_bytes(workspace) == workspace.total_bytes == TEXT
    finally:
        workspace.close()


def test_footers_and_trailers_that_cannot_say_count_nothing_extra(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not a footer")
    assert parquet_text_bytes(broken) is None
    short = tmp_path / "short.gz"
    short.write_bytes(b"\x1f")
    assert gzip_inflated_size(short) is None
    assert gzip_inflated_size(tmp_path / "absent.gz") is None
