#!/usr/bin/env python3
"""Build AuditViewer for people without Python: a one-folder app, its archive, a .deb; smoke-test them.

    python3 packaging/build.py           everything below (what `make package` runs)
    python3 packaging/build.py --deb     only the .deb, from dist/auditviewer (built first if missing)
    python3 packaging/build.py --smoke   only the smoke test of the last build (`make smoke`)

Steps, each timed:

1. bootstrap: ``.venv`` with the project (``dev.py``'s own bootstrap) and
   PyInstaller in it, so a fresh clone needs nothing but Python 3.11+;
2. freeze: ``packaging/auditviewer.spec`` into ``dist/auditviewer/``;
3. archive: Linux ``dist/auditviewer-<version>-linux-<arch>.tar.gz``, Windows a
   ``.zip`` of the folder, macOS a ``.zip`` of ``AuditViewer.app``;
4. deb (Linux with dpkg-deb): ``dist/auditviewer_<version>_<arch>.deb``, which
   installs the folder as /opt/auditviewer, /usr/bin/auditviewer, the desktop
   entry and the icons;
5. smoke: ``tests/packaging/smoke.py`` on what was built. A failing smoke test
   fails the build.

Stdlib only; runs under any Python 3.11+, and runs PyInstaller in ``.venv``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "auditviewer.spec"
SMOKE = ROOT / "tests" / "packaging" / "smoke.py"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
DEB_STAGING = ROOT / "build" / "deb"
FOLDER = DIST / "auditviewer"
MAC_APP = DIST / "AuditViewer.app"
RESOURCES = ROOT / "resources"
LICENSE = ROOT / "LICENSE"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Tested with 6.22; a new major version may change the spec's API.
PYINSTALLER = "pyinstaller>=6.10,<7"

# What the .deb needs from the system: the libraries the spec deliberately
# leaves out of the bundle (see DROPPED there) and those Qt loads that a
# build machine may lack. All are on any desktop install of Debian 12 or
# Ubuntu 22.04 and later.
DEB_DEPENDS = [
    "libc6 (>= 2.28)",
    "libstdc++6",
    "libgcc-s1",
    "zlib1g",
    "libglib2.0-0",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libgl1",
    "libegl1",
    "libwayland-client0",
    "libwayland-cursor0",
]
DEB_MAINTAINER = "AuditViewer authors <auditviewer@users.noreply.github.com>"


def version() -> str:
    """``auditviewer.__version__``, read from the source (the one place it is written)."""
    text = (ROOT / "auditviewer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not match:
        raise SystemExit("build: no __version__ in auditviewer/__init__.py")
    return match.group(1)


_TIMES: list[tuple[str, float]] = []


@contextmanager
def step(name: str) -> Iterator[None]:
    print(f"\n== {name}", flush=True)
    start = time.monotonic()
    yield
    took = time.monotonic() - start
    _TIMES.append((name, took))
    print(f"== {name}: {took:.0f} s", flush=True)


def run(args: list[str | Path], **kwargs: object) -> None:
    print("$", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kwargs)  # type: ignore[call-overload]


def venv_python() -> Path:
    """The project's ``.venv`` interpreter, created and kept current by ``dev.py``."""
    sys.path.insert(0, str(ROOT))
    import dev  # the same bootstrap as `python3 dev.py test`

    dev.ensure_venv()
    return Path(dev.PYTHON)


def bootstrap() -> Path:
    python = venv_python()
    wanted = [PYINSTALLER]
    if sys.platform == "win32":
        # Windows has no system time-zone database for zoneinfo (DuckDB
        # converts TIMESTAMPTZ through it); the spec bundles this one.
        wanted.append("tzdata")
    # Already satisfied means no network: rebuilds work offline.
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", *wanted])
    return python


def freeze(python: Path) -> None:
    run(
        [
            python,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            DIST,
            "--workpath",
            WORK,
            SPEC,
        ],
        cwd=ROOT,
    )


def machine() -> str:
    arch = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


def tarball_path() -> Path:
    return DIST / f"auditviewer-{version()}-linux-{machine()}.tar.gz"


def archive() -> Path:
    """The archive a user unpacks: tar.gz on Linux, zip elsewhere."""
    if sys.platform == "darwin":
        out = DIST / f"AuditViewer-{version()}-macos-{machine()}.zip"
        out.unlink(missing_ok=True)
        # ditto keeps the app bundle's symbolic links and extended attributes.
        run(["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent", MAC_APP, out])
        return out
    if sys.platform == "win32":
        base = DIST / f"auditviewer-{version()}-windows-{machine()}"
        return Path(shutil.make_archive(str(base), "zip", DIST, FOLDER.name))
    out = tarball_path()
    prefix = f"auditviewer-{version()}"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.name = prefix + info.name[len(FOLDER.name) :]
        return info

    tmp = out.with_suffix(".tmp")
    # Level 6: level 9 takes twice as long for 1% less.
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(FOLDER, arcname=FOLDER.name, filter=owned_by_root)
    tmp.replace(out)
    return out


def deb_arch() -> str:
    try:
        return subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine(), machine())


def deb_path() -> Path:
    return DIST / f"auditviewer_{version()}_{deb_arch()}.deb"


