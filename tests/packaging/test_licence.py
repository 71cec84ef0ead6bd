"""The licence the metadata claims ships as text: LICENSE, the wheel/sdist metadata, the .deb.

``pyproject.toml`` says ``license = "MIT"``; the text is ``LICENSE`` at the top
of the repository, named in ``license-files`` so the sdist and the wheel carry
it (the wheel's copy is checked in ``tests/packaging/test_installed_wheel.py``),
and the .deb's ``copyright`` file is written from it by
``packaging/build.py``. The About dialog's copy (``auditviewer.core.about``) must be
the same text.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

from auditviewer.core.about import COPYRIGHT, LICENCE, LICENCE_TEXT

ROOT = Path(__file__).resolve().parents[2]
LICENSE = ROOT / "LICENSE"


def _load_build() -> ModuleType:
    # By path: the folder is called "packaging", like the PyPI library.
    spec = importlib.util.spec_from_file_location("build_script", ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_license_file_is_the_mit_licence_of_the_authors() -> None:
    text = LICENSE.read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 The AuditViewer authors\n")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_about_dialog_shows_the_same_text() -> None:
    assert LICENSE.read_text(encoding="utf-8") == LICENCE_TEXT
    assert COPYRIGHT in LICENCE_TEXT


def test_metadata_names_the_licence_and_its_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == LICENCE == "MIT"
    assert project["license-files"] == ["LICENSE"]


def test_deb_copyright_file_carries_the_license_file() -> None:
    text = _load_build()._copyright(Path(sys.executable))
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
    )
    files = paragraphs[1].splitlines()
    assert files[:3] == [
        "Files: *",
        "Copyright: 2026 The AuditViewer authors",
        "License: MIT",
    ]
    # The licence text follows, each line indented, blank lines as " ."
    expected = [
        f" {line}" if line.strip() else " ."
        for line in LICENSE.read_text(encoding="utf-8").rstrip("\n").splitlines()
    ]
    assert files[3:] == expected
    # No empty line inside a paragraph: only the one separating the two.
    assert len(paragraphs) == 2
    lines = [line for paragraph in paragraphs for line in paragraph.rstrip("\n").splitlines()]
    assert all(re.match(r"^(\S.*|\s\S.*)$", line) for line in lines)


def test_deb_copyright_is_written_from_the_license_file(tmp_path: Path) -> None:
    # One home for the text: a change to LICENSE reaches the .deb without a second edit.
    build = _load_build()
    edited = tmp_path / "LICENSE"
    edited.write_text("MIT License\n\nSome other words.\n", encoding="utf-8")
    build.LICENSE = edited
    text = build._copyright(Path(sys.executable))
    assert text.endswith("License: MIT\n MIT License\n .\n Some other words.\n")
