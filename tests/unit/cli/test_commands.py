"""The command registry: each command a module with ``add_parser`` and ``run``, listed once."""

from __future__ import annotations

import argparse
import sys
import types
from typing import Any

import pytest

from auditviewer import cli
from auditviewer.cli import COMMANDS, EXIT_ERROR, build_parser, command, main


def test_every_command_module_is_listed_in_help_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    names = ["verify", "query", "export", "trust", "memory", "sample", "demo", "open", "notes", "report", "cache"]
    positions = [listed.index(f"\n    {name} ") for name in names]
    assert positions == sorted(positions)
    assert len(COMMANDS) == len(names)


def test_each_command_module_exposes_add_parser_and_run() -> None:
    for name in COMMANDS:
        module = command(name)
        assert callable(module.add_parser) and callable(module.run)
        assert module.__doc__, name  # type: ignore[attr-defined]


def _hello_module() -> types.ModuleType:
    module = types.ModuleType("auditviewer.cli.hello")

    def add_parser(subparsers: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = subparsers.add_parser("hello", help="say hello")
        p.add_argument("name")
        return p

    def run(args: argparse.Namespace) -> int:
        print(f"hello {args.name}")
        return 7

    module.add_parser = add_parser  # type: ignore[attr-defined]
    module.run = run  # type: ignore[attr-defined]
    return module


def test_a_new_command_is_one_entry_in_the_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "auditviewer.cli.hello", _hello_module())
    monkeypatch.setattr(cli, "COMMANDS", (*COMMANDS, "hello"))
    assert main(["hello", "world"]) == 7
    assert capsys.readouterr().out == "hello world\n"


def test_a_module_without_run_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _hello_module()
    del module.run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "auditviewer.cli.hello", module)
    monkeypatch.setattr(cli, "COMMANDS", (*COMMANDS, "hello"))
    with pytest.raises(TypeError, match="needs add_parser"):
        build_parser()


def test_an_unknown_command_is_one_usage_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["frobnicate"])
    assert stopped.value.code == EXIT_ERROR
    assert capsys.readouterr().err.splitlines()[-1].startswith("auditviewer: error: argument COMMAND")


def test_no_command_opens_the_viewer_with_no_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    monkeypatch.setattr(command("open_viewer"), "run", lambda args: seen.append(args) or 0)
    assert main([]) == 0
    assert seen[0].paths == [] and seen[0].quit_after is None
