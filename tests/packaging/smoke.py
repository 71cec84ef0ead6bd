#!/usr/bin/env python3
"""Smoke test of a packaged (PyInstaller) build: the artifact a user gets, run as they would.

    python3 tests/packaging/smoke.py dist/auditviewer [--tarball X.tar.gz] [--deb X.deb]

``make package`` (``packaging/build.py``) runs it after every build, so a build
that does not work never counts as done; ``make smoke`` runs it again on the
last build. It is deliberately not a pytest module: it needs the build, and a
test that skips when the build is missing would pass without testing anything.

Checks, each against the frozen executable with no Python on its path:

* ``--version`` prints ``auditviewer <auditviewer.__version__>``;
* ``verify`` gives the conformance vectors' verdicts: valid-jsonl with
  ``--trust trusted.keys`` exits 0, modified-entry exits 1, and every vector of
  ``tests/vectors/data/expected.json`` gets its expected exit code and status;
* the GUI starts offscreen, opens the demo bundle and exits cleanly
  (``demo --quit-after 3``: exit 0, no traceback);
* the icons and desktop entry are in the bundle where the resource accessor
  looks, and the unpacked folder stays within the size budget;
* the tarball holds the same folder; the .deb installs /opt/auditviewer, the
  /usr/bin/auditviewer link, the desktop entry and the icons, and its
  unpacked executable runs, through a symbolic link as /usr/bin's is.

Stdlib only. Everything runs with a private HOME, cache, data folder and
trust store, so a smoke test never touches the person's own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "data"
TRUSTED_KEYS = VECTORS / "trusted.keys"
# The unpacked one-folder build may not grow past this (issue 6).
SIZE_BUDGET_MIB = 250
GUI_TIMEOUT_S = 90
ICONS = [f"auditviewer-{n}.png" for n in (16, 24, 32, 48, 64, 128, 256, 512)]
RESOURCES = [*ICONS, "auditviewer.svg", "auditviewer.desktop"]
# What Qt's offscreen platform says about itself; not a fault of the app.
_BENIGN_STDERR = re.compile(r"^This plugin does not support propagateSizeHints\(\)$")


class SmokeFailure(AssertionError):
    """One check of the built artifact failed."""


def source_version() -> str:
    """``__version__`` as written in the source the build was made from."""
    text = (ROOT / "auditviewer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not match:
        raise SmokeFailure("no __version__ in auditviewer/__init__.py")
    return match.group(1)


def executable_in(folder: Path) -> Path:
    name = "auditviewer.exe" if sys.platform == "win32" else "auditviewer"
    exe = folder / name
    if not exe.is_file():
        raise SmokeFailure(f"no executable {exe}: build first (make package)")
    return exe


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (links counted once, as files)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


class Runner:
    """Runs the frozen (or pip-installed) executable in a private environment, from ``cwd``."""

    def __init__(self, exe: Path, home: Path, cwd: Path = VECTORS) -> None:
        self.exe = exe
        self.cwd = cwd
        self.env = {
            k: v
            for k, v in os.environ.items()
            # A developer's Python or Qt settings must not leak into the
            # frozen app: it has to work without them.
            if not k.startswith(("PYTHON", "QT_", "AUDITVIEWER_", "XDG_"))
        }
        self.env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_RUNTIME_DIR=str(home / "runtime"),
            AUDITVIEWER_TRUST_STORE=str(home / "trusted.keys"),
            AUDITVIEWER_CACHE_DIR=str(home / "cache" / "auditviewer"),
            AUDITVIEWER_DATA_DIR=str(home / "data" / "auditviewer"),
        )
        (home / "runtime").mkdir(parents=True, exist_ok=True)
        (home / "runtime").chmod(0o700)

    def run(
        self, *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.exe), *args],
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def expect(
    condition: bool, message: str, result: subprocess.CompletedProcess[str] | None = None
) -> None:
    if not condition:
        if result is not None:
            message += (
                f"\n  exit code: {result.returncode}\n  stdout: {result.stdout[-2000:]!r}"
                f"\n  stderr: {result.stderr[-4000:]!r}"
            )
        raise SmokeFailure(message)


def check_version(runner: Runner) -> str:
    result = runner.run("--version")
    want = f"auditviewer {source_version()}"
    expect(
        result.returncode == 0 and result.stdout.strip() == want,
        f"--version is not {want!r}",
        result,
    )
    return result.stdout.strip()


def check_verify(runner: Runner) -> str:
    trust = str(TRUSTED_KEYS)
    result = runner.run("verify", "valid-jsonl", "--trust", trust)
    expect(result.returncode == 0, "verify valid-jsonl --trust trusted.keys should exit 0", result)
    expect("VERIFIED" in result.stdout, "verify valid-jsonl should say VERIFIED", result)
    result = runner.run("verify", "modified-entry", "--trust", trust)
    expect(result.returncode == 1, "verify modified-entry should exit 1 (failed)", result)

    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    for name, case in expected.items():
        args = ["verify", "--json", *case["paths"]]
        for key in case.get("trust", []):
            args += ["--trust", key]
        result = runner.run(*args)
        expect(
            result.returncode == case["exit"],
            f"vector {name}: exit {case['exit']} expected",
            result,
        )
        if "status" in case:
            lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
            expect(bool(lines), f"vector {name}: no JSON report", result)
            status = json.loads(lines[-1]).get("status")
            expect(
                status == case["status"],
                f"vector {name}: status {case['status']!r}, got {status!r}",
                result,
            )
    return f"2 required verdicts and {len(expected)} vectors right"


def check_gui(runner: Runner) -> str:
    start = time.monotonic()
    result = runner.run(
        "demo", "--quit-after", "3", timeout=GUI_TIMEOUT_S, env={"QT_QPA_PLATFORM": "offscreen"}
    )
    took = time.monotonic() - start
    noise = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not _BENIGN_STDERR.match(line.strip())
    ]
    expect(result.returncode == 0, "GUI demo should exit 0", result)
    # Qt swallows exceptions raised in slots after printing them: exit 0
    # alone would hide a broken viewer.
    expect(not noise, "GUI demo wrote to stderr:\n  " + "\n  ".join(noise[:40]), result)
    demo = Path(runner.env["AUDITVIEWER_CACHE_DIR"]) / "demo"
    bundles = list(demo.glob("*/manifest.json"))
    expect(bool(bundles), f"GUI demo did not generate the demo bundle under {demo}", result)
    return f"demo window opened and closed cleanly in {took:.1f} s"


def check_bundle_files(folder: Path) -> str:
    # PyInstaller >= 6 keeps everything but the executable under _internal/.
    internal = folder / "_internal" if (folder / "_internal").is_dir() else folder
    resources = internal / "auditviewer" / "resources"
    missing = [name for name in RESOURCES if not (resources / name).is_file()]
    expect(not missing, f"resources missing from the build ({resources}): {missing}")
    # The C extension (csrc/) does verification's per-entry work: without it the frozen
    # app still works, several times slower, so a build that lost it is a failed build.
    native = list((internal / "auditviewer").glob("_native.*"))
    expect(bool(native), f"the C extension auditviewer._native is missing from {internal / 'auditviewer'}")
    translations = list(internal.rglob("translations/*.qm"))
    expect(not translations, f"Qt translations should not ship: {translations[:3]}")
    unwanted = [
        p.name
        for p in internal.rglob("libQt6*")
        if re.match(r"libQt6(WebEngine|Qml|Quick|3D|Multimedia|Pdf|Network|Designer)", p.name)
    ]
    expect(not unwanted, f"Qt modules the viewer does not use were shipped: {sorted(unwanted)}")
    size = folder_size(folder)
    mib = size / 2**20
    expect(
        mib < SIZE_BUDGET_MIB,
        f"unpacked size {mib:.1f} MiB is over the {SIZE_BUDGET_MIB} MiB budget",
    )
    return f"resources and the C extension present; unpacked size {mib:.1f} MiB ({size / 1e6:.1f} MB)"


def check_tarball(tarball: Path, folder: Path) -> str:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    top = {n.split("/", 1)[0] for n in names}
    expect(len(top) == 1, f"{tarball.name} should unpack into one folder, has {sorted(top)[:5]}")
    (prefix,) = top
    expect(f"{prefix}/auditviewer" in names, f"{tarball.name} has no {prefix}/auditviewer")
    files = sum(1 for p in folder.rglob("*") if not p.is_dir())
    packed = sum(1 for n in names if n != prefix and not n.endswith("/"))
    expect(packed >= files, f"{tarball.name} holds {packed} entries, the folder {files}")
    return f"{tarball.name}: {tarball.stat().st_size / 1e6:.1f} MB, unpacks to {prefix}/"


def check_deb(deb: Path, work: Path) -> str:
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./opt/auditviewer/auditviewer",
        "./usr/share/applications/auditviewer.desktop",
        "./usr/share/icons/hicolor/scalable/apps/auditviewer.svg",
        "./usr/share/icons/hicolor/256x256/apps/auditviewer.png",
        "./usr/share/doc/auditviewer/copyright",
    ):
        expect(f" {path}" in contents or contents.startswith(path), f"{deb.name} lacks {path}")
    expect(
        re.search(r" \./usr/bin/auditviewer -> /opt/auditviewer/auditviewer$", contents, re.M)
        is not None,
        f"{deb.name}: /usr/bin/auditviewer should link to /opt/auditviewer/auditviewer",
    )
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Architecture"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expect(
        f"Version: {source_version()}" in fields,
        f"{deb.name}: control Version is not the package version",
    )

    root = work / "deb-root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    # /usr/bin's link is absolute (it crosses top-level folders, as Debian
    # policy asks), so point an equivalent link at the unpacked copy.
    link = work / "bin" / "auditviewer"
    link.parent.mkdir()
    link.symlink_to(root / "opt" / "auditviewer" / "auditviewer")
    result = Runner(link, work / "deb-home").run("--version")
    expect(
        result.returncode == 0 and result.stdout.strip() == f"auditviewer {source_version()}",
        "the .deb's executable, run through a link, should print its version",
        result,
    )
    return f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB, layout and launcher link right"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the one-folder build, e.g. dist/auditviewer")
    parser.add_argument("--tarball", type=Path, help="the .tar.gz of that folder")
    parser.add_argument("--deb", type=Path, help="the .deb made from it")
    args = parser.parse_args(argv)

    folder = args.folder.resolve()
    exe = executable_in(folder)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="auditviewer-smoke-") as tmp:
        work = Path(tmp)
        runner = Runner(exe, work / "home")
        checks: list[tuple[str, Callable[[], str]]] = [
            ("version", lambda: check_version(runner)),
            ("verify", lambda: check_verify(runner)),
            ("gui", lambda: check_gui(runner)),
            ("bundle", lambda: check_bundle_files(folder)),
        ]
        if args.tarball:
            checks.append(("tarball", lambda: check_tarball(args.tarball, folder)))
        if args.deb:
            if shutil.which("dpkg-deb") is None:
                raise SystemExit("smoke: dpkg-deb is needed to check the .deb")
            checks.append(("deb", lambda: check_deb(args.deb, work)))
        for name, check in checks:
            try:
                print(f"smoke: {name:8} ok   {check()}", flush=True)
            except (SmokeFailure, subprocess.SubprocessError, OSError) as exc:
                failures += 1
                print(f"smoke: {name:8} FAIL {exc}", flush=True)
    passed = len(checks) - failures
    # A closing line that CI's log readers understand.
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
