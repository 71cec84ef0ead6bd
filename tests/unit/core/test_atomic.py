"""Atomic output (auditviewer.core.atomic): publish whole or not at all, never damage what was there."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditviewer.core import atomic
from auditviewer.core.atomic import (
    PARTIAL_PREFIX,
    SafeFile,
    atomic_output,
    publish,
    sweep_stale_partials,
)
from auditviewer.core.errors import Cancelled, ExportError


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(PARTIAL_PREFIX))


def test_a_file_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_output(target, overwrite=False) as staged:
        assert staged.parent == tmp_path and staged.name.endswith(".out.jsonl")
        with SafeFile(staged) as f:
            f.write(b"one\n")
        assert not target.exists()
    assert target.read_bytes() == b"one\n"
    assert leftovers(tmp_path) == []


def test_a_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    with atomic_output(target, overwrite=False, kind="dir") as staged:
        (staged / "manifest.json").write_text("{}")
        assert not target.exists()
    assert (target / "manifest.json").read_text() == "{}"
    assert oct(target.stat().st_mode & 0o777) == oct(0o755)


@pytest.mark.parametrize("error", [RuntimeError("boom"), Cancelled("stop"), KeyboardInterrupt()])
def test_an_error_leaves_the_old_target_and_no_partial(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(type(error)), atomic_output(target, overwrite=True) as staged:
        with SafeFile(staged) as f:
            f.write(b"new, half")
        raise error
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_existing_target_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    target.write_text("old")
    with pytest.raises(ExportError, match="already exists"), atomic_output(target, overwrite=False):
        pass  # pragma: no cover - refused on entry
    assert target.read_text() == "old"


def test_target_created_meanwhile_is_not_clobbered(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(ExportError, match="already exists"), atomic_output(target, overwrite=False) as staged:
        with SafeFile(staged) as f:
            f.write(b"mine")
        target.write_text("someone else's")  # appeared while we wrote
    assert target.read_text() == "someone else's"
    assert leftovers(tmp_path) == []


def _earlier_export(folder: Path) -> None:
    """A folder recognisably an earlier bundle export (the only kind --force replaces)."""
    folder.mkdir()
    (folder / "old").write_text("old")
    (folder / "manifest.json").write_text('{"format": "audit-bundle", "files": [{"path": "old"}]}')


def test_overwrite_replaces_across_kinds(tmp_path: Path) -> None:
    target = tmp_path / "thing"
    _earlier_export(target)
    with atomic_output(target, overwrite=True, kind="file") as staged:
        staged.write_bytes(b"a file now")
    assert target.read_bytes() == b"a file now"
    with atomic_output(target, overwrite=True, kind="dir") as staged:
        (staged / "x").write_text("x")
    assert (target / "x").read_text() == "x"
    assert leftovers(tmp_path) == []


def test_failed_swap_puts_the_old_folder_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bundle"
    _earlier_export(target)
    staged = tmp_path / "staged"
    staged.mkdir()
    real_rename = os.rename

    def rename(src: object, dst: object) -> None:
        if Path(str(src)) == staged:
            raise OSError(errno.EIO, "I/O error")
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(OSError):
        publish(staged, target, overwrite=True)
    assert (target / "old").read_text() == "old"


def test_full_disk_is_an_export_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(file: object, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write", full)
    target = tmp_path / "out.jsonl"
    with pytest.raises(ExportError) as caught, atomic_output(target, overwrite=False) as staged, SafeFile(
        staged, label=str(target)
    ) as f:
        f.write(b"x")
    assert str(target) in str(caught.value) and "disk is full" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"), atomic_output(tmp_path / "no" / "x.csv", overwrite=False):
        pass  # pragma: no cover


def test_stale_partials_of_dead_processes_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    # A process that has exited: its pid is free (or at least not this one's child any more).
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    stale = tmp_path / f"{PARTIAL_PREFIX}new-{dead}-abcd1234.out.zip"
    stale.write_bytes(b"half")
    alive = tmp_path / f"{PARTIAL_PREFIX}new-{os.getppid()}-abcd1234.out.zip"
    alive.write_bytes(b"still writing")
    other = tmp_path / f"{PARTIAL_PREFIX}new-{dead}-abcd1234.other.zip"
    other.write_bytes(b"not ours")
    removed = sweep_stale_partials(target)
    assert removed == [stale] or not _pid_free(dead)
    assert alive.exists() and other.exists()


def _pid_free(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def test_write_file_replaces_a_file_whole_and_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    atomic.write_file(target, b"new")
    assert target.read_bytes() == b"new" and synced
    assert leftovers(tmp_path) == []


def test_write_file_on_a_full_disk_keeps_the_old_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(file: object, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write", full)
    target = tmp_path / "keys.txt"
    target.write_bytes(b"old")
    with pytest.raises(ExportError, match=r"the trust store .*disk is full"):
        atomic.write_file(target, b"new", label=f"the trust store {target}")
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []
