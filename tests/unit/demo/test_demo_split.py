"""The sample generator after its split (world, events, entries, writer): the package keeps the
public names, the bundle reaches its path through the one atomic writer, the makers are named."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import auditviewer.demo as demo
from auditviewer.core import atomic
from auditviewer.core.errors import ExportError
from auditviewer.demo import events, write_sample_bundle


def test_the_package_keeps_the_names_callers_use() -> None:
    from auditviewer.core import domain

    for name in demo.__all__:
        home = demo.writer if hasattr(demo.writer, name) else domain  # the vocabulary lives in core
        assert getattr(demo, name) is getattr(home, name)
    assert not hasattr(demo, "sample")


def test_every_event_maker_is_named_for_what_it_makes() -> None:
    names = [t.meta.__name__ for t in events.TEMPLATES]
    assert not [n for n in names if n.startswith("_m_")]
    # One maker per kind of event (a transfer is the same for deployments and builders).
    assert len(set(names)) == len(names) - 1


def test_a_partial_left_by_a_crashed_writer_is_swept(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the default pid_max: no such process
    while True:
        try:
            os.kill(dead, 0)
        except ProcessLookupError:
            break
        dead += 1
    stale = tmp_path / f"{atomic.PARTIAL_PREFIX}new-{dead}-00ff00ff.b"
    stale.mkdir()
    (stale / "manifest.json").write_text("{}")
    write_sample_bundle(tmp_path / "b", entries=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


@pytest.mark.parametrize("zip_", [False, True])
def test_a_full_disk_when_publishing_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zip_: bool
) -> None:
    def full(staged: Path, target: Path, *, overwrite: bool) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "publish", full)
    out = tmp_path / ("b.zip" if zip_ else "b")
    with pytest.raises(ExportError) as info:
        write_sample_bundle(out, entries=10, zip_=zip_)
    assert str(info.value) == f"{out}: cannot be put in place (the disk is full)"
    assert list(tmp_path.iterdir()) == []
