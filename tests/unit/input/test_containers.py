"""Containers refuse hostile archives: zip slip, bombs, symlinks out of a bundle, truncation."""

from __future__ import annotations

import gzip
import io
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from auditviewer.core.errors import InputError, LimitError
from auditviewer.core.limits import Limits
from auditviewer.input.containers import (
    FolderContainer,
    HashingReader,
    ZipContainer,
    decompressed,
    open_container,
)


def test_zip_with_one_top_folder_is_read_from_inside(vectors: Path) -> None:
    zc = ZipContainer(vectors / "valid-parquet.zip")
    assert "manifest.json" in zc.names()


@pytest.mark.parametrize("member", ["../evil.jsonl", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b"])
def test_zip_members_that_leave_the_archive_are_refused(tmp_path: Path, member: str) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", "{}")
        z.writestr(member, "x")
    with pytest.raises(InputError, match="refusing the whole zip"):
        ZipContainer(path)
    assert not (tmp_path.parent / "evil.jsonl").exists()


def test_truncated_zip_is_an_input_error_naming_the_file(tmp_path: Path, vectors: Path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes((vectors / "valid-parquet.zip").read_bytes()[:300])
    with pytest.raises(InputError) as info:
        open_container(path)
    assert str(path) in str(info.value)


def test_zip_member_with_huge_ratio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("entries.jsonl", b"\0" * (64 << 20))
    with pytest.raises(LimitError, match="compression ratio"):
        ZipContainer(path)


def test_too_many_zip_members_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(12):
            z.writestr(f"f{i}", "x")
    with pytest.raises(LimitError, match="max_zip_members"):
        ZipContainer(path, limits=Limits(max_zip_members=10))


def _zeros_gzip(path: Path, gib: int) -> None:
    # A gzip file may hold several members back to back; repeating one member of
    # 64 MiB of zeros makes a `gib` GiB bomb in a few MiB without compressing it all.
    member = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    with open(path, "wb") as out:
        for _ in range(gib * 16):
            out.write(member)


def test_gzip_bomb_is_refused_quickly_and_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    _zeros_gzip(path, 4)
    assert path.stat().st_size < 64 << 20
    tracemalloc.start()
    started = time.monotonic()
    with open(path, "rb") as raw:
        stream = decompressed(HashingReader(raw), name=str(path), gz=True, limits=Limits())
        with pytest.raises(LimitError, match="compression ratio"):
            while stream.read(1 << 20):
                pass
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5
    assert peak < 256 << 20


def test_symlink_out_of_a_bundle_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "manifest.json").write_text("{}")
    os.symlink(secret, bundle / "checkpoints.jsonl")
    with pytest.raises(InputError, match="symlink points outside"):
        FolderContainer(bundle)


def test_symlink_inside_a_bundle_folder_is_allowed(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "a.jsonl").write_text("x\n")
    os.symlink(bundle / "a.jsonl", bundle / "b.jsonl")
    assert FolderContainer(bundle).names() == ["a.jsonl", "b.jsonl"]


def test_missing_path_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_container(tmp_path / "nope")


def test_hashing_reader_counts_and_hashes() -> None:
    import hashlib

    reader = HashingReader(io.BytesIO(b"hello world"))
    assert reader.read(5) == b"hello"
    reader.drain()
    assert reader.count == 11
    assert reader.sha256.hexdigest() == hashlib.sha256(b"hello world").hexdigest()
