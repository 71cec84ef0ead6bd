#!/usr/bin/env python3
"""Render the application icon's PNG, ICO and ICNS files from its SVG.

    .venv/bin/python packaging/make_icons.py

The SVG (``resources/auditviewer.svg``) is the source; the rendered files
are committed beside it so that neither a build nor the running application
needs an SVG renderer (Qt's SVG icon engine is one plugin fewer to ship, and
PyInstaller needs ``.ico``/``.icns`` files it cannot draw itself). Re-run this
after editing the SVG. Rendering uses Qt's own SVG renderer, offscreen.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SVG = RESOURCES / "auditviewer.svg"
# The sizes of the freedesktop hicolor theme the .deb installs into, and the
# ones the window icon offers Qt to pick from; a superset of ICO_SIZES and of
# the sizes in ICNS_TYPES.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (Apple's "icns" format).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic13", 256),  # 128@2x
    (b"ic14", 512),  # 256@2x
)


def render(size: int, out: Path) -> bytes:
    """Draw the icon ``size`` pixels square into the PNG file ``out``; its bytes."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"make_icons: cannot write {out}")
    return out.read_bytes()


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico of PNG-compressed images (supported since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, blobs = b"", b""
    for size in ICO_SIZES:
        blob = pngs[size]
        # Width and height are one byte each; 0 means 256.
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns of PNG elements."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    # Every ICO and ICNS size is also a shipped PNG size.
    pngs = {size: render(size, RESOURCES / f"auditviewer-{size}.png") for size in PNG_SIZES}
    (RESOURCES / "auditviewer.ico").write_bytes(ico(pngs))
    (RESOURCES / "auditviewer.icns").write_bytes(icns(pngs))
    del app
    print(
        f"make_icons: wrote {len(PNG_SIZES)} PNGs, auditviewer.ico, auditviewer.icns to {RESOURCES}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
