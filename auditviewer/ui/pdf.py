"""The evidence report as PDF, printed by Qt's own PDF writer from the same HTML as the HTML report.

``QTextDocument`` lays out the HTML (its rich-text subset: tables, headings,
colours; no scripts, no network — it never fetches a resource) and
``QPdfWriter`` prints it to A4 pages with 15 mm margins. The PDF is written to a
staged file beside the target and published by the one atomic writer, so a
failure leaves nothing half-written. Needs a ``QGuiApplication`` for fonts: one
is made if none runs (``QT_QPA_PLATFORM=offscreen`` where there is no display).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from auditviewer.core.about import APP_NAME
from auditviewer.core.atomic import atomic_output
from auditviewer.core.errors import ExportError

_DPI = 300


def _application() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY") and os.name != "nt":
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QGuiApplication([])
    assert isinstance(app, QGuiApplication)
    return app


def write_pdf(html: str, out: Path, *, overwrite: bool, title: str = "Evidence report") -> int:
    """Print ``html`` to the PDF ``out``; returns the number of pages."""
    _application()
    with atomic_output(Path(out), overwrite=overwrite) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(_DPI)
        writer.setTitle(title)
        writer.setCreator(APP_NAME)
        writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        )
        document = QTextDocument()
        document.setHtml(_points(html))
        # No page size of our own: print_ lays the document out on the writer's page,
        # at the writer's resolution, so that text keeps its point size.
        document.print_(writer)
        del writer  # finishes the file
        data = tmp.read_bytes() if tmp.is_file() else b""
        if not data.startswith(b"%PDF"):
            raise ExportError(f"{out}: Qt wrote no PDF")
    return page_count(data)


def _points(html: str) -> str:
    """The report's own style block with pixel sizes as points (3/4 of them): Qt takes ``px``
    as device pixels, which at 300 dpi would print text a quarter of its size. Only the
    first ``<style>`` block, which is ours; the data in the body is never touched."""
    start, end = html.find("<style>"), html.find("</style>")
    if start < 0 or end < start:
        return html
    style = re.sub(r"(\d+(?:\.\d+)?)px", lambda m: f"{float(m.group(1)) * 0.75:g}pt", html[start:end])
    return html[:start] + style + html[end:]


def page_count(data: bytes) -> int:
    """Pages of a PDF Qt wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


__all__ = ["write_pdf"]
