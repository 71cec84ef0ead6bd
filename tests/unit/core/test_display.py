"""Bundle text shown visibly, never obeyed: cells and tooltips (auditviewer.core.display, Qt-free)."""

from __future__ import annotations

from auditviewer.core.display import cell_text, elide, visible


def test_bidi_override_made_visible() -> None:
    assert visible("abc\u202edef") == "abc⟨U+202E⟩def"


def test_controls_made_visible() -> None:
    assert visible("a\nb\tc\x1b") == "a⟨U+000A⟩b⟨U+0009⟩c⟨U+001B⟩"
    assert visible("a\nb", keep_newlines=True) == "a\nb"


def test_zero_width_and_separators() -> None:
    assert visible("x\u200by\u2028") == "x⟨U+200B⟩y⟨U+2028⟩"


def test_ordinary_unicode_untouched() -> None:
    s = "déploiement urgent ✓ 回滚 🚀 Ä ß"
    assert visible(s) == s


def test_elide_and_cell() -> None:
    assert elide("abcdef", 4) == "abc…"
    assert cell_text(None) == ""
    assert cell_text("<b>x</b>") == "<b>x</b>"
    assert len(cell_text("y" * 1000)) == 300


def test_tooltip_shows_markup_as_text() -> None:
    from auditviewer.core.display import plain_tooltip

    assert plain_tooltip("<b>x</b>\u202e") == '<p style="white-space:pre-wrap">&lt;b&gt;x&lt;/b&gt;⟨U+202E⟩</p>'


def test_json_text_escapes_delete_too() -> None:
    # DEL (U+007F) is ASCII but a control: it was left raw by the ASCII fast path.
    import json

    from auditviewer.core.display import json_text

    assert json_text({"a": "x\x7fy"}) == '{"a":"x\\u007fy"}'
    assert json_text({"a": "x\x7fy"}, compact=False) == '{"a": "x\\u007fy"}'
    assert json.loads(json_text(["\x7f\u202e"])) == ["\x7f\u202e"]


def test_bytes_text_shows_every_byte_and_acts_on_none() -> None:
    from auditviewer.core.display import bytes_text

    assert bytes_text(b'{"a": 1}') == '{"a": 1}'  # quotes read as written
    assert bytes_text(b'\\"') == '\\\\"'  # a backslash before a quote: still one backslash escaped
    hostile = b"\x1b[2J\x07\xe2\x80\xae\xff\xfe\r\n\t"
    text = bytes_text(hostile)
    assert text == "\\u001b[2J\\u0007\\u202e\\xff\\xfe\\r\\n\\t"
    assert text.isascii() and text.isprintable()
    assert bytes_text("é€".encode()) == "é€"  # readable UTF-8 stays readable
    assert bytes_text(b"\\udc80") == "\\\\udc80"  # a backslash in the line is not a byte escape
    assert bytes_text(b"\xed\xb2\x80") == "\\xed\\xb2\\x80"  # an encoded surrogate is not UTF-8
