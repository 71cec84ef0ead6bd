"""About data (Qt-free) and the About dialog: one version everywhere, MIT, library versions."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import auditviewer
from auditviewer.cli import main
from auditviewer.core.about import LICENCE, LICENCE_TEXT, about_info, library_versions

ROOT = Path(__file__).resolve().parents[3]
LIBRARIES = ("Python", "Qt", "PySide6", "DuckDB", "PyArrow", "PyNaCl")


def test_version_is_the_package_version() -> None:
    assert about_info().version == auditviewer.__version__


def test_cli_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"auditviewer {auditviewer.__version__}"


def test_pyproject_takes_its_version_and_licence_from_the_same_places() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "auditviewer.__version__"
    }
    assert project["project"]["license"] == LICENCE == "MIT"
    assert LICENCE_TEXT.startswith("MIT License")


def test_every_library_is_listed_with_its_running_version() -> None:
    import duckdb
    import nacl
    import pyarrow
    import PySide6

    libs = {lib.name: lib for lib in library_versions()}
    assert tuple(libs) == LIBRARIES
    assert libs["Python"].version == ".".join(map(str, sys.version_info[:3]))
    assert libs["PySide6"].version == PySide6.__version__
    assert libs["DuckDB"].version == duckdb.__version__
    assert libs["PyArrow"].version == pyarrow.__version__
    assert libs["PyNaCl"].version == nacl.__version__
    assert all(lib.licence for lib in libs.values())


def test_qt_version_is_the_running_qt_once_loaded() -> None:
    from PySide6.QtCore import qVersion

    (qt,) = [lib for lib in library_versions() if lib.name == "Qt"]
    assert qt.version == qVersion()


def test_as_text_names_everything() -> None:
    info = about_info()
    text = info.as_text()
    assert text.startswith(f"AuditViewer {auditviewer.__version__}\n")
    assert "Licence: MIT" in text
    for lib in info.libraries:
        assert lib.name in text and lib.version in text


def test_about_data_loads_neither_qt_nor_arrow() -> None:
    # The command line may print it; that must not pay for Qt or Arrow.
    code = (
        "import sys\n"
        "from auditviewer.core.about import about_info\n"
        "info = about_info()\n"
        "assert all(lib.version != 'not installed' for lib in info.libraries), info\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyarrow', 'duckdb'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_dialog_shows_version_licence_and_libraries(qtbot: Any) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel

    from auditviewer.ui.dialogs.about import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    title = dialog.findChild(QLabel, "aboutTitle")
    summary = dialog.findChild(QLabel, "aboutSummary")
    assert title is not None and auditviewer.__version__ in title.text()
    assert summary is not None and "MIT" in summary.text()
    table = dialog.libraries
    cells = [[table.item(r, c) for c in range(2)] for r in range(table.rowCount())]
    rows = {name.text(): version.text() for name, version in cells if name and version}
    assert tuple(rows) == LIBRARIES
    assert all(rows.values())

    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.info.as_text()


def test_app_icon_has_every_size(qtbot: Any) -> None:
    from auditviewer.ui.dialogs.about import ICON_SIZES, app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(ICON_SIZES)


class _FakeExtension:
    # Stands in for auditviewer._native so these run with the extension built or not.
    def __init__(self, hardware: bool) -> None:
        self.hardware = hardware

    def hardware_sha256(self) -> bool:
        return self.hardware

    def sha256_path(self) -> str:
        return "hardware" if self.hardware else "portable"


def test_the_about_text_says_how_entries_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.core import about, native

    monkeypatch.setattr(native, "NATIVE", _FakeExtension(hardware=True))
    assert "Entry checks: C extension, the CPU's SHA instructions" in about.about_info().as_text()
    monkeypatch.setattr(native, "NATIVE", _FakeExtension(hardware=False))
    assert "Entry checks: C extension, portable C SHA-256" in about.about_info().as_text()
    monkeypatch.setattr(native, "NATIVE", None)
    assert "Entry checks: Python" in about.about_info().as_text()


@pytest.mark.parametrize(
    ("extension", "shown"),
    [(_FakeExtension(hardware=True), "Entry checks: C extension"), (None, "Entry checks: Python")],
)
def test_dialog_says_how_entries_are_checked(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, extension: object, shown: str
) -> None:
    from PySide6.QtWidgets import QLabel

    from auditviewer.core import native
    from auditviewer.ui.dialogs.about import AboutDialog

    monkeypatch.setattr(native, "NATIVE", extension)
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    label = dialog.findChild(QLabel, "aboutChecking")
    assert label is not None and label.text().startswith(shown)
