"""The search language, turned into one parameterised SQL condition — nothing else.

``compile_query(text)`` gives a :class:`SqlFilter`: a ``WHERE`` condition over
the columns of the store's ``entries`` table and the values for its ``?``
placeholders. Every value a person types travels as a parameter; the only
text this module writes into SQL is its own (column names, operators).

The language (docs/query-language.md has the long form)::

    dragon "image rollback"            words and phrases: substring of the entry text
    actor:hana@*  category:"Nakama*"   field:value, whole value, case-insensitive, * wildcard
    seq:100..200  time:>=2026-09-01    ranges and comparisons
    meta.image.after:*3.22*            a value inside the metadata
    a b   a OR b   -a   (a OR b) c     AND (implicit), OR, NOT, grouping

``OR`` binds tighter than the implicit AND, as in most search boxes:
``a b OR c`` is ``a AND (b OR c)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from auditviewer.core.errors import QueryError
from auditviewer.core.limits import DEFAULT_LIMITS

__all__ = [
    "FIELDS",
    "STATUSES",
    "SqlFilter",
    "compile_query",
    "like_pattern",
]

# Text match columns per field. A field naming two columns matches either.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "category": ("category",),
    "action": ("action",),
    "event": ("event_type",),
    "actor": ("actor_email", "actor_name"),
    "resource": ("resource_id", "resource_name"),
    "type": ("resource_type",),
    "title": ("title_id", "title_name"),
    "id": ("id",),
}
STATUSES = ("verified", "failed", "unverified")
#: Every field the language knows, for help texts and completion; ``meta.<path>`` besides.
FIELDS: tuple[str, ...] = (*_TEXT_FIELDS, "seq", "time", "status")

_LIKE_ESCAPE = "\\"
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SEQ_MAX = 2**63 - 1  # seq is BIGINT; N..M compiles to seq < M + 1
_TERM_END = frozenset("()")
# Groups and negations nest; a bound keeps hostile input from exhausting
# Python's recursion (and DuckDB's expression depth).
_MAX_NESTING = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class SqlFilter:
    """A condition for ``WHERE`` and the values of its ``?`` placeholders, in order."""

    where: str = "TRUE"
    params: list[object] = field(default_factory=list)

    def and_(self, other: SqlFilter) -> SqlFilter:
        """Both conditions; keeps the placeholders in order."""
        if self.where == "TRUE":
            return other
        if other.where == "TRUE":
            return self
        return SqlFilter(
            where=f"({self.where}) AND ({other.where})", params=[*self.params, *other.params]
        )


def compile_query(text: str, *, tz: tzinfo = UTC) -> SqlFilter:
    """Compile a search query; dates without an offset are read in ``tz``.

    An empty (or all-blank) query matches every entry. A malformed one raises
    :class:`~auditviewer.core.errors.QueryError` with the 1-based column at fault.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A lone surrogate (a QString can carry one) is no text a database can take.
        raise QueryError(
            "not valid text (a lone surrogate)", column=exc.start + 1, query=text
        ) from None
    tokens = _Lexer(text).tokens()
    node = _Parser(text, tokens).parse()
    if node is None:
        return SqlFilter()
    params: list[object] = []
    where = _Compiler(text, tz, params).compile(node)
    return SqlFilter(where=where, params=params)


def like_pattern(value: str, *, substring: bool = False) -> tuple[str, bool]:
    """A LIKE pattern matching ``value`` whole (or anywhere), ``*`` as the only wildcard.

    Returns the pattern and whether it needs ``ESCAPE '\\'``: only when the
    value holds ``%`` or ``_``, which are then matched as themselves. DuckDB's
    LIKE has no escape character unless asked, and is faster without one, so
    a backslash is an ordinary character otherwise.
    """
    needs_escape = "%" in value or "_" in value
    if needs_escape:
        value = (
            value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
            .replace("%", _LIKE_ESCAPE + "%")
            .replace("_", _LIKE_ESCAPE + "_")
        )
    pattern = value.replace("*", "%")
    return (f"%{pattern}%" if substring else pattern), needs_escape


