"""display.visible: the escape set comes from Unicode properties; combining marks are capped."""

from __future__ import annotations

import unicodedata

import pytest

from auditviewer.core import display
from auditviewer.core.display_tables import HIDDEN, UNICODE_VERSION


@pytest.mark.parametrize(
    "cp",
    [0x00AD, 0x034F, 0xFE0F, 0xFE00, 0x180B, 0x180C, 0x180D, 0x180E, 0x180F, 0x1D173, 0x1D17A,
     0xE0100, 0xE01EF, 0x115F, 0x1160, 0x3164, 0xFFA0, 0xE0041, 0x202E, 0x2066, 0x2028, 0x2029,
     0x200B, 0xFEFF, 0x009B, 0x0085, 0x001B, 0xD800, 0x2065, 0xFFF0],
)
def test_invisible_characters_are_escaped(cp: int) -> None:
    assert display.visible(f"a{chr(cp)}b") == f"a⟨U+{cp:04X}⟩b"


def test_look_alikes_read_differently() -> None:
    plain = display.visible("admin@example.com")
    shy = display.visible("ad\u00admin@example.com")
    assert plain == "admin@example.com"
    assert shy == "ad⟨U+00AD⟩min@example.com"
    assert plain != shy


def test_visible_text_untouched() -> None:
    s = "déploiement urgent ✓ 回滚 🚀 Ä ß नमस्ते ệ"
    assert display.visible(s) == s
    assert display.visible("a\u00a0b") == "a\u00a0b"  # a visible space, not ignorable


def test_table_matches_the_derivation() -> None:
    if unicodedata.unidata_version == UNICODE_VERSION:
        hidden, marks = display.derive_tables()
        assert tuple(hidden) == HIDDEN
        assert tuple(marks) == display.MARKS_TABLE
    else:  # another Python: the committed table must still cover every Cf/Cc/Zl/Zp it knows
        for lo, _hi in display.derive_tables()[0]:
            assert display.visible(chr(lo)) != chr(lo)


def test_zalgo_is_capped() -> None:
    text = "x" + "\u0301" * 500 + "y"
    shown = display.visible(text)
    assert shown == "x\u0301\u0301⟨+498 marks⟩y"
    assert display.visible("e\u0323\u0302") == "e\u0323\u0302"  # two marks stay


def test_newlines() -> None:
    assert display.visible("a\nb") == "a⟨U+000A⟩b"
    assert display.visible("a\nb\u2028", keep_newlines=True) == "a\nb⟨U+2028⟩"
