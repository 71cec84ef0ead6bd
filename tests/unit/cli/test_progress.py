"""The command line's progress line: on a terminal only, throttled, erased; pipes and --json see nothing new."""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditviewer.cli import main
from auditviewer.cli import progress as terminal_progress
from auditviewer.cli.progress import ProgressLine, wanted
from auditviewer.input.formats import jsonl
from auditviewer.workspace import inputs as workspace_module
from auditviewer.workspace.inputs import open_workspace


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Batch:
    def __init__(self, rows: int) -> None:
        self.num_rows = rows


def test_nothing_before_the_first_draw_then_throttled_to_ten_a_second() -> None:
    out, clock = FakeTerminal(), Clock()
    line = ProgressLine("verifying", stream=out, clock=clock)
    for _ in range(40):  # 0.4 s of batches every 10 ms: too soon to show anything
        clock.now += 0.01
        line.batch(Batch(1000))
    assert out.getvalue() == ""
    for _ in range(100):  # one more second, a call every 10 ms
        clock.now += 0.01
        line.batch(Batch(1000))
        line.bytes_read(int(clock.now * 10) - 1000, 1000)
    draws = out.getvalue().count("\r")
    assert 8 <= draws <= 11


def test_the_line_says_entries_fraction_rate_and_time_left() -> None:
    out, clock = FakeTerminal(), Clock()
    line = ProgressLine("verifying", stream=out, clock=clock)
    clock.now += 2.0
    line.batch(Batch(400_000))
    assert out.getvalue() == "\rverifying  400,000 entries  200,000 entries/s"
    line.bytes_read(250, 1000)  # within the same tenth of a second: not drawn, but known
    assert line.text() == "verifying  400,000 entries  25%  200,000 entries/s  0:06 left"
    line = ProgressLine("writing sample", stream=out, clock=clock)
    clock.now += 4.0
    line.entries_done(500, 1000)
    assert line.text() == "writing sample  500 of 1,000 entries  50%  125 entries/s  0:04 left"


def test_erase_covers_the_line_and_returns_the_cursor() -> None:
    out, clock = FakeTerminal(), Clock()
    with ProgressLine("verifying", stream=out, clock=clock) as line:
        clock.now += 1.0
        line.batch(Batch(5))
        drawn = out.getvalue()
    assert out.getvalue() == drawn + "\r" + " " * (len(drawn) - 1) + "\r"
    line.erase()  # twice: nothing more
    assert out.getvalue().endswith(" \r")


def test_a_redraw_covers_a_longer_line_before_it() -> None:
    out, clock = FakeTerminal(), Clock()
    line = ProgressLine("x", stream=out, clock=clock)
    clock.now += 2.0
    line.batch(Batch(1_000_000))
    first = out.getvalue()
    line.stage("y")
    clock.now += 1.0
    line.units_done(1, 2)
    second = out.getvalue()[len(first) :]
    assert second.startswith("\ry  50%") and len(second) == len(first)


def test_the_line_is_cut_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal_progress, "_width", lambda stream: 20)
    out, clock = FakeTerminal(), Clock()
    line = ProgressLine("verifying", stream=out, clock=clock)
    clock.now += 2.0
    line.batch(Batch(400_000))
    assert out.getvalue() == "\r" + "verifying  400,000 entries"[:19]


def test_not_a_terminal_or_quiet_means_nothing() -> None:
    for out, quiet in ((io.StringIO(), False), (FakeTerminal(), True)):
        clock = Clock()
        with ProgressLine("verifying", stream=out, quiet=quiet, clock=clock) as line:
            clock.now += 5.0
            line.batch(Batch(5))
            line.bytes_read(1, 2)
            line.entries_done(1, 2)
        assert out.getvalue() == "" and not line.enabled
    assert not wanted(io.StringIO()) and wanted(FakeTerminal()) and not wanted(FakeTerminal(), quiet=True)


def test_a_closed_terminal_does_not_stop_the_work() -> None:
    out, clock = FakeTerminal(), Clock()
    line = ProgressLine("verifying", stream=out, clock=clock)
    out.close()
    clock.now += 2.0
    line.batch(Batch(5))
    assert not line.enabled


def test_progress_moves_within_one_jsonl_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pieces of 1 MiB instead of 16 (a file of 30,000 entries is read in one otherwise)
    monkeypatch.setattr(workspace_module, "read_jsonl", functools.partial(jsonl.read_jsonl, segment_bytes=2**20))
    assert main(["sample", str(tmp_path / "s"), "--entries", "30000", "--quiet"]) == 0
    workspace = open_workspace([tmp_path / "s"])
    assert len(workspace.entry_files) == 1
    calls: list[tuple[int, int]] = []
    try:
        for _ in workspace.iter_batches(progress=lambda done, total: calls.append((done, total))):
            pass
    finally:
        workspace.close()
    total = calls[-1][1]
    assert calls[-1][0] == total
    inside = [done for done, _ in calls if 0 < done < total]
    assert inside and inside == sorted(inside)


def test_progress_moves_within_one_parquet_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.demo import writer as sample

    monkeypatch.setattr(sample, "PARQUET_ROW_GROUP", 4096)  # several row groups in a small file
    assert main(["sample", str(tmp_path / "p"), "--entries", "20000", "--format", "parquet", "--quiet"]) == 0
    workspace = open_workspace([tmp_path / "p"])
    calls: list[tuple[int, int]] = []
    try:
        for _ in workspace.iter_batches(progress=lambda done, total: calls.append((done, total))):
            pass
    finally:
        workspace.close()
    total = calls[-1][1]
    inside = [done for done, _ in calls if 0 < done < total]
    assert calls[-1][0] == total and len(inside) >= 2 and inside == sorted(inside)


# -- the commands, on a pseudo-terminal --------------------------------------------------


class PtyStderr:
    """sys.stderr on a pseudo-terminal (the line drawn at once, every time); ``text()``: what it got.

    ``attach()`` is called in the test itself: pytest's capture puts its own
    sys.stderr back when the test starts, over anything a fixture set.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.master, slave = os.openpty()
        self.stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
        self.received: list[bytes] = []
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.received.append(chunk)

    def attach(self) -> None:
        self.monkeypatch.setattr(sys, "stderr", self.stream)
        self.monkeypatch.setattr(terminal_progress, "FIRST_DRAW_AFTER", 0.0)
        self.monkeypatch.setattr(terminal_progress, "MIN_INTERVAL", 0.0)

    def text(self) -> str:
        self.stream.flush()
        self.stream.close()  # the reader sees the end once the slave is closed
        self.reader.join(timeout=10)
        return b"".join(self.received).decode()

    def close(self) -> None:
        if not self.stream.closed:
            self.stream.close()
        os.close(self.master)


@pytest.fixture
def pty_stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[PtyStderr]:
    pty = PtyStderr(monkeypatch)
    yield pty
    pty.close()


def _sample(tmp_path: Path, capsys: pytest.CaptureFixture[str], entries: int = 3000) -> tuple[Path, str]:
    assert main(["sample", str(tmp_path / "s"), "--entries", str(entries), "--quiet"]) == 0
    key = capsys.readouterr().out.splitlines()[1].split(": ", 1)[1]
    return tmp_path / "s", key


def _assert_shown_and_erased(text: str, label: str) -> None:
    assert text.startswith("\r" + label), text
    assert "entries" in text or "%" in text
    # the last thing written: the last line covered by spaces, the cursor back at its start
    before, erase = text[:-1].rsplit("\r", 1)
    last_drawn = before.rsplit("\r", 1)[1]
    assert text.endswith("\r") and erase == " " * len(erase) and len(erase) >= len(last_drawn.rstrip())


def test_verify_on_a_terminal_shows_progress_and_erases_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pty_stderr: PtyStderr
) -> None:
    bundle, key = _sample(tmp_path, capsys)
    pty_stderr.attach()
    assert main(["verify", str(bundle), "--trust", key, "--json"]) == 0
    shown = capsys.readouterr().out
    _assert_shown_and_erased(pty_stderr.text(), "verifying")
    assert main(["verify", str(bundle), "--trust", key, "--json", "--quiet"]) == 0
    assert capsys.readouterr().out == shown  # --json output unchanged
    assert json.loads(shown)["status"] == "verified"


def test_verify_remember_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pty_stderr: PtyStderr
) -> None:
    bundle, key = _sample(tmp_path, capsys)
    pty_stderr.attach()
    assert main(["verify", str(bundle), "--trust", key, "--remember"]) == 0
    text = pty_stderr.text()
    assert text.startswith("\rverifying") and "auditviewer: remembered" in text
    # the line is erased before the note about remembered checkpoints is printed
    progress = text.split("auditviewer: remembered", 1)[0]
    assert progress.endswith("\r") and progress.rstrip("\r").endswith(" ")


def test_quiet_shows_nothing_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pty_stderr: PtyStderr
) -> None:
    bundle, key = _sample(tmp_path, capsys)
    pty_stderr.attach()
    assert main(["verify", str(bundle), "--trust", key, "--quiet"]) == 0
    assert main(["query", str(bundle), "--trust", key, "--count", "--quiet"]) == 0
    assert pty_stderr.text() == ""


def test_sample_on_a_terminal(tmp_path: Path, pty_stderr: PtyStderr) -> None:
    pty_stderr.attach()
    assert main(["sample", str(tmp_path / "s"), "--entries", "3000"]) == 0
    _assert_shown_and_erased(pty_stderr.text(), "writing sample")


def test_query_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pty_stderr: PtyStderr
) -> None:
    bundle, key = _sample(tmp_path, capsys)
    pty_stderr.attach()
    assert main(["query", str(bundle), "--trust", key, "--count"]) == 0
    assert capsys.readouterr().out.strip() == "3000"
    _assert_shown_and_erased(pty_stderr.text(), "reading")


def test_export_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pty_stderr: PtyStderr
) -> None:
    bundle, key = _sample(tmp_path, capsys)
    pty_stderr.attach()
    assert main(["export", str(bundle), "--trust", key, "-q", "seq:<100", "--out", str(tmp_path / "x.zip")]) == 0
    text = pty_stderr.text()
    _assert_shown_and_erased(text, "reading")
    assert "\rexporting" in text


def test_through_a_pipe_nothing_extra_appears(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle, key = _sample(tmp_path, capsys, entries=30000)
    env: dict[str, Any] = {**os.environ}
    run = [sys.executable, "-m", "auditviewer"]
    for args in (
        ["verify", str(bundle), "--trust", key],
        ["query", str(bundle), "--trust", key, "--count"],
        ["sample", str(tmp_path / "t"), "--entries", "30000"],
    ):
        done = subprocess.run([*run, *args], capture_output=True, text=True, env=env, check=False, timeout=300)
        assert done.returncode == 0 and done.stderr == "", (args, done.stderr)
        assert "\r" not in done.stdout