def field_term(name: str, value: str, *, exclude: bool = False) -> str:
    """``name:value`` as one types it (``-name:value`` to exclude), the value quoted when it
    needs it (spaces, parentheses, ``:``, quotes, a leading ``-``) with ``\\"`` and ``\\\\``
    escapes, so that the lexer reads back ``value`` exactly. ``*`` stays a wildcard."""
    plain = bool(value) and not value.startswith("-") and not any(
        c.isspace() or c in '()":\\' for c in value
    )
    text = value if plain else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{'-' if exclude else ''}{name}:{text}"


# ---------------------------------------------------------------------------
# Lexer


@dataclass(frozen=True, slots=True)
class _Token:
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

    def tokens(self) -> list[_Token]:
        text = self.text
        out: list[_Token] = []
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
                out.append(_Token(char, start + 1))
                self.pos += 1
            elif char == "-":
                following = text[start + 1] if start + 1 < len(text) else ""
                if not following or following.isspace() or following == ")":
                    raise self.error("nothing to negate after '-'", start)
                out.append(_Token("-", start + 1))
                self.pos += 1
            elif char == '"':
                out.append(_Token("text", start + 1, self.quoted(), quoted=True))
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

    def word_or_field(self) -> _Token:
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
            return _Token(word, start + 1)
        return _Token("text", start + 1, word)

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

    def field_value(self, name: str, meta_path: tuple[str, ...], start: int) -> _Token:
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
        return _Token(
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
class _And:
    parts: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Or:
    parts: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Not:
    part: _Node


_Node = _And | _Or | _Not | _Token


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def error(self, message: str, column: int) -> QueryError:
        return QueryError(message, column=column, query=self.text)

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> _Node | None:
        if not self.tokens:
            return None
        node = self.and_expr(opening=None)
        leftover = self.peek()
        if leftover is not None:  # only a ')' stops and_expr early
            raise self.error("unbalanced parenthesis: ')' without '('", leftover.column)
        return node

    def and_expr(self, opening: _Token | None) -> _Node:
        parts: list[_Node] = []
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
        return parts[0] if len(parts) == 1 else _And(tuple(parts))

    def or_expr(self) -> _Node:
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
        return parts[0] if len(parts) == 1 else _Or(tuple(parts))

    def unary(self) -> _Node:
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

    def nested(self, token: _Token) -> _Node:
        """A negation or a group starting at ``token``."""
        self.index += 1
        if token.kind == "-":
            return _Not(self.unary())
        inner = self.and_expr(opening=token)
        closing = self.peek()
        if closing is None or closing.kind != ")":
            raise self.error("unbalanced parenthesis: '(' is never closed", token.column)
        self.index += 1
        return inner


# ---------------------------------------------------------------------------
# Compiler: tree -> SQL text with ? placeholders


# Each value a person writes for time or seq is an interval [start, end): a
# date covers its day, a minute its minute, and so on; comparisons and ranges
# use the side of the interval that makes whole days inclusive.
_DATE_TIME = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<offset>Z|z|[+-]\d{2}:\d{2})?)?)?)?"
)
_COMPARATORS = (">=", "<=", ">", "<", "=")


