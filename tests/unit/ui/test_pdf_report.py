"""The evidence report as PDF (Qt's QPdfWriter): a real PDF, its pages, and — where poppler's
``pdftoppm``/``pdftotext`` are installed — rendered to an image and read back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.ui.pdf import page_count, write_pdf
from tests.helpers.bundle_builder import leaf_hash, make_entry, signer, write_bundle


def _bundle(tmp_path: Path, entries: int = 30) -> tuple[Path, list[bytes], str]:
    key = signer()
    leaves = [make_entry(i) for i in range(entries)]
    return write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[entries], key=key), leaves, key.verifier_string


def test_write_pdf_makes_a_pdf_whose_pages_grow_with_the_content(tmp_path: Path) -> None:
    short = tmp_path / "short.pdf"
    long = tmp_path / "long.pdf"
    assert write_pdf("<h1>One</h1><p>line</p>", short, overwrite=False) == 1
    body = "".join(f"<h2>Entry {i}</h2><p>{'text ' * 80}</p>" for i in range(60))
    pages = write_pdf(f"<h1>Many</h1>{body}", long, overwrite=False)
    data = long.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pages == page_count(data) > 3
    assert page_count(short.read_bytes()) == 1


def test_report_command_writes_a_pdf_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, _leaves, key = _bundle(tmp_path)
    out = tmp_path / "report.pdf"
    assert main(["report", str(folder), "-q", "seq:0..3", "--trust", key, "--out", str(out)]) == 0
    assert "page(s)" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF-")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".partial-")]
    assert main(["report", str(folder), "--out", str(out)]) == 2  # exists, no --force


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed; the PDF's structure is tested above",
)
def test_the_pdf_renders_and_reads_back(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    folder, leaves, key = _bundle(tmp_path)
    out = tmp_path / "report.pdf"
    assert main(["report", str(folder), "-q", "seq:2", "--trust", key, "--out", str(out)]) == 0
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(out), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    image = QImage(str(png))
    assert image.width() > 200 and image.height() > image.width()  # A4 portrait
    dark = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).lightness() < 128
    )
    assert dark > 200  # text was drawn, not a blank page
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "Evidence report" in text and "VERIFIED" in text
    squeezed = "".join(text.split())
    assert leaf_hash(leaves[2]).hex() in squeezed  # the leaf hash in full (wrapped lines joined)
