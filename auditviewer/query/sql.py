"""The search language's tree, turned into one parameterised SQL condition.

``compile_query(text)`` parses the text (:mod:`auditviewer.query.parser`) and
gives a :class:`SqlFilter`: a ``WHERE`` condition over the columns of the
store's ``entries`` table and the values for its ``?`` placeholders. Every
value a person types travels as a parameter; the only text this module writes
into SQL is its own (column names, operators). Here the fields get their
meaning: which columns a field matches (:data:`FIELDS`), statuses, seq ranges,
and times (each value an interval, read in the viewer's zone when it has no
offset), and the investigator's annotations (``tag:``, ``starred:``, ``note:``,
``annotated:``), which join the store's small annotations table by seq
(:data:`ANNOTATIONS_TABLE`, filled by ``store/annotations.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from auditviewer.core.entry_schema import query_fields
from auditviewer.core.errors import QueryError
from auditviewer.query.parser import And, Node, Not, Or, Token, parse

__all__ = [
    "ANNOTATIONS_TABLE",
    "FIELDS",
    "STAR_TAG",
    "STATUSES",
    "SqlFilter",
    "compile_query",
    "like_pattern",
    "reads_annotations",
    "text_regexp",
]

# Text match columns per field, from the entry schema: a field naming two
# columns (actor: actor_email, actor_name) matches either.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = query_fields()
STATUSES = ("verified", "failed", "unverified", "malformed")  # malformed: a line, not an entry
#: The investigator's annotations (the store's small table, ``store/annotations.py``):
#: ``tag:``, ``starred:``, ``note:`` and ``annotated:`` join it by seq.
ANNOTATIONS_TABLE = "casework.annotations"
#: The star, stored as a tag (``casework/annotations.py`` says why).
STAR_TAG = "★"
_ANNOTATION_FIELDS = ("tag", "starred", "note", "annotated")
_YES_NO = {"yes": True, "true": True, "no": False, "false": False}
#: Every field the language knows, for help texts and completion; ``meta.<path>`` besides.
FIELDS: tuple[str, ...] = (*_TEXT_FIELDS, "seq", "time", "status", *_ANNOTATION_FIELDS)

_LIKE_ESCAPE = "\\"
_SEQ_MAX = 2**63 - 1  # seq is BIGINT; N..M compiles to seq < M + 1


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



def compile_query(
    text: str, *, tz: tzinfo = UTC, word_rows: Callable[[str], str | None] | None = None
) -> SqlFilter:
    """Compile a search query; dates without an offset are read in ``tz``.

    An empty (or all-blank) query matches every entry. A malformed one raises
    :class:`~auditviewer.core.errors.QueryError` with the 1-based column at fault.
    ``word_rows``: the store's word index (``store/text_index.py``), a condition on
    ``rid`` (our SQL, integers only) every row holding a word satisfies, or None;
    ANDed to the word's match, so it changes which rows are read, never which match.
    """
    node = parse(text)
    if node is None:
        return SqlFilter()
    params: list[object] = []
    where = _Compiler(text, tz, params, word_rows).compile(node)
    return SqlFilter(where=where, params=params)


def json_pointer(path: Sequence[str]) -> str:
    """A metadata key path as a JSON Pointer (RFC 6901), e.g. ``("a/b", "c")`` →
    ``/a~1b/c``: what the SQL receives as a parameter, so any key reaches no SQL text."""
    return "".join("/" + segment.replace("~", "~0").replace("/", "~1") for segment in path)


def reads_annotations(text: str) -> bool:
    """Whether the query has a term on annotations (``tag:``, ``starred:``, ``note:``,
    ``annotated:``): its answer changes when they do. A malformed query reads nothing."""
    try:
        node = parse(text)
    except QueryError:
        return False
    stack: list[Node] = [] if node is None else [node]
    while stack:
        item = stack.pop()
        if isinstance(item, And | Or):
            stack.extend(item.parts)
        elif isinstance(item, Not):
            stack.append(item.part)
        elif item.kind == "field" and item.field_name in _ANNOTATION_FIELDS:
            return True
    return False


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


# The characters of all Unicode that DuckDB's lower() (the case folding of ILIKE) takes
# to an ASCII character other than themselves, beside the ASCII capitals: found by
# asking DuckDB for lower(chr(c)) of every code point (tests/unit/query/
# test_text_regexp.py asks again, so a DuckDB that folds more fails a test).
_FOLDS_TO_ASCII: dict[str, str] = {"i": "\u0130", "k": "\u212a"}


def text_regexp(value: str) -> str | None:
    """An RE2 pattern that ``regexp_matches`` finds in exactly the texts that
    ``ILIKE '%value%'`` matches (``*`` any characters, ``%`` and ``_`` themselves),
    or None when ``value`` is not ASCII.

    ILIKE lowers both sides and compares; a text character matches an ASCII letter
    of the term when it lowers to it: the letter, its capital, and the two
    non-ASCII characters of :data:`_FOLDS_TO_ASCII` — so each letter becomes a
    class of exactly those (RE2's own ``(?i)`` folds differently: ``ſ`` is ``s``
    to it and ``İ`` is not ``i``). A non-ASCII term would need DuckDB's whole
    folding table, so it stays an ILIKE. Every other character is written as
    ``\\x{..}``, so no character of the term is read as RE2 syntax.
    """
    if not value.isascii():
        return None
    parts = ["(?s)"]
    for char in value:
        if char == "*":
            parts.append(".*")
        elif char.isalpha():
            lower = char.lower()
            parts.append(f"[{lower}{lower.upper()}{_FOLDS_TO_ASCII.get(lower, '')}]")
        elif char.isdigit():
            parts.append(char)
        else:
            parts.append(f"\\x{{{ord(char):02x}}}")
    return "".join(parts)


def field_term(name: str, value: str, *, exclude: bool = False) -> str:
    """``name:value`` as one types it (``-name:value`` to exclude), the value quoted when it
    needs it (spaces, parentheses, ``:``, quotes, a leading ``-``) with ``\\"`` and ``\\\\``
    escapes, so that the lexer reads back ``value`` exactly. ``*`` stays a wildcard."""
    plain = bool(value) and not value.startswith("-") and not any(
        c.isspace() or c in '()":\\' for c in value
    )
    text = value if plain else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{'-' if exclude else ''}{name}:{text}"


def meta_field(path: Sequence[str]) -> str:
    """A metadata key path as the field name one types: ``meta.image.after``, a key with
    spaces, dots, ``:`` or quotes in quotes (``meta."a.b".c``), as the lexer reads it back."""
    def segment(key: str) -> str:
        if key and not any(c.isspace() or c in '.:"\\' for c in key):
            return key
        return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "meta." + ".".join(segment(key) for key in path)


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
    def __init__(
        self,
        text: str,
        tz: tzinfo,
        params: list[object],
        word_rows: Callable[[str], str | None] | None = None,
    ) -> None:
        self.text = text
        self.tz = tz
        self.params = params
        self.word_rows = word_rows

    def error(self, message: str, column: int) -> QueryError:
        return QueryError(message, column=column, query=self.text)

    def compile(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.compile(part) for part in node.parts) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.compile(part) for part in node.parts) + ")"
        if isinstance(node, Not):
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

    def words(self, value: str) -> str:
        """A word or phrase anywhere in the entry text: ILIKE's meaning, run as an RE2
        search where :func:`text_regexp` can say it exactly (2-3x faster: issue 12)."""
        pattern = text_regexp(value)
        if pattern is None:
            match = self.like("leaf", value, substring=True)
        else:
            match = f"coalesce(regexp_matches(leaf, {self.param(pattern)}), false)"
        rows = self.word_rows(value) if self.word_rows is not None else None
        return match if rows is None else f"({rows} AND {match})"

    def term(self, token: Token) -> str:
        if token.kind == "text":
            return self.words(token.value)
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
        if name in _ANNOTATION_FIELDS:
            return self.annotation(token)
        known = ", ".join(FIELDS)
        raise self.error(
            f"unknown field '{name}' (fields: {known}, meta.<path>; "
            "put text with ':' in quotes to search for it)",
            token.column,
        )

    def meta(self, token: Token) -> str:
        # The path goes in as a JSON Pointer parameter (RFC 6901), so any key,
        # dots and quotes included, reaches no SQL text.
        pointer = json_pointer(token.meta_path)
        extracted = f"json_extract_string(metadata, {self.param(pointer)})"
        return self.like(extracted, token.value)

    def status(self, token: Token) -> str:
        value = token.value.lower()
        if "*" not in value and value not in STATUSES:
            raise self.error(
                f"unknown status '{token.value}' (use {', '.join(STATUSES)})", token.value_column
            )
        return self.like("state", value)

    # -- annotations -------------------------------------------------------

    def annotation(self, token: Token) -> str:
        """``tag:NAME`` (whole tag, ``*`` wildcards, case ignored), ``starred:yes|no``,
        ``note:WORDS`` (anywhere in a note), ``annotated:yes|no``: the entries whose seq
        has (or has not) such an annotation, by anyone."""
        name = token.field_name
        if name == "tag":
            if not token.value:
                raise self.error("tag needs a name: tag:NAME (* for any characters)", token.value_column)
            condition = self.like("tag", token.value)
            return f"seq IN (SELECT seq FROM (SELECT seq, unnest(tags) AS tag FROM {ANNOTATIONS_TABLE}) WHERE {condition})"
        if name == "note":
            if not token.value:
                raise self.error("note needs words: note:WORDS", token.value_column)
            condition = self.like("note", token.value, substring=True)
            return f"seq IN (SELECT seq FROM {ANNOTATIONS_TABLE} WHERE {condition})"
        answer = _YES_NO.get(token.value.lower())
        if answer is None:
            raise self.error(f"{name} takes yes or no, not '{token.value}'", token.value_column)
        if name == "starred":
            match = f"seq IN (SELECT seq FROM {ANNOTATIONS_TABLE} WHERE list_contains(tags, {self.param(STAR_TAG)}))"
        else:
            match = f"seq IN (SELECT seq FROM {ANNOTATIONS_TABLE})"
        return match if answer else f"(NOT {match})"

    # -- seq ---------------------------------------------------------------

    def seq(self, token: Token) -> str:
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

    def time(self, token: Token) -> str:
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
        token: Token,
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
