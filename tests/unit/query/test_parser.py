"""The search language's parser on its own: text → tree, no SQL.

What each query matches is tested through SQL in ``test_language.py``; these
tests pin the tree the parser hands the SQL compiler, and that it checks only
the shape of the text (an unknown field is the compiler's error, not its own).
"""

from __future__ import annotations

import pytest

from auditviewer.core.errors import QueryError
from auditviewer.query.parser import And, Not, Or, Token, parse


def _words(node: object) -> object:
    """The tree with each leaf shown by its value alone."""
    if isinstance(node, Token):
        return node.value
    if isinstance(node, And):
        return ("AND", *(_words(part) for part in node.parts))
    if isinstance(node, Or):
        return ("OR", *(_words(part) for part in node.parts))
    assert isinstance(node, Not)
    return ("NOT", _words(node.part))


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_an_empty_query_is_no_tree(text: str) -> None:
    assert parse(text) is None


def test_or_binds_tighter_than_the_implicit_and() -> None:
    assert _words(parse("a b OR c")) == ("AND", "a", ("OR", "b", "c"))


def test_negation_and_groups() -> None:
    assert _words(parse("-(a OR b) c")) == ("AND", ("NOT", ("OR", "a", "b")), "c")


def test_a_field_term_keeps_its_name_path_and_value_column() -> None:
    token = parse('meta.image.after:"3.22"')  # one term is a leaf, not a group
    assert isinstance(token, Token)
    assert (token.kind, token.field_name, token.meta_path, token.value, token.quoted) == (
        "field",
        "meta",
        ("image", "after"),
        "3.22",
        True,
    )
    assert token.value_column == len("meta.image.after:") + 1  # the opening quote


def test_an_unknown_field_is_left_to_the_sql_compiler() -> None:
    token = parse("colour:blue")
    assert isinstance(token, Token)
    assert (token.field_name, token.value) == ("colour", "blue")


@pytest.mark.parametrize(
    ("text", "column"),
    [("(a b", 1), ("a )", 3), ('"open', 1), ("\ud800", 1)],
)
def test_a_malformed_query_names_its_column(text: str, column: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.column == column