def _copyright(python: Path) -> str:
    """debian/copyright (machine-readable format): the LICENSE file, and the build's components.

    The licence text is the repository's ``LICENSE`` (the file the sdist and
    the wheel carry); the holder and the component list come from
    auditviewer.core.about, run by ``python`` (the build's interpreter).
    """
    code = (
        "from auditviewer.core.about import COPYRIGHT, about_info\n"
        "print(COPYRIGHT)\n"
        "print(about_info().as_text())\n"
    )
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout
    holder, _, components = out.rstrip("\n").partition("\n")
    licence = LICENSE.read_text(encoding="utf-8").rstrip("\n")

    def indent(text: str) -> str:
        return "\n".join(f" {line}" if line.strip() else " ." for line in text.splitlines())

    holder = holder.removeprefix("Copyright (c) ")
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: AuditViewer\n"
        "Comment: This package bundles the libraries it runs on, each under its\n"
        " own licence (Qt and PySide6: LGPL-3.0; DuckDB: MIT; PyArrow and PyNaCl:\n"
        " Apache-2.0; Python: PSF-2.0). The build that made this package:\n"
        " .\n"
        f"{indent(components)}\n"
        "\n"
        "Files: *\n"
        f"Copyright: {holder}\n"
        "License: MIT\n"
        f"{indent(licence)}\n"
    )


def deb(python: Path) -> Path:
    """A .deb of the one-folder build, made with dpkg-deb (no debhelper needed)."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("build: dpkg-deb not found (apt-get install dpkg-dev, or skip the .deb)")
    if DEB_STAGING.exists():
        shutil.rmtree(DEB_STAGING)
    root = DEB_STAGING / "root"
    opt = root / "opt" / "auditviewer"
    shutil.copytree(FOLDER, opt, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    # Absolute: the link crosses top-level folders (Debian policy 10.5).
    (bin_dir / "auditviewer").symlink_to("/opt/auditviewer/auditviewer")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(RESOURCES / "auditviewer.desktop", share / "applications" / "auditviewer.desktop")
    for size in ICON_SIZES:
        icon_dir = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        icon_dir.mkdir(parents=True)
        shutil.copy2(RESOURCES / f"auditviewer-{size}.png", icon_dir / "auditviewer.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(RESOURCES / "auditviewer.svg", scalable / "auditviewer.svg")
    doc = share / "doc" / "auditviewer"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(_copyright(python), encoding="utf-8")

    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        # dpkg keeps modes as they are: nothing group/world-writable.
        path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)

    installed_kib = (
        sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        // 1024
    )
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: auditviewer\n"
        f"Version: {version()}\n"
        f"Architecture: {deb_arch()}\n"
        f"Maintainer: {DEB_MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEB_DEPENDS)}\n"
        f"Section: utils\n"
        f"Priority: optional\n"
        f"Description: open, search and verify signed audit-log bundles offline\n"
        f" AuditViewer opens audit-log exports (bundle folders, .zip files, plain\n"
        f" JSON/JSONL/CSV exports), checks their hash chain and signed checkpoints\n"
        f" against the verifier keys you trust, and lets you search and re-export\n"
        f" the entries. Self-contained: it brings its own Python, Qt, DuckDB and\n"
        f" Arrow and needs no network.\n",
        encoding="utf-8",
    )
    control.parent.chmod(0o755)
    control.chmod(0o644)
    # The desktop menu and icon caches are refreshed by the dpkg triggers of
    # desktop-file-utils and the icon theme, so no maintainer scripts.
    out = deb_path()
    # gzip: every dpkg reads it (zstd needs dpkg 1.21.18, so not Ubuntu 20.04),
    # and xz, 30% smaller, takes five times as long here (minutes, not seconds).
    run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, out])
    return out


def smoke(with_deb: bool) -> None:
    if not FOLDER.is_dir():
        raise SystemExit(f"build: no build at {FOLDER}: run `make package` first")
    args: list[str | Path] = [sys.executable, SMOKE, FOLDER]
    if sys.platform.startswith("linux"):
        if tarball_path().is_file():
            args += ["--tarball", tarball_path()]
        if with_deb and deb_path().is_file():
            args += ["--deb", deb_path()]
    run(args, cwd=ROOT)


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--deb", action="store_true", help="only the .deb (and its smoke test)")
    mode.add_argument("--smoke", action="store_true", help="only smoke-test the last build")
    args = parser.parse_args(argv)
    linux = sys.platform.startswith("linux")
    can_deb = linux and shutil.which("dpkg-deb") is not None
    start = time.monotonic()
    built: list[Path] = []
    try:
        if args.smoke:
            with step("smoke"):
                smoke(with_deb=True)
            return 0
        with step("bootstrap"):
            python = bootstrap()
        if not args.deb or not FOLDER.is_dir():
            with step("freeze"):
                freeze(python)
            built.append(FOLDER)
            if not args.deb:
                with step("archive"):
                    built.append(archive())
        if args.deb and not linux:
            raise SystemExit("build: a .deb is built on Linux only")
        if can_deb:
            with step("deb"):
                built.append(deb(python))
        elif linux:
            print("build: dpkg-deb not found: no .deb this time", file=sys.stderr)
        with step("smoke"):
            smoke(with_deb=can_deb)
    except subprocess.CalledProcessError as exc:
        print(f"\nbuild FAILED: {exc}", file=sys.stderr)
        return 1
    print(
        "\n== done in",
        f"{time.monotonic() - start:.0f} s:",
        ", ".join(f"{n} {t:.0f} s" for n, t in _TIMES),
    )
    for path in built:
        size = folder_size(path) if path.is_dir() else path.stat().st_size
        print(f"   {path.relative_to(ROOT)}  {size / 2**20:.1f} MiB ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
