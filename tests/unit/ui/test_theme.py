"""Themes (``ui/theme.py``): system / light / dark, readable pairs, back to the system's."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from auditviewer.ui.theme import (
    DARK,
    LIGHT,
    SYSTEM,
    apply_theme,
    contrast,
    dark_palette,
    is_dark,
    light_palette,
)
from auditviewer.ui.widgets.integrity_banner import IntegrityBanner, status_colours

Role = QPalette.ColorRole
READ_PAIRS = (
    (Role.Text, Role.Base),
    (Role.Text, Role.AlternateBase),
    (Role.WindowText, Role.Window),
    (Role.ButtonText, Role.Button),
    (Role.HighlightedText, Role.Highlight),
    (Role.PlaceholderText, Role.Base),
    (Role.ToolTipText, Role.ToolTipBase),
    (Role.Link, Role.Base),
)


@pytest.mark.parametrize("make", [dark_palette, light_palette], ids=["dark", "light"])
def test_what_people_read_has_contrast(make: Any) -> None:
    palette = make()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fg, bg in READ_PAIRS:
            ratio = contrast(palette.color(group, fg), palette.color(group, bg))
            assert ratio >= 4.5, (make.__name__, fg, bg, ratio)
    assert is_dark(dark_palette()) and not is_dark(light_palette())


def test_apply_and_return_to_the_system_theme(qtbot: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before_style = app.style().name()
    before_window = app.palette().color(Role.Window)
    banner = IntegrityBanner()
    qtbot.addWidget(banner)
    banner.set_status("verified", "All good.")
    try:
        assert apply_theme(app, DARK) == DARK
        assert app.style().name().lower() == "fusion"
        assert is_dark(app.palette())
        # Widgets that tint by status follow the palette without being told.
        qtbot.waitUntil(lambda: banner.palette().color(Role.Window)
                        == status_colours("verified", True)[0])
        assert apply_theme(app, LIGHT) == LIGHT and not is_dark(app.palette())
        assert apply_theme(app, "nonsense") == SYSTEM
        assert app.palette().color(Role.Window) == before_window
        assert app.style().name() == before_style
    finally:
        apply_theme(app, SYSTEM)