class _Compiler:
    def __init__(self, text: str, tz: tzinfo, params: list[object]) -> None:
        self.text = text
        self.tz = tz
        self.params = params

    def error(self, message: str, column: int) -> QueryError:
        return QueryError(message, column=column, query=self.text)

    def compile(self, node: _Node) -> str:
        if isinstance(node, _And):
            return "(" + " AND ".join(self.compile(part) for part in node.parts) + ")"
        if isinstance(node, _Or):
            return "(" + " OR ".join(self.compile(part) for part in node.parts) + ")"
        if isinstance(node, _Not):
            return f"(NOT {self.compile(node.part)})"
        return self.term(node)

    def param(self, value: object) -> str:
        self.params.append(value)
        return "?"

    def like(self, column: str, value: str, *, substring: bool = False) -> str:
        """``column`` matches ``value`` case-insensitively, whole (or anywhere), ``*`` a wildcard."""
        # coalesce: a missing value is "does not match", so that negation
        # (NOT) finds the entries without the value instead of dropping them.
        if substring and "*" not in value and ("%" in value or "_" in value):
            # A literal with LIKE's own metacharacters: contains() needs no
            # escaping, which would slow ILIKE down by half. lower() on both
            # sides keeps the case folding DuckDB's own.
            return f"coalesce(contains(lower({column}), lower({self.param(value)})), false)"
        if not substring and "*" not in value and ("%" in value or "_" in value):
            # The same for a whole value (type:nakama_deployment): an ILIKE
            # with ESCAPE is several times slower than comparing lower() sides.
            return f"coalesce(lower({column}) = lower({self.param(value)}), false)"
        pattern, needs_escape = like_pattern(value, substring=substring)
        escape = " ESCAPE '\\'" if needs_escape else ""
        return f"coalesce({column} ILIKE {self.param(pattern)}{escape}, false)"

    def term(self, token: _Token) -> str:
        if token.kind == "text":
            return self.like("leaf", token.value, substring=True)
        name = token.field_name
        if name in _TEXT_FIELDS:
            columns = _TEXT_FIELDS[name]
            if len(columns) == 1:
                return self.like(columns[0], token.value)
            return "(" + " OR ".join(self.like(column, token.value) for column in columns) + ")"
        if name == "meta":
            if not token.meta_path:
                raise self.error("meta needs a path: meta.<key>.<key>:value", token.column)
            return self.meta(token)
        if name == "seq":
            return self.seq(token)
        if name == "time":
            return self.time(token)
        if name == "status":
            return self.status(token)
        known = ", ".join(FIELDS)
        raise self.error(
            f"unknown field '{name}' (fields: {known}, meta.<path>; "
            "put text with ':' in quotes to search for it)",
            token.column,
        )

    def meta(self, token: _Token) -> str:
        # The path goes in as a JSON Pointer parameter (RFC 6901), so any key,
        # dots and quotes included, reaches no SQL text.
        pointer = "".join(
            "/" + segment.replace("~", "~0").replace("/", "~1") for segment in token.meta_path
        )
        extracted = f"json_extract_string(metadata, {self.param(pointer)})"
        return self.like(extracted, token.value)

    def status(self, token: _Token) -> str:
        value = token.value.lower()
        if "*" not in value and value not in STATUSES:
            raise self.error(
                f"unknown status '{token.value}' (use {', '.join(STATUSES)})", token.value_column
            )
        return self.like("state", value)

    # -- seq ---------------------------------------------------------------

    def seq(self, token: _Token) -> str:
        def parse(text: str, column: int) -> tuple[int, int]:
            if not text.isascii() or not text.isdigit():
                raise self.error(
                    f"bad seq range '{token.value}': '{text}' is not a whole number "
                    "(use seq:N or seq:N..M)",
                    column,
                )
            number = int(text)
            if number >= _SEQ_MAX:
                raise self.error(f"bad seq range: {text} is too large", column)
            return number, number + 1

        return self.interval_condition("seq", token, parse)

    # -- time --------------------------------------------------------------

    def time(self, token: _Token) -> str:
        return self.interval_condition("time", token, self.parse_time)

    def parse_time(self, text: str, column: int) -> tuple[datetime, datetime]:
        if not text:
            raise self.error("missing date (use 2026-09-01 or 2026-09-01T12:00Z)", column)
        match = _DATE_TIME.fullmatch(text)
        if match is None:
            raise self.error(
                f"bad date '{text}' (use 2026-09-01, 2026-09-01T12:00Z or 2026-09-01T12:00:00+02:00)",
                column,
            )
        parts = match.groupdict()
        try:
            year = int(parts["year"])
            month = int(parts["month"] or 1)
            day = int(parts["day"] or 1)
            start_date = date(year, month, day)
            if parts["month"] is None:
                end_date = date(year + 1, 1, 1) if year < 9999 else None
                return self.day_bounds(start_date, end_date)
            if parts["day"] is None:
                if month == 12:
                    end_date = date(year + 1, 1, 1) if year < 9999 else None
                else:
                    end_date = date(year, month + 1, 1)
                return self.day_bounds(start_date, end_date)
            if parts["hour"] is None:
                following = start_date + timedelta(days=1) if start_date < date.max else None
                return self.day_bounds(start_date, following)
            zone: tzinfo = self.tz
            offset = parts["offset"]
            if offset:
                zone = UTC if offset in ("Z", "z") else _fixed_offset(offset)
            fraction = parts["fraction"] or ""
            naive = datetime(
                year,
                month,
                day,
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"] or 0),
                int(fraction.ljust(6, "0")) if fraction else 0,
            )
            if fraction:
                step = timedelta(microseconds=10 ** (6 - len(fraction)))
            elif parts["second"] is not None:
                step = timedelta(seconds=1)
            else:
                step = timedelta(minutes=1)
            start = naive.replace(tzinfo=zone).astimezone(UTC)
            end = (naive + step).replace(tzinfo=zone).astimezone(UTC)
            return start, end
        except (ValueError, OverflowError) as exc:
            raise self.error(f"bad date '{text}': {exc}", column) from None

    def day_bounds(self, first: date, following: date | None) -> tuple[datetime, datetime]:
        """[midnight of ``first``, midnight of ``following``) in the query's time zone, as UTC."""
        start = datetime(first.year, first.month, first.day, tzinfo=self.tz).astimezone(UTC)
        if following is None:
            return start, datetime.max.replace(tzinfo=UTC)
        end = datetime(following.year, following.month, following.day, tzinfo=self.tz)
        return start, end.astimezone(UTC)

    # -- shared by seq and time -------------------------------------------

    def interval_condition(
        self,
        column: str,
        token: _Token,
        parse: Callable[[str, int], tuple[Any, Any]],
    ) -> str:
        """``V``, ``>=V`` (and ``> < <= =``), ``A..B``, ``A..``, ``..B`` over ``[start, end)`` values."""
        value = token.value
        value_column = token.value_column + (1 if token.quoted else 0)
        for comparator in _COMPARATORS:
            if value.startswith(comparator):
                operand = value[len(comparator) :]
                start, end = parse(operand, value_column + len(comparator))
                bound = {">=": start, ">": end, "<": start, "<=": end, "=": start}[comparator]
                if comparator == "=":
                    return self.between(column, start, end)
                sql_operator = {">=": ">=", ">": ">=", "<": "<", "<=": "<"}[comparator]
                return f"coalesce({column} {sql_operator} {self.param(bound)}, false)"
        if ".." in value:
            low_text, high_text = value.split("..", 1)
            high_column = value_column + len(low_text) + 2
            if not low_text and not high_text:
                raise self.error(f"bad {column} range '..': give at least one end", value_column)
            low = parse(low_text, value_column)[0] if low_text else None
            high = parse(high_text, high_column)[1] if high_text else None
            if low is not None and high is not None:
                if high <= low:
                    raise self.error(
                        f"bad {column} range '{value}': it ends before it starts", value_column
                    )
                return self.between(column, low, high)
            if low is not None:
                return f"coalesce({column} >= {self.param(low)}, false)"
            return f"coalesce({column} < {self.param(high)}, false)"
        start, end = parse(value, value_column)
        return self.between(column, start, end)

    def between(self, column: str, start: object, end: object) -> str:
        return f"coalesce({column} >= {self.param(start)} AND {column} < {self.param(end)}, false)"


def _fixed_offset(text: str) -> tzinfo:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
