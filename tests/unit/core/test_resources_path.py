"""The resource accessor finds the shipped files editable, from a wheel, zipped and frozen.

The wheel test builds the real wheel (``pip wheel --no-deps``) and imports the
accessor from an install of it with no site-packages at all, so a file missing
from ``[tool.setuptools.package-data]`` fails here rather than in a user's
install.
"""

from __future__ import annotations

import configparser
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from auditviewer.core import resources_path
from auditviewer.core.resources_path import ResourceNotFoundError, resource

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "resources"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def shipped_files() -> list[str]:
    """Every file under resources/ that a build must carry (caches aside)."""
    return sorted(
        p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_editable_resource_is_the_checkout_file() -> None:
    path = resource("auditviewer.svg")
    assert isinstance(path, Path)
    assert path.resolve() == (RESOURCES / "auditviewer.svg").resolve()
    assert b"<svg" in path.read_bytes()


@pytest.mark.parametrize("size", PNG_SIZES)
def test_every_icon_size_is_a_png_of_that_size(size: int) -> None:
    assert png_size(resource(f"auditviewer-{size}.png").read_bytes()) == (size, size)


def test_windows_and_macos_icons_are_well_formed() -> None:
    ico = resource("auditviewer.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    icns = resource("auditviewer.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_desktop_entry_launches_the_command_with_the_icon() -> None:
    parser = configparser.RawConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(resource("auditviewer.desktop").read_text(encoding="utf-8"))
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "AuditViewer"
    assert entry["Exec"].split()[0] == "auditviewer"
    assert entry["Icon"] == "auditviewer"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../pyproject.toml", "a/../../b"])
def test_names_outside_the_resources_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        resource(bad)


def test_a_missing_resource_names_itself() -> None:
    with pytest.raises(ResourceNotFoundError, match=r"no-such-file\.txt"):
        resource("no-such-file.txt")
    # Callers that only know FileNotFoundError still catch it.
    assert issubclass(ResourceNotFoundError, FileNotFoundError)


def test_frozen_build_reads_the_bundle_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "auditviewer" / "resources"
    bundled.mkdir(parents=True)
    (bundled / "auditviewer.svg").write_text("<svg/>")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource("auditviewer.svg") == bundled / "auditviewer.svg"
    with pytest.raises(ResourceNotFoundError):
        resource("auditviewer-16.png")


_PROBE = """
import pathlib, sys
import auditviewer, auditviewer.core.resources_path as rp
names = sys.argv[1:]
print(pathlib.Path(auditviewer.__file__).resolve())
for name in names:
    path = rp.resource(name)
    assert isinstance(path, pathlib.Path), type(path)
    print(name, path.stat().st_size)
"""


def _run_isolated(python_path: Path, cwd: Path, names: list[str]) -> list[str]:
    # -S: no site-packages and so no editable finder; the only auditviewer
    # importable is the one on PYTHONPATH. The accessor needs only the stdlib.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(python_path)
    result = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE, *names],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (built,) = out.glob("auditviewer-*.whl")
    return built


def test_wheel_carries_every_resource(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    missing = [n for n in shipped_files() if f"auditviewer/resources/{n}" not in names]
    assert not missing, missing
    assert "auditviewer/core/resources_path.py" in names


def test_accessor_works_installed_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    names = shipped_files()
    lines = _run_isolated(target, tmp_path, names)
    assert Path(lines[0]).is_relative_to(target.resolve())
    sizes = dict(line.rsplit(" ", 1) for line in lines[1:])
    assert sizes == {n: str((RESOURCES / n).stat().st_size) for n in names}


def test_accessor_works_imported_from_a_zip(wheel: Path, tmp_path: Path) -> None:
    # A wheel is a zip that zipimport can run from: the accessor must hand
    # out real files (extracted) even then, as Qt cannot read inside a zip.
    lines = _run_isolated(wheel, tmp_path, ["auditviewer.svg", "auditviewer-64.png"])
    assert str(wheel) in lines[0]
    assert lines[1:] == [
        f"auditviewer.svg {(RESOURCES / 'auditviewer.svg').stat().st_size}",
        f"auditviewer-64.png {(RESOURCES / 'auditviewer-64.png').stat().st_size}",
    ]


def test_module_has_one_public_accessor() -> None:
    assert resources_path.__all__ == ["ResourceNotFoundError", "resource"]
