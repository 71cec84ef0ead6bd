"""Words of the entry text compile to an RE2 search (``text_regexp``) that must match
exactly what ``ILIKE '%word%'`` matches: DuckDB's own case folding, wildcards, LIKE's
metacharacters as themselves, and negation. Checked against ILIKE itself, in DuckDB,
over fuzzed text with the characters whose folding differs between the two engines."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditviewer.query.sql import compile_query, text_regexp

# Characters where case folding is not plain ASCII: İ lowers to i and K (Kelvin) to k
# in DuckDB; ſ, ı, ς, ẞ, ǅ fold elsewhere in RE2's (?i) or in Unicode's full folding.
TRICKY = "\u0130\u0131\u212a\u017f\u03c2\u03c3\u03a3\u00df\u1e9e\u01c5\u01c6\u00e9\u00c9"
ALPHABET = "abikKsSIx_%*\\.\n\"' -" + TRICKY


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE entries (seq BIGINT, leaf VARCHAR)")
    return connection


def test_only_two_non_ascii_characters_lower_to_ascii_in_duckdb() -> None:
    """The classes of text_regexp name these two; a DuckDB folding more must fail here."""
    rows = duckdb.execute(
        "SELECT i, lower(chr(i::INTEGER)) FROM range(128, 1114112) t(i) "
        "WHERE (i < 55296 OR i > 57343) AND regexp_matches(lower(chr(i::INTEGER)), '[\\x00-\\x7f]')"
    ).fetchall()
    assert sorted((chr(i), lowered) for i, lowered in rows) == [("\u0130", "i"), ("\u212a", "k")]
    for code in range(128):
        (lowered,) = duckdb.execute("SELECT lower(chr(?::INTEGER))", [code]).fetchone() or ("",)
        assert lowered == chr(code).lower()


def test_ascii_words_compile_to_a_regexp_and_others_to_ilike() -> None:
    assert text_regexp("Dragon") == "(?s)[dD][rR][aA][gG][oO][nN]"
    assert text_regexp("kit") == "(?s)[kK\u212a][iI\u0130][tT]"
    assert text_regexp("a*1_%.(") == "(?s)[aA].*1\\x{5f}\\x{25}\\x{2e}\\x{28}"
    assert text_regexp("café") is None
    assert "regexp_matches(leaf, ?)" in compile_query("dragon").where
    assert "ILIKE" in compile_query("café").where


def _reference(value: str) -> str:
    """``value`` as an ILIKE pattern with ESCAPE '\\': ``*`` any characters, the rest literal."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped.replace("*", "%") + "%"


def _matches(con: duckdb.DuckDBPyConnection, query: str) -> list[int]:
    compiled = compile_query(query)
    rows = con.execute(f"SELECT seq FROM entries WHERE {compiled.where} ORDER BY seq", compiled.params)
    return [seq for (seq,) in rows.fetchall()]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=1, max_size=25),
    value=st.text(alphabet=ALPHABET, min_size=1, max_size=4).filter(lambda v: v.strip()),
)
def test_a_word_matches_what_ilike_matches(
    con: duckdb.DuckDBPyConnection, texts: list[str], value: str
) -> None:
    con.execute("DELETE FROM entries")
    con.executemany("INSERT INTO entries VALUES (?, ?)", list(enumerate(texts)))
    expected = [
        seq
        for (seq,) in con.execute(
            "SELECT seq FROM entries WHERE leaf ILIKE ? ESCAPE '\\' ORDER BY seq", [_reference(value)]
        ).fetchall()
    ]
    assert _matches(con, _quoted(value)) == expected
    assert _matches(con, "-" + _quoted(value)) == sorted(set(range(len(texts))) - set(expected))
    assert _matches(con, f"{_quoted(value)} OR zz") == sorted(
        set(expected) | {seq for seq, text in enumerate(texts) if "zz" in text.lower()}
    )
