"""``python3 dev.py test`` (and so ``.ci/run``) tests both paths: with the C extension and without.

The steps are checked with ``dev.run`` replaced, so no suite runs inside the
suite: ruff, mypy, pytest with the extension on, pytest with
``AUDITVIEWER_NATIVE=0`` (the ``installed_wheel`` tests left out); the first
failing step ends the run with its code; pytest's exit 5 (no tests selected)
passes only in the second pass.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Steps:
    """Stands in for dev.run: records each command and answers with the next exit code."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, args: list[str], env: dict[str, str] | None = None) -> int:
        assert env is not None
        self.calls.append((args, env))
        return self.codes[len(self.calls) - 1]


def run_test(monkeypatch: pytest.MonkeyPatch, codes: list[int], extra: list[str]) -> tuple[int, Steps]:
    dev = _load_dev()
    steps = Steps(codes)
    monkeypatch.setattr(dev, "run", steps)
    monkeypatch.delenv("AUDITVIEWER_NATIVE", raising=False)
    return dev.test(extra), steps


def test_both_passes_run_with_the_extension_on_then_off(monkeypatch: pytest.MonkeyPatch) -> None:
    code, steps = run_test(monkeypatch, [0, 0, 0, 0], ["-x", "-q"])
    assert code == 0
    (ruff, ruff_env), (mypy, _), (first, first_env), (second, second_env) = steps.calls
    assert ruff[1:4] == ["-m", "ruff", "check"] and mypy[1:] == ["-m", "mypy"]
    assert first[1:] == ["-m", "pytest", "-x", "-q"]
    assert first_env["AUDITVIEWER_NATIVE"] == "1"
    assert second[1:] == ["-m", "pytest", "-m", "not installed_wheel", "-x", "-q"]
    assert second_env["AUDITVIEWER_NATIVE"] == "0"
    for env in (ruff_env, first_env, second_env):
        assert env["QT_QPA_PLATFORM"] == "offscreen"


@pytest.mark.parametrize(
    ("codes", "expected", "steps_run"),
    [
        ([0, 0, 1, 0], 1, 3),  # the first pass fails: no second pass
        ([0, 0, 0, 1], 1, 4),  # only the extension-off pass fails
        ([0, 0, 0, 5], 0, 4),  # nothing left for the second pass to run
        ([0, 0, 5, 0], 5, 3),  # nothing collected at all is a failure
        ([0, 2, 0, 0], 2, 2),  # mypy
        ([0, 0, 0, -9], -9, 4),  # killed by a signal: sys.exit(-9) is a non-zero status
    ],
)
def test_any_failing_step_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, codes: list[int], expected: int, steps_run: int
) -> None:
    code, steps = run_test(monkeypatch, codes, [])
    assert code == expected
    assert len(steps.calls) == steps_run


def test_the_marks_are_registered_and_ci_runs_dev_py() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_options = config["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in pytest_options["addopts"]
    marks = {m.split(":", 1)[0] for m in pytest_options["markers"]}
    assert {"native", "installed_wheel"} <= marks
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec python3 dev.py test\n" in ci
