"""Regenerate ``auditviewer/core/display_tables.py`` from Python's ``unicodedata``.

    python3 tools/gen_display_tables.py > auditviewer/core/display_tables.py

The derivation itself lives in :func:`auditviewer.core.display.derive_tables` (a
test checks the committed table against it); this script only prints it.
"""

from __future__ import annotations

import unicodedata

from auditviewer.core.display import derive_tables


def _fmt(name: str, ranges: list[tuple[int, int]]) -> str:
    lines = [f"{name}: tuple[tuple[int, int], ...] = ("]
    for lo, hi in ranges:
        lines.append(f"    (0x{lo:04X}, 0x{hi:04X}),")
    lines.append(")")
    return "\n".join(lines)


def main() -> None:
    hidden, marks = derive_tables()
    print('"""Code point ranges for :mod:`auditviewer.core.display`. GENERATED, do not edit.')
    print()
    print("Made by ``tools/gen_display_tables.py`` from ``unicodedata`` "
          f"(Unicode {unicodedata.unidata_version}); see ``display.derive_tables`` for the rule.")
    print('"""')
    print()
    print(f'UNICODE_VERSION = "{unicodedata.unidata_version}"')
    print()
    print("#: Characters shown as ``⟨U+XXXX⟩``: Cc, Cf, Cs, Zl, Zp, Default_Ignorable_Code_Point.")
    print(_fmt("HIDDEN", hidden))
    print()
    print("#: Combining marks that stack on their base (Mn, Me): capped per base character.")
    print(_fmt("MARKS", marks))


if __name__ == "__main__":
    main()
