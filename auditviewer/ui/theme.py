"""Light and dark: the viewer's colour themes (system / light / dark).

``apply_theme(app, "dark")`` sets the Fusion style and :func:`dark_palette`;
``"light"`` the same style with :func:`light_palette`; ``"system"`` puts back the
style and palette the application started with (remembered the first time a theme
is applied). Fusion is used for both chosen themes because it draws every control
from the palette alone, so one palette decides how every widget looks; the native
styles of some platforms ignore parts of it.

Every role a widget of ours reads is set, for each colour group, and the pairs a
person reads (text on base, window text on window, highlighted text on highlight,
placeholder text on base) keep a contrast of at least 4.5:1 (WCAG AA), checked by
``tests/unit/ui/test_theme.py``. Widgets that tint by status (the integrity
banner, the before/after delegate) ask :func:`is_dark` of the palette they are
painted with, so they follow a theme change without being told.

The window hooks it with one call at start and on a settings change:
``apply_theme(QApplication.instance(), settings.value("view/theme", "system"))``.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

SYSTEM = "system"
LIGHT = "light"
DARK = "dark"
THEMES = (SYSTEM, LIGHT, DARK)
THEME_LABELS = {SYSTEM: "System", LIGHT: "Light", DARK: "Dark"}

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK = {
    Role.Window: "#2b2b2b",
    Role.WindowText: "#e6e6e6",
    Role.Base: "#1e1e1e",
    Role.AlternateBase: "#262626",
    Role.ToolTipBase: "#3a3a3a",
    Role.ToolTipText: "#f0f0f0",
    Role.PlaceholderText: "#9a9a9a",
    Role.Text: "#e6e6e6",
    Role.Button: "#353535",
    Role.ButtonText: "#e6e6e6",
    Role.BrightText: "#ff6b6b",
    Role.Light: "#4a4a4a",
    Role.Midlight: "#3d3d3d",
    Role.Mid: "#2f2f2f",
    Role.Dark: "#1a1a1a",
    Role.Shadow: "#0d0d0d",
    Role.Highlight: "#2d5fb4",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#7fb2ff",
    Role.LinkVisited: "#c59bff",
    Role.Accent: "#2d5fb4",
}
_DARK_DISABLED = {
    Role.WindowText: "#7f7f7f",
    Role.Text: "#7f7f7f",
    Role.ButtonText: "#7f7f7f",
    Role.Highlight: "#3a3a3a",
    Role.HighlightedText: "#9a9a9a",
}
_LIGHT = {
    Role.Window: "#efefef",
    Role.WindowText: "#1a1a1a",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f5f5f5",
    Role.ToolTipBase: "#ffffdc",
    Role.ToolTipText: "#1a1a1a",
    Role.PlaceholderText: "#6b6b6b",
    Role.Text: "#1a1a1a",
    Role.Button: "#efefef",
    Role.ButtonText: "#1a1a1a",
    Role.BrightText: "#c62828",
    Role.Light: "#ffffff",
    Role.Midlight: "#e3e3e3",
    Role.Mid: "#b8b8b8",
    Role.Dark: "#9f9f9f",
    Role.Shadow: "#767676",
    Role.Highlight: "#2f65ca",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#1a57c4",
    Role.LinkVisited: "#6a3ab2",
    Role.Accent: "#2f65ca",
}
_LIGHT_DISABLED = {
    Role.WindowText: "#8c8c8c",
    Role.Text: "#8c8c8c",
    Role.ButtonText: "#8c8c8c",
    Role.Highlight: "#c8c8c8",
    Role.HighlightedText: "#4d4d4d",
}


def _palette(colours: dict[QPalette.ColorRole, str],
             disabled: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for role, colour in colours.items():
        for group in (Group.Active, Group.Inactive, Group.Disabled):
            palette.setColor(group, role, QColor(colour))
    for role, colour in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    return palette


def dark_palette() -> QPalette:
    return _palette(_DARK, _DARK_DISABLED)


def light_palette() -> QPalette:
    return _palette(_LIGHT, _LIGHT_DISABLED)


def is_dark(palette: QPalette) -> bool:
    """A palette whose window is dark (what the status tints follow)."""
    return palette.color(Role.Window).lightness() < 128


#: The style and palette the application started with, per application object.
_system: dict[int, tuple[str, QPalette]] = {}


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply ``theme`` (one of :data:`THEMES`; anything else is ``system``); returns it."""
    if theme not in THEMES:
        theme = SYSTEM
    key = id(app)
    if key not in _system:
        _system[key] = (app.style().name(), QPalette(app.palette()))
    style_name, palette = _system[key]
    if theme == SYSTEM:
        app.setStyle(style_name)
        app.setPalette(palette)
    else:
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if theme == DARK else light_palette())
    return theme


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(
            c.blueF()
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
