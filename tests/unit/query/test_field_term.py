"""field_term: the search-bar term a pivot writes reads back as the value it was made from."""

from __future__ import annotations

import pytest

from auditviewer.query.sql import compile_query, field_term


@pytest.mark.parametrize(
    ("value", "term"),
    [
        ("ana@acme.example", "actor:ana@acme.example"),
        ("Hana K", 'actor:"Hana K"'),
        ("-dash", 'actor:"-dash"'),
        ("nakama:3.22", 'actor:"nakama:3.22"'),
        ('say "hi" \\ (now)', 'actor:"say \\"hi\\" \\\\ (now)"'),
    ],
)
def test_a_field_term_quotes_what_needs_it_and_reads_back_exactly(value: str, term: str) -> None:
    assert field_term("actor", value) == term
    assert compile_query(term).params == [value, value]  # email or name, the whole value


def test_an_excluding_term_negates() -> None:
    term = field_term("action", "Update", exclude=True)
    assert term == "-action:Update"
    assert compile_query(term).where.startswith("(NOT ")
