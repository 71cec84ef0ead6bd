"""Issue 11.13: a zip's central directory is counted as it is read and refused at the member limit."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest

from auditviewer.core.errors import LimitError
from auditviewer.core.limits import Limits
from auditviewer.input.containers import ZipContainer


def _zip_bytes(members: int, *, zip64: bool = False, declared: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        for index in range(members):
            archive.writestr(f"entries/m{index:06d}.jsonl", b"")
    data = buffer.getvalue()
    if zip64:
        return _as_zip64(data, declared)
    return data if declared is None else _declaring(data, declared)


def _declaring(data: bytes, declared: int) -> bytes:
    """The same zip, its end record rewritten to declare ``declared`` members."""
    at = data.rfind(b"PK\x05\x06")
    fields = list(struct.unpack_from("<4s4H2LH", data, at))
    fields[3] = fields[4] = declared
    return data[:at] + struct.pack("<4s4H2LH", *fields) + data[at + 22 :]


def _as_zip64(data: bytes, declared: int | None) -> bytes:
    """Add a zip64 end record and locator (as a zip of more than 65,535 members has)."""
    at = data.rfind(b"PK\x05\x06")
    _, _, _, _, total, size_cd, offset_cd, _ = struct.unpack_from("<4s4H2LH", data, at)
    total = total if declared is None else declared
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, total, total, size_cd, offset_cd)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:at] + record + locator + end


@pytest.mark.parametrize("zip64", [False, True])
def test_directory_larger_than_declared_is_refused_at_the_limit(tmp_path: Path, zip64: bool) -> None:
    data = _zip_bytes(3_000, zip64=zip64, declared=3)
    path = tmp_path / "lying.zip"
    path.write_bytes(data)
    with pytest.raises(LimitError, match="holds more than 100 members") as caught:
        ZipContainer(path, limits=Limits(max_zip_members=100))
    assert str(path) in str(caught.value)


def test_declared_count_above_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(_zip_bytes(150))
    with pytest.raises(LimitError, match="declares 150 members"):
        ZipContainer(path, limits=Limits(max_zip_members=100))


@pytest.mark.parametrize("zip64", [False, True])
def test_zips_within_the_limit_open(tmp_path: Path, zip64: bool) -> None:
    path = tmp_path / "fine.zip"
    path.write_bytes(_zip_bytes(100, zip64=zip64))
    container = ZipContainer(path, limits=Limits(max_zip_members=100))
    try:
        assert len(container.names()) == 100
    finally:
        container.close()


def test_millions_of_records_are_not_read(tmp_path: Path) -> None:
    """1M minimal records behind an end record declaring 3: refused after 101 of them."""
    record = struct.pack("<4s24x3H12x", b"PK\x01\x02", 1, 0, 0) + b"x"
    directory = record * 1_000_000
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 3, 3, len(directory), 0, 0)
    path = tmp_path / "huge.zip"
    path.write_bytes(directory + end)
    started = time.perf_counter()
    with pytest.raises(LimitError, match="holds more than 100 members"):
        ZipContainer(path, limits=Limits(max_zip_members=100))
    assert time.perf_counter() - started < 1.0
