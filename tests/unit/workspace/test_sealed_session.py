"""The viewer's loader (load_session) on a sealed workspace: the sealed report and states,
nothing verified again, memory applied again; cancelled, nothing is left open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.core.errors import Cancelled
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import content
from auditviewer.workspace import store_session as loader
from auditviewer.workspace.seal import seal_path
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import load_session
from tests.helpers.vectors import VECTOR_KEY, VECTORS


class Ctx:
    cancelled = False

    def __init__(self, memory: CheckpointMemory | None = None) -> None:
        self.trust = [VECTOR_KEY]
        self.memory = memory
        self.partials: list[Any] = []
        self.stored: list[int] = []

    def progress(self, *a: Any, **k: Any) -> None:
        pass

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        self.stored.append(count)

    def partial(self, value: Any) -> None:
        self.partials.append(value)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "workspaces"


def test_a_sealed_workspace_loads_with_its_sealed_report_and_states(
    on_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = CheckpointMemory(folder=tmp_path / "memory")
    path = str(VECTORS / "modified-entry")
    first = load_session([path], Ctx(memory))
    report = first.report
    first.close()
    assert not first.sealed and report is not None and report.status == "failed"
    [database] = sorted(on_disk.glob("*.duckdb"))
    # The first load remembered the checkpoints: the second verifies with them fed, and seals.
    second = load_session([path], Ctx(memory))
    second.close()
    assert seal_path(database).exists()

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sealed workspace was verified again")

    monkeypatch.setattr(loader, "verify_with_memory", refused)
    monkeypatch.setattr(loader, "verify_workspace", refused)
    ctx = Ctx(memory)
    session = load_session([path], ctx)
    try:
        assert session.sealed and session.finished and ctx.partials == [session]
        assert session.report == second.report
        assert session.report is not None and session.report.status == "failed"
        assert ctx.stored[-1] == 3000 and session.total() == 3000
        assert session.view(FilterState(query="status:failed")).count() == 1024
        assert session.view(FilterState(query="status:verified")).count() == report.state_counts["verified"]
        assert session.remembered == 0  # remembered again, as after any load
        assert session.workspace is not None and session.keys
    finally:
        session.close()


def test_a_cancelled_sealed_load_closes_its_store(on_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(VECTORS / "modified-entry")
    load_session([path], Ctx()).close()
    closed: list[object] = []
    real = loader.Store.close

    def close(self: Any) -> None:
        closed.append(self)
        real(self)

    monkeypatch.setattr(loader.Store, "close", close)
    opened: list[object] = []
    real_open = loader.open_sealed

    ctx = Ctx()

    def open_sealed(*args: Any, **kwargs: Any) -> Any:
        sealed, why = real_open(*args, **kwargs)
        opened.append(sealed.store if sealed is not None else why)
        ctx.cancelled = True  # once the sealed store is open
        return sealed, why

    monkeypatch.setattr(loader, "open_sealed", open_sealed)
    with pytest.raises(Cancelled):
        load_session([path], ctx)
    assert isinstance(opened[0], loader.Store)  # the sealed path
    assert opened[0] in closed and not ctx.partials


def test_cancel_while_the_files_are_hashed_stops_the_load(on_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sealed 10M-entry export takes seconds to hash: Cancel is asked between reads."""
    path = str(VECTORS / "modified-entry")
    load_session([path], Ctx()).close()
    monkeypatch.setattr(content, "HASH_CHUNK", 4096)
    phases: list[tuple[str, int, int]] = []

    class Cancelling(Ctx):
        @property  # type: ignore[override]
        def cancelled(self) -> bool:
            return len(phases) >= 3

        def progress(self, phase: str, done: int, total: int, **k: Any) -> None:
            phases.append((phase, done, total))

    ctx = Cancelling()
    with pytest.raises(Cancelled):
        load_session([path], ctx)
    assert phases and {phase for phase, _, _ in phases} == {"Checking the files"}
    assert len(phases) == 3 and phases[-1][1] < phases[-1][2]  # stopped early, not at the end
    assert not ctx.partials
