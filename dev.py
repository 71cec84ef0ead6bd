#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+.

    python3 dev.py demo    open the viewer on the built-in demo bundle
    python3 dev.py test    ruff, mypy, then the whole test suite twice (Qt offscreen):
                           with the C extension, then without it (AUDITVIEWER_NATIVE=0)

Both create ``.venv`` beside this file on first use (and refresh it when
``pyproject.toml``, ``setup.py`` or the C sources in ``csrc/`` change), install the project into it in editable mode with
its test extras, then run inside it.

The suite runs twice because the C extension is optional: a machine without
a C compiler (an sdist installed there, a platform the extension does not
build for) runs the Python code, which must give the same results. The second
pass turns the extension off; tests marked ``native`` (they call the extension
itself) skip there, and so do the ``installed_wheel`` tests (the wheel does not
change with the switch). Arguments after ``test`` go to both pytest runs. A
pass that selects no test (pytest's exit 5, e.g. ``-k`` naming only
extension tests) counts as passed in the second pass only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".auditviewer-installed"


def _want() -> str:
    # What the install depends on: the project file, and the C extension's build and sources
    # (an editable install builds the extension once; changed sources need a new build).
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", ROOT / "setup.py", *sorted((ROOT / "csrc").glob("*.[ch]"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py must run on an old Python to say so
        sys.exit("AuditViewer needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _want():
        return
    print("installing AuditViewer and its test tools into .venv …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(_want())


def run(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run(args, cwd=ROOT, env=env).returncode


# pytest's exit code when it selected no test.
NO_TESTS_COLLECTED = 5


def test(extra: list[str]) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # Tests must never read or write the person's own trust store or cache.
    env.setdefault("AUDITVIEWER_TRUST_STORE", os.devnull)
    pytest = [str(PYTHON), "-m", "pytest"]
    # (command, environment, exit codes that count as passed)
    steps: list[tuple[list[str], dict[str, str], set[int]]] = [
        ([str(PYTHON), "-m", "ruff", "check", "auditviewer", "tests", "benchmarks", "dev.py"], env, {0}),
        ([str(PYTHON), "-m", "mypy"], env, {0}),
        ([*pytest, *extra], dict(env, AUDITVIEWER_NATIVE="1"), {0}),
        (
            [*pytest, "-m", "not installed_wheel", *extra],
            dict(env, AUDITVIEWER_NATIVE="0"),
            {0, NO_TESTS_COLLECTED},
        ),
    ]
    for step, step_env, passed in steps:
        shown = " ".join(Path(s).name if i == 0 else s for i, s in enumerate(step))
        if step_env.get("AUDITVIEWER_NATIVE") == "0":
            shown = "AUDITVIEWER_NATIVE=0 " + shown
        print("$", shown, flush=True)
        code = run(step, step_env)
        if code not in passed:
            return code or 1
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "demo":
        return run([str(BIN / "auditviewer"), "demo", *argv[1:]])
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
