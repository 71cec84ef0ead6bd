"""The search language's parser: text → a small tree (:data:`Node`), no SQL.

The language (docs/query-language.md has the long form)::

    dragon "image rollback"            words and phrases: substring of the entry text
    actor:hana@*  category:"Nakama*"   field:value, whole value, case-insensitive, * wildcard
    seq:100..200  time:>=2026-09-01    ranges and comparisons
    meta.image.after:*3.22*            a value inside the metadata
    a b   a OR b   -a   (a OR b) c     AND (implicit), OR, NOT, grouping

``OR`` binds tighter than the implicit AND, as in most search boxes:
``a b OR c`` is ``a AND (b OR c)``.

:func:`parse` reads the text into :class:`Token` leaves (words, phrases,
``field:value`` with the value's own column) joined by :class:`And`,
:class:`Or` and :class:`Not`. It checks only the shape — quotes, parentheses,
nesting depth (:data:`_MAX_NESTING`) and the number of terms (the limits of
:mod:`auditviewer.core.limits`) — and raises :class:`QueryError` with the
1-based column at fault. What a field or a value means (known fields, statuses,
dates, seq ranges) is :mod:`auditviewer.query.sql`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditviewer.core.errors import QueryError
from auditviewer.core.limits import DEFAULT_LIMITS

__all__ = ["And", "Node", "Not", "Or", "Token", "parse"]

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TERM_END = frozenset("()")
# Groups and negations nest; a bound keeps hostile input from exhausting
# Python's recursion (and DuckDB's expression depth).
_MAX_NESTING = 64


# ---------------------------------------------------------------------------
# Lexer


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "(", ")", "OR", "AND", "-", "text", "field"
    column: int  # 1-based
    value: str = ""
    quoted: bool = False
    field_name: str = ""  # for kind "field": category, meta, ...
    meta_path: tuple[str, ...] = ()
    value_column: int = 0


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str, index: int) -> QueryError:
        return QueryError(message, column=index + 1, query=self.text)

    def tokens(self) -> list[Token]:
        text = self.text
        out: list[Token] = []
        terms = 0
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                return out
            start = self.pos
            if out and out[-1].kind in ("text", "field"):
                terms += 1
                if terms >= DEFAULT_LIMITS.max_query_terms:
                    # Counted as they are read: a pasted list of thousands stops here.
                    raise self.error(
                        f"too many search terms (at most {DEFAULT_LIMITS.max_query_terms}); "
                        "narrow the search, or search in steps",
                        start,
                    )
            char = text[start]
            if char in "()":
                out.append(Token(char, start + 1))
                self.pos += 1
            elif char == "-":
                following = text[start + 1] if start + 1 < len(text) else ""
                if not following or following.isspace() or following == ")":
                    raise self.error("nothing to negate after '-'", start)
                out.append(Token("-", start + 1))
                self.pos += 1
            elif char == '"':
                out.append(Token("text", start + 1, self.quoted(), quoted=True))
            else:
                out.append(self.word_or_field())

    def quoted(self) -> str:
        """A "phrase" starting at ``pos``; ``\\"`` and ``\\\\`` stand for ``"`` and ``\\``."""
        text = self.text
        start = self.pos
        index = start + 1
        chars: list[str] = []
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
                chars.append(text[index + 1])
                index += 2
                continue
            if char == '"':
                self.pos = index + 1
                return "".join(chars)
            chars.append(char)
            index += 1
        raise self.error("unclosed quote", start)

    def bare(self) -> str:
        """An unquoted run up to a space or parenthesis."""
        text = self.text
        start = self.pos
        while (
            self.pos < len(text)
            and not text[self.pos].isspace()
            and text[self.pos] not in _TERM_END
        ):
            self.pos += 1
        return text[start : self.pos]

    def word_or_field(self) -> Token:
        text = self.text
        start = self.pos
        name_match = _FIELD_NAME.match(text, start)
        if name_match is not None:
            name = name_match.group()
            after = name_match.end()
            if after < len(text) and text[after] == ":":
                self.pos = after + 1
                return self.field_value(name.lower(), (), start)
            if name.lower() == "meta" and after < len(text) and text[after] == ".":
                path = self.meta_path(after)
                if path is not None:
                    segments, colon = path
                    self.pos = colon + 1
                    return self.field_value("meta", segments, start)
                self.pos = start  # not a field after all: read it again as a word
        word = self.bare()
        if word in ("OR", "AND"):
            return Token(word, start + 1)
        return Token("text", start + 1, word)

    def meta_path(self, dot: int) -> tuple[tuple[str, ...], int] | None:
        """Segments of ``.a.b."c.d"`` from ``dot`` up to a ``:`` (its index), or None.

        None means this is no field at all (``meta.txt`` as a bare word).
        """
        text = self.text
        segments: list[str] = []
        index = dot
        while index < len(text) and text[index] == ".":
            index += 1
            if index < len(text) and text[index] == '"':
                self.pos = index
                segments.append(self.quoted())
                index = self.pos
            else:
                seg_start = index
                # Parentheses may sit in a key; a path never ends a group,
                # because it only counts when its ':' follows.
                while index < len(text) and not text[index].isspace() and text[index] not in '.:"':
                    index += 1
                if index == seg_start:
                    if index < len(text) and text[index] == ":":
                        raise self.error("empty segment in the meta path", index)
                    return None
                segments.append(text[seg_start:index])
        if index < len(text) and text[index] == ":":
            return tuple(segments), index
        if index < len(text) and text[index] == '"':
            raise self.error("unexpected quote in the meta path (quote whole segments)", index)
        return None

    def field_value(self, name: str, meta_path: tuple[str, ...], start: int) -> Token:
        text = self.text
        value_start = self.pos
        if value_start < len(text) and text[value_start] == '"':
            value = self.quoted()
            quoted = True
        else:
            value = self.bare()
            quoted = False
            if not value:
                label = "meta." + ".".join(meta_path) if name == "meta" else name
                raise self.error(
                    f"'{label}:' needs a value (quote it to search for a blank)", start
                )
        return Token(
            "field",
            start + 1,
            value,
            quoted=quoted,
            field_name=name,
            meta_path=meta_path,
            value_column=value_start + 1,
        )


# ---------------------------------------------------------------------------
# Parser: tokens -> a small tree


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


Node = And | Or | Not | Token


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def error(self, message: str, column: int) -> QueryError:
        return QueryError(message, column=column, query=self.text)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.and_expr(opening=None)
        leftover = self.peek()
        if leftover is not None:  # only a ')' stops and_expr early
            raise self.error("unbalanced parenthesis: ')' without '('", leftover.column)
        return node

    def and_expr(self, opening: Token | None) -> Node:
        parts: list[Node] = []
        while True:
            token = self.peek()
            if token is None or token.kind == ")":
                break
            if token.kind == "AND":
                self.index += 1
                following = self.peek()
                if not parts or following is None or following.kind in (")", "OR", "AND"):
                    raise self.error("AND needs a term on both sides", token.column)
                continue
            parts.append(self.or_expr())
        if not parts:
            if opening is not None:
                raise self.error("empty parentheses", opening.column)
            token = self.peek()
            assert token is not None  # and_expr is only entered with tokens left
            raise self.error("unbalanced parenthesis: ')' without '('", token.column)
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def or_expr(self) -> Node:
        parts = [self.unary()]
        while True:
            token = self.peek()
            if token is None or token.kind != "OR":
                break
            self.index += 1
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise self.error("OR needs a term on both sides", token.column)
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def unary(self) -> Node:
        token = self.peek()
        assert token is not None
        if token.kind in ("-", "("):
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise self.error(
                    f"nested too deeply (more than {_MAX_NESTING} groups or negations)",
                    token.column,
                )
            try:
                return self.nested(token)
            finally:
                self.depth -= 1
        if token.kind in ("OR", "AND"):
            raise self.error(f"{token.kind} needs a term on both sides", token.column)
        if token.kind == ")":
            raise self.error("unbalanced parenthesis: ')' without '('", token.column)
        self.index += 1
        return token

    def nested(self, token: Token) -> Node:
        """A negation or a group starting at ``token``."""
        self.index += 1
        if token.kind == "-":
            return Not(self.unary())
        inner = self.and_expr(opening=token)
        closing = self.peek()
        if closing is None or closing.kind != ")":
            raise self.error("unbalanced parenthesis: '(' is never closed", token.column)
        self.index += 1
        return inner


def parse(text: str) -> Node | None:
    """The tree of a search query; None for an empty (or all-blank) one.

    Raises :class:`QueryError` with the 1-based column at fault.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A lone surrogate (a QString can carry one) is no text a database can take.
        raise QueryError(
            "not valid text (a lone surrogate)", column=exc.start + 1, query=text
        ) from None
    return _Parser(text, _Lexer(text).tokens()).parse()
