"""The wheel as a user installs it: built from the checkout, installed into a fresh venv, run.

The test suite otherwise runs against an editable install, which imports
straight from the checkout and so cannot notice a module the wheel leaves
out: a hand-written package list once left out ``auditviewer.ui.dialogs`` and
every ``pip install .`` gave a viewer that died on start (issue 10). This
module builds the real wheel (``pip wheel --no-deps``, from a clean copy of
the working tree, so no stale ``build/`` output can fill a gap), installs it
into a new virtual environment outside the checkout and, from a temporary
folder, checks:

* ``auditviewer --version`` prints the source's version;
* ``auditviewer verify`` gives the conformance vectors' verdicts
  (valid-jsonl with ``--trust trusted.keys`` exits 0, modified-entry 1,
  and every vector of ``expected.json`` its exit code and status);
* ``auditviewer demo --quit-after 3`` with Qt offscreen exits 0 and writes
  nothing to stderr (but the offscreen plugin's own line about
  ``propagateSizeHints``, as in the smoke test);
* the wheel carries ``LICENSE`` (PEP 639 ``license-files``);
* every module of the source tree imports from the installed copy, and
  ``auditviewer`` itself is the venv's, not the checkout's;
* built where the C compiler fails (``CC=false``), the wheel still builds and
  installs, without the extension, and ``verify`` gives the same verdicts.

The checks of the commands are the smoke test's (``tests/packaging/smoke.py``,
run on the PyInstaller build by ``make package``), run here against the
venv's ``auditviewer`` script.

Speed: installing the dependencies (Qt, Arrow, DuckDB: hundreds of MB) into
each new venv took 10.5 s with a warm pip cache, and needs the network and
minutes with a cold one, so the venv is made without pip and borrows them
through a ``.pth`` line naming the project venv's site-packages. (Building the
wheel uses pip's isolated build environment: setuptools comes from PyPI or
pip's cache.) The whole module takes about 30 s. A path line in a ``.pth`` file only extends
``sys.path``: the ``.pth`` files in that folder (the editable install's
finder among them) are not run, so the checkout stays unimportable, which the
import check asserts. The wheel goes in with the project venv's pip
(``pip --python``), which writes the script for the new interpreter.

Run once per CI run (``.ci/run``): the extension-off pass deselects the
``installed_wheel`` mark, as the wheel does not change with it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.installed_wheel]

# What a build needs from the working tree; caches, builds and the venv stay out.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
    "*.so",
    "*.pyd",
    "tests",
    "benchmarks",
)


def _load_smoke() -> ModuleType:
    # By path: tests/packaging is not a package (and "packaging" is a PyPI name).
    spec = importlib.util.spec_from_file_location(
        "smoke", ROOT / "tests" / "packaging" / "smoke.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


smoke = _load_smoke()


def source_modules() -> list[str]:
    """Every module the checkout has, as the wheel must install it."""
    names = []
    for path in sorted((ROOT / "auditviewer").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "__pycache__" in parts or parts[-1] == "__main__":
            continue  # __main__ runs the command line when imported
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    names.append("auditviewer.resources")  # resources/__init__.py, mapped by package-dir
    # The C extension: where the build here has it, the wheel must too.
    if importlib.util.find_spec("auditviewer._native") is not None:
        names.append("auditviewer._native")
    return names


@dataclass
class Installed:
    venv: Path
    python: Path
    script: Path
    work: Path
    wheel: Path
    borrowed: frozenset[str]  # the project venv's site-packages, for the dependencies


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, (
        f"{' '.join(str(a) for a in args)} exited {result.returncode}\n"
        f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}"
    )
    return result


def build_and_install(base: Path, build_env: dict[str, str] | None = None) -> Installed:
    """Build the wheel from a clean copy of the working tree; install it into a new venv in ``base``."""
    assert not base.resolve().is_relative_to(ROOT)
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    env = {**os.environ, **(build_env or {})}
    _run([*pip, "wheel", "--no-deps", "-w", wheels, source], timeout=600, env=env)
    (wheel,) = wheels.glob("auditviewer-*.whl")

    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], timeout=300)
    # Only now the dependencies, so pip above never saw the editable install.
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            env=smoke.Runner(python, base / "probe-home").env,
        ).stdout.strip()
    )
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_auditviewer_test_deps.pth").write_text(
        "".join(f"{p}\n" for p in sorted(borrowed)), encoding="utf-8"
    )
    script = bin_dir / ("auditviewer.exe" if os.name == "nt" else "auditviewer")
    assert script.is_file(), f"the wheel installed no auditviewer script in {bin_dir}"
    work = base / "work"
    work.mkdir()
    return Installed(env_dir, python, script, work, wheel, frozenset(borrowed))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return build_and_install(tmp_path_factory.mktemp("installed-wheel"))


def runner_for(installed: Installed, folder: Path) -> Any:
    """The smoke test's runner on the venv's script, in a folder away from the checkout."""
    vectors = folder / "vectors"
    shutil.copytree(smoke.VECTORS, vectors)
    return smoke.Runner(installed.script, folder / "home", cwd=vectors)


@pytest.fixture
def runner(installed: Installed, tmp_path: Path) -> Any:
    return runner_for(installed, tmp_path)


def test_version(runner: Any) -> None:
    assert smoke.check_version(runner) == f"auditviewer {smoke.source_version()}"


def test_verify_gives_the_vectors_verdicts(runner: Any) -> None:
    smoke.check_verify(runner)


def test_viewer_demo_opens_and_closes_cleanly(runner: Any) -> None:
    smoke.check_gui(runner)


def test_wheel_carries_the_licence(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as zf:
        licences = [n for n in zf.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licences) == 1, zf.namelist()
        assert zf.read(licences[0]) == (ROOT / "LICENSE").read_bytes()
        metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-File: LICENSE" in zf.read(metadata).decode()


_IMPORT_ALL = """
import importlib, json, sys
out = {"failed": {}}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except BaseException as exc:
        out["failed"][name] = f"{type(exc).__name__}: {exc}"
