"""``auditviewer cache list`` and ``cache clear``; ``query`` saying where its database went."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import cache_folder
from auditviewer.workspace.cache_folder import DatabaseRecord, ExportRecord
from auditviewer.workspace.cache_folder.records import now_ms
from tests.helpers.vectors import VECTORS

BUNDLE = VECTORS / "valid-jsonl"
DAY_MS = 86_400_000


@pytest.fixture
def folder() -> Path:
    where = cache_folder.folder()
    where.mkdir(parents=True)
    return where


def _database(where: Path, name: str, *, days_ago: float, export: str, size: int = 2000) -> Path:
    path = where / f"workspace-{name}.duckdb"
    path.write_bytes(b"\0" * size)
    opened = now_ms() - int(days_ago * DAY_MS)
    cache_folder.write_record(path, DatabaseRecord(name, [ExportRecord(export, 886_000_000, 1)], opened, opened))
    return path


def test_list_shows_each_database_its_exports_sizes_and_last_opening(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "5MB")
    old = _database(folder, "old", days_ago=10, export="/exports/march.zip")
    new = _database(folder, "new", days_ago=0, export="/exports/evil\x1b[2J\u202egpj.zip", size=3000)
    sizes = {path: path.stat().st_size + cache_folder.record_path(path).stat().st_size for path in (old, new)}
    assert main(["cache", "list"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"workspace-new.duckdb\t{cache_folder.format_size(sizes[new])}\tshared\tlast opened ")
    assert "/exports/evil⟨U+001B⟩[2J⟨U+202E⟩gpj.zip\t886.0 MB" in lines[1]
    assert "\x1b" not in out and "\u202e" not in out
    assert lines[2].startswith(f"workspace-old.duckdb\t{cache_folder.format_size(sizes[old])}\tshared\tlast opened ")
    assert lines[3].strip() == "/exports/march.zip\t886.0 MB"
    total = cache_folder.format_size(sum(sizes.values()))
    assert lines[-1].endswith(f": 2 databases, {total} of a 5.0 MB limit (AUDITVIEWER_CACHE_LIMIT)")


def test_list_of_an_empty_cache_and_a_bad_limit(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "plenty")
    assert main(["cache", "list"]) == 0
    captured = capsys.readouterr()
    assert ": 0 databases, 0 bytes of a " in captured.out and "(default)" in captured.out
    assert captured.err.startswith("auditviewer: warning: AUDITVIEWER_CACHE_LIMIT: 'plenty' is not a size")


def test_clear_older_than_removes_only_old_databases_saying_what_was_freed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _database(folder, "old", days_ago=10, export="/exports/march.zip")
    new = _database(folder, "new", days_ago=1, export="/exports/june.zip")
    freed = old.stat().st_size + cache_folder.record_path(old).stat().st_size
    assert main(["cache", "clear", "--older-than", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "removed workspace-old.duckdb (made from /exports/march.zip)"
    assert out[-1].startswith("removed 1 database from ")
    assert out[-1].endswith(f", {cache_folder.format_size(freed)} freed")
    assert not old.exists() and new.exists()
    assert main(["cache", "clear"]) == 0
    assert not new.exists()
    assert capsys.readouterr().out.splitlines()[-1].startswith("removed 1 database from ")


def test_clear_never_removes_a_database_in_use(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / "workspace-held.duckdb"
    Store(database=path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["cache", "clear"]) == 0
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "kept workspace-held.duckdb: in use by a window or process"
    assert out[-1].startswith("removed 0 databases from ")
    assert path.exists()


@pytest.mark.parametrize("days", ["soon", "-1", "nan"])
def test_clear_refuses_a_bad_age(days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["cache", "clear", "--older-than", days])
    assert exit_.value.code == 2
    assert "is not a number of days" in capsys.readouterr().err


def test_query_says_when_its_database_is_a_temporary_file(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    monkeypatch.setenv("AUDITVIEWER_CACHE_LIMIT", "10kB")
    assert main(["query", str(BUNDLE), "-q", "seq:0..4", "--count"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "5"
    [note] = captured.err.splitlines()
    assert note.startswith("auditviewer: note: the workspace database (about ")
    assert note.endswith("would not fit in the cache's limit of 10.0 kB; kept in a temporary file removed on close")
    assert list(folder.iterdir()) == []
