#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+.

    python3 dev.py demo    open the viewer on the built-in demo bundle
    python3 dev.py test    run the whole test suite (Qt offscreen), ruff and mypy

Both create ``.venv`` beside this file on first use (and refresh it when
``pyproject.toml``, ``setup.py`` or the C sources in ``csrc/`` change), install the project into it in editable mode with
its test extras, then run inside it.
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


def test(extra: list[str]) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # Tests must never read or write the person's own trust store or cache.
    env.setdefault("AUDITVIEWER_TRUST_STORE", os.devnull)
    steps = [
        [str(PYTHON), "-m", "ruff", "check", "auditviewer", "tests", "benchmarks", "dev.py"],
        [str(PYTHON), "-m", "mypy"],
        [str(PYTHON), "-m", "pytest", *extra],
    ]
    for step in steps:
        print("$", " ".join(Path(s).name if i == 0 else s for i, s in enumerate(step)), flush=True)
        code = run(step, env)
        if code != 0:
            return code
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