import auditviewer
out["file"] = auditviewer.__file__
out["path"] = sys.path
print(json.dumps(out))
"""


def test_every_module_imports_from_the_installed_copy(installed: Installed) -> None:
    names = source_modules()
    assert "auditviewer.ui.dialogs.export" in names
    result = _run(
        [installed.python, "-c", _IMPORT_ALL, json.dumps(names)],
        cwd=installed.work,
        env=smoke.Runner(installed.python, installed.work / "home").env,
        timeout=120,
    )
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["failed"] == {}
    assert Path(out["file"]).resolve().is_relative_to(installed.venv.resolve())
    inside = [
        p
        for p in out["path"]
        if p and Path(p).resolve().is_relative_to(ROOT) and p not in installed.borrowed
    ]
    assert inside == [], "the checkout must not be importable from the installed venv"


@pytest.mark.skipif(
    sys.platform == "win32", reason="MSVC builds ignore CC: no compiler to hide this way"
)
def test_without_a_c_compiler_the_install_goes_on_and_verifies_alike(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    # What the README promises a machine without a compiler: the build warns
    # and goes on, and the Python path gives the vectors' verdicts.
    no_compiler = shutil.which("false") or "/bin/false"
    installed = build_and_install(tmp_path_factory.mktemp("no-compiler"), {"CC": no_compiler})
    with zipfile.ZipFile(installed.wheel) as zf:
        assert [n for n in zf.namelist() if "/_native." in n] == ["auditviewer/_native.pyi"]
    runner = runner_for(installed, tmp_path)
    smoke.check_verify(runner)
    mode = _run(
        [
            installed.python,
            "-c",
            "from auditviewer.core.about import checking_mode; print(checking_mode())",
        ],
        cwd=installed.work,
        env=runner.env,
    )
    assert mode.stdout.startswith("Python (the C extension is not built")
