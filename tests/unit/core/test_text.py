"""Bundle text shown visibly, never obeyed (auditviewer.core.text is Qt-free)."""

from __future__ import annotations

from auditviewer.core.text import cell_text, elide, visible_text


def test_bidi_override_made_visible() -> None:
    assert visible_text("abc\u202edef") == "abc⟨U+202E⟩def"


def test_controls_made_visible() -> None:
    assert visible_text("a\nb\tc\x1b") == "a⟨U+000A⟩b⟨U+0009⟩c⟨U+001B⟩"
    assert visible_text("a\nb", keep_newlines=True) == "a\nb"


def test_zero_width_and_separators() -> None:
    assert visible_text("x\u200by\u2028") == "x⟨U+200B⟩y⟨U+2028⟩"


def test_ordinary_unicode_untouched() -> None:
    s = "déploiement urgent ✓ 回滚 🚀 Ä ß"
    assert visible_text(s) == s


def test_elide_and_cell() -> None:
    assert elide("abcdef", 4) == "abc…"
    assert cell_text(None) == ""
    assert cell_text("<b>x</b>") == "<b>x</b>"
    assert len(cell_text("y" * 1000)) == 300
