"""The search language: what each query matches, its errors, and that no typed text reaches SQL.

Queries run against a small DuckDB table with the store's ``entries``
columns, so that these tests need no store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditviewer.core.errors import QueryError
from auditviewer.query.sql import FIELDS, SqlFilter, compile_query, like_pattern, text_regexp

COLUMNS = """
    seq BIGINT, id VARCHAR, time TIMESTAMPTZ, category VARCHAR, action VARCHAR,
    event_type VARCHAR, actor_email VARCHAR, actor_type VARCHAR, actor_name VARCHAR,
    resource_type VARCHAR, resource_id VARCHAR, resource_name VARCHAR, title_id VARCHAR,
    title_name VARCHAR, metadata JSON, leaf VARCHAR, source VARCHAR, line BIGINT, state VARCHAR
"""


def _row(
    seq: int,
    *,
    time: str | None = "2026-09-14T08:31:22.512Z",
    category: str | None = "Nakama Deployment",
    action: str | None = "Update",
    email: str | None = "hana@acme-games.example",
    name: str | None = "Hana K",
    resource: tuple[str, str, str] | None = ("nakama_deployment", "dep_0010", "dragon-staging-10"),
    title: tuple[str, str] | None = ("ttl_003", "Dragon Tactics"),
    metadata: object = None,
    state: str = "unverified",
) -> tuple[object, ...]:
    entry: dict[str, object] = {"seq": seq, "id": f"evt_{seq:04d}", "time": time}
    entry.update(category=category, action=action, metadata=metadata or {})
    entry["actor"] = {"email": email, "name": name, "type": "user"}
    if resource:
        entry["resource"] = dict(zip(("type", "id", "name"), resource, strict=True))
    if title:
        entry["title"] = {"id": title[0], "name": title[1]}
    leaf = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    event = " ".join(part for part in (category, action) if part is not None) or None
    # The store gives an entry whose time is not RFC 3339 no time at all.
    parsed_time = time if time and time[:4].isdigit() else None
    return (
        seq,
        f"evt_{seq:04d}",
        parsed_time,
        category,
        action,
        event,
        email,
        "user",
        name,
        *(resource or (None, None, None)),
        *(title or (None, None)),
        json.dumps(metadata) if metadata is not None else None,
        leaf,
        "part-0.jsonl",
        seq + 1,
        state,
    )


ROWS = [
    _row(0, metadata={"image": {"before": "nakama:3.20.0", "after": "nakama:3.22.1"}}),
    _row(1, action="Reboot", time="2026-09-01T00:00:00.000Z", state="verified"),
    _row(
        2,
        category="Organization User",
        action="Add",
        email="chen@acme-games.example",
        name="Chen Wu",
        resource=("user", "usr_1", "chen@acme-games.example"),
        title=None,
        time="2026-09-30T23:59:59.999Z",
        metadata={"role": "admin", "config": {"session.token_expiry_sec": {"after": 3600}}},
        state="failed",
    ),
    _row(
        3,
        category="Organization Billing",
        action="Update",
        email=None,
        name="autoscaler",
        resource=("billing", "bill_1", "Acme 100% billing"),
        title=None,
        time="2026-10-01T00:00:00.000Z",
        metadata={"plan": {"before": "Growth", "after": "Scale"}, "a/b~c": "slash"},
    ),
    _row(
        4,
        category="Nakama Builder",
        action="Create",
        email="o'neil@acme-games.example",
        name='Zoë "Z" O\'Neil',
        resource=("nakama_builder", "bld_0003", "builder_3"),
        time="not a time",
        metadata={"note": "50% off_peak \\ path"},
    ),
    _row(
        5, category=None, action=None, email=None, name=None, resource=None, title=None, time=None
    ),
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"CREATE TABLE entries ({COLUMNS})")
    placeholders = ", ".join("?" * len(ROWS[0]))
    connection.executemany(f"INSERT INTO entries VALUES ({placeholders})", ROWS)
    yield connection
    connection.close()


def matching(con: duckdb.DuckDBPyConnection, query: str, **kwargs: object) -> list[int]:
    compiled = compile_query(query, **kwargs)  # type: ignore[arg-type]
    rows = con.execute(
        f"SELECT seq FROM entries WHERE {compiled.where} ORDER BY seq", compiled.params
    ).fetchall()
    return [seq for (seq,) in rows]


# ---------------------------------------------------------------------------
# What queries match


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_query_matches_everything(con: duckdb.DuckDBPyConnection, query: str) -> None:
    assert compile_query(query) == SqlFilter(where="TRUE", params=[])
    assert matching(con, query) == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dragon", [0, 1, 4]),
        ("DRAGON", [0, 1, 4]),
        ('"dragon tactics"', [0, 1, 4]),
        ('"Dragon  Tactics"', []),
        ("zoë", [4]),
        ("ZOË", [4]),
        ("drag*ging", [0, 1]),  # dragon-staging-10; entry 4 has "Dragon" only
        ("100%", [3]),
        ("off_peak", [4]),
        ("off%peak", []),
        ("o'neil", [4]),
        ('"\\"Z\\""', []),  # the leaf text has the quote escaped: \"Z\"
        ('"\\\\\\"Z"', [4]),  # backslash + quote, as stored
    ],
)
def test_words_and_phrases_are_substrings_of_the_entry_text(
    con: duckdb.DuckDBPyConnection, query: str, expected: list[int]
) -> None:
    assert matching(con, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category:nakama", []),
        ("category:nakama*", [0, 1, 4]),
        ('category:"nakama deployment"', [0, 1]),
        ("action:reboot", [1]),
        ('event:"Nakama Deployment Reboot"', [1]),
        ("event:*update", [0, 3]),
        ("actor:hana@*", [0, 1]),
        ("actor:autoscaler", [3]),
        ('actor:"Chen Wu"', [2]),
        ("actor:o'neil@*", [4]),
        ("resource:dep_0010", [0, 1]),
        ("resource:dragon-staging-10", [0, 1]),
        ("resource:dragon-staging-1", []),
        ("resource:builder_3", [4]),
        ("resource:builder?3", []),
        ("resource:*_3", [4]),
        ('resource:"Acme 100% billing"', [3]),
        ("resource:*100%*", [3]),
        ("resource:*1000*", []),
        ("type:billing", [3]),
        ("title:ttl_003", [0, 1, 4]),
        ('title:"dragon tactics"', [0, 1, 4]),
        ("id:evt_0002", [2]),
        ("id:evt_000?", []),
        ("id:evt%", []),
        ("status:verified", [1]),
        ("status:FAILED", [2]),
        ("status:unverified", [0, 3, 4, 5]),
        ("status:*verified", [0, 1, 3, 4, 5]),
    ],
)
def test_fields_match_whole_values_case_insensitively(
    con: duckdb.DuckDBPyConnection, query: str, expected: list[int]
) -> None:
    assert matching(con, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("meta.image.after:*3.22*", [0]),
        ("meta.image.after:nakama:3.22.1", [0]),
        ("meta.image.after:3.22", []),
        ("meta.role:ADMIN", [2]),
        ('meta.config."session.token_expiry_sec".after:3600', [2]),
        ("meta.config.session.token_expiry_sec.after:3600", []),
        ("meta.a/b~c:slash", [3]),
        ("meta.plan:*", [3]),
        ('meta.plan:*"after":"Scale"*', [3]),
        ("meta.note:*50%*", [4]),
        ("meta.note:*\\*", [4]),
        ("meta.missing:*", []),
        ("-meta.missing:*", [0, 1, 2, 3, 4, 5]),
        ("(meta.role:admin OR meta.plan:*)", [2, 3]),
        ("(dragon meta.image)", []),
    ],
)
def test_meta_paths(con: duckdb.DuckDBPyConnection, query: str, expected: list[int]) -> None:
    assert matching(con, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("seq:2", [2]),
        ("seq:1..3", [1, 2, 3]),
        ("seq:3..", [3, 4, 5]),
        ("seq:..1", [0, 1]),
        ("seq:>=4", [4, 5]),
        ("seq:>4", [5]),
        ("seq:<1", [0]),
        ("seq:<=1", [0, 1]),
        ("seq:=1", [1]),
    ],
)
def test_seq(con: duckdb.DuckDBPyConnection, query: str, expected: list[int]) -> None:
    assert matching(con, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("time:2026-09-14", [0]),
        ("time:2026-09-01", [1]),
        ("time:2026-09", [0, 1, 2]),
        ("time:2026", [0, 1, 2, 3]),
        ("time:2026-09-01..2026-09-30", [0, 1, 2]),
        ("time:2026-09-02..2026-09-30", [0, 2]),
        ("time:>=2026-09-14", [0, 2, 3]),
        ("time:>2026-09-14", [2, 3]),
        ("time:<2026-09-14", [1]),
        ("time:<=2026-09-14", [0, 1]),
        ("time:<2026-09-14T08:31Z", [1]),
        ("time:2026-09-14T08:31Z", [0]),
        ("time:2026-09-14T08:31:22Z", [0]),
        ("time:2026-09-14T08:31:22.5Z", [0]),
        ("time:2026-09-14T08:31:22.6Z", []),
        ("time:2026-09-14T10:31:22+02:00", [0]),
        ('time:"2026-09-14 08:31"', [0]),
        ("time:..2026-09-01", [1]),
        ("time:2026-10-01..", [3]),
        ("-time:2026-09", [3, 4, 5]),  # no time: not in any range, so kept by negation
    ],
)
def test_time(con: duckdb.DuckDBPyConnection, query: str, expected: list[int]) -> None:
    assert matching(con, query) == expected


def test_dates_are_read_in_the_given_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9: 2026-10-01 in Tokyo starts 2026-09-30T15:00Z
    assert matching(con, "time:2026-10-01", tz=tokyo) == [2, 3]
    assert matching(con, "time:2026-09-30", tz=tokyo) == []
    # An explicit offset wins over the time zone.
    assert matching(con, "time:2026-09-14T08:31Z", tz=tokyo) == [0]
    compiled = compile_query("time:2026-09-01", tz=ZoneInfo("Europe/Berlin"))
    assert compiled.params == [
        datetime(2026, 8, 31, 22, tzinfo=UTC),
        datetime(2026, 9, 1, 22, tzinfo=UTC),
    ]


def test_a_day_across_a_daylight_saving_change_is_that_day() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25: that day has 25 hours.
    start, end = compile_query("time:2026-10-25", tz=ZoneInfo("Europe/Berlin")).params
    assert isinstance(start, datetime) and isinstance(end, datetime)
    assert end - start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dragon action:reboot", [1]),
        ("dragon AND action:reboot", [1]),
        ("action:reboot OR action:add", [1, 2]),
        ("action:reboot OR action:add OR type:billing", [1, 2, 3]),
        ("dragon -action:reboot", [0, 4]),
        ("-dragon", [2, 3, 5]),
        ("--dragon", [0, 1, 4]),
        ("-(action:reboot OR action:add)", [0, 3, 4, 5]),
        ("(action:reboot OR action:add) status:failed", [2]),
        # OR binds tighter than the implicit AND.
        ("status:failed action:reboot OR action:add", [2]),
        ("(status:failed action:reboot) OR action:add", [2]),
        ("((dragon))", [0, 1, 4]),
        ("or", [0, 1, 2, 3, 4, 5]),  # lower-case 'or' is a word (in "actor", "category")
        ('"OR"', [0, 1, 2, 3, 4, 5]),
        ("-actor:hana@*", [2, 3, 4, 5]),  # entries without an email are kept
        ("-category:*", [5]),
    ],
)
def test_combining_terms(con: duckdb.DuckDBPyConnection, query: str, expected: list[int]) -> None:
    assert matching(con, query) == expected


def test_deep_but_bounded_nesting_compiles(con: duckdb.DuckDBPyConnection) -> None:
    assert matching(con, "(" * 64 + "dragon" + ")" * 64) == [0, 1, 4]
    assert matching(con, "-" * 64 + "dragon") == [0, 1, 4]


def test_investigator_examples_from_the_docs(con: duckdb.DuckDBPyConnection) -> None:
    assert matching(con, "resource:dragon-staging-10 meta.image.after:*3.22*") == [0]
    assert matching(con, "actor:hana@* time:2026-09-01..2026-09-30 -action:Reboot") == [0]


def test_meta_words_without_a_colon_are_words(con: duckdb.DuckDBPyConnection) -> None:
    assert matching(con, "meta.image") == []
    assert compile_query("meta.image").params == [text_regexp("meta.image")]


def test_like_pattern_escapes_only_when_needed() -> None:
    assert like_pattern("hana@*") == ("hana@%", False)
    assert like_pattern("a\\b") == ("a\\b", False)
    assert like_pattern("100%_\\*") == ("100\\%\\_\\\\%", True)
    assert like_pattern("x", substring=True) == ("%x%", False)


def test_whole_values_with_like_metacharacters_compare_without_escape(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # ILIKE with ESCAPE is several times slower (type:nakama_deployment is a
    # common search); lower() on both sides folds case as ILIKE does.
    compiled = compile_query("type:NAKAMA_builder")
    assert "ESCAPE" not in compiled.where
    assert compiled.params == ["NAKAMA_builder"]
    assert matching(con, "type:NAKAMA_builder") == [4]
    assert matching(con, "type:nakama?builder") == []
    assert matching(con, "resource:BUILDER_3") == [4]
    assert matching(con, "-resource:BUILDER_3") == [0, 1, 2, 3, 5]


def test_fields_list_is_what_the_language_accepts() -> None:
    for name in FIELDS:
        value = {"seq": "1", "time": "2026-09-01", "status": "verified", "starred": "yes", "annotated": "no"}.get(name, "x")
        compile_query(f"{name}:{value}")


# ---------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        ("foo:bar", 1, "unknown field 'foo'"),
        ("dragon https://x", 8, "unknown field 'https'"),
        ('actor:"Hana', 7, "unclosed quote"),
        ('dragon "image', 8, "unclosed quote"),
        ("(dragon", 1, "'(' is never closed"),
        ("a (b (c)", 3, "'(' is never closed"),
        ("dragon)", 7, "')' without '('"),
        (")", 1, "')' without '('"),
        ("()", 1, "empty parentheses"),
        ("dragon OR", 8, "OR needs a term on both sides"),
        ("OR dragon", 1, "OR needs a term on both sides"),
        ("a OR OR b", 3, "OR needs a term on both sides"),
        ("(a OR) b", 4, "OR needs a term on both sides"),
        ("a AND", 3, "AND needs a term on both sides"),
        ("-", 1, "nothing to negate"),
        ("a - b", 3, "nothing to negate"),
        ("-)", 1, "nothing to negate"),
        ("time:2026-13-01", 6, "bad date"),
        ("time:yesterday", 6, "bad date"),
        ("time:2026-02-30", 6, "bad date"),
        ("time:>=", 8, "missing date"),
        ("time:2026-09-02..2026-09-01", 6, "ends before it starts"),
        ("time:2026-09-01..nope", 18, "bad date"),
        ("time:2026-09-01T25:00Z", 6, "bad date"),
        ("time:2026-09-01T10:00+24:00", 6, "bad date"),
        ("seq:x", 5, "bad seq range"),
        ("seq:5..x", 8, "bad seq range"),
        ("seq:9..5", 5, "ends before it starts"),
        ("seq:-1", 5, "bad seq range"),
        ("seq:..", 5, "give at least one end"),
        ("seq:99999999999999999999", 5, "too large"),
        ("status:ok", 8, "unknown status"),
        ("actor:", 1, "needs a value"),
        ("x actor: y", 3, "needs a value"),
        ("meta:x", 1, "meta needs a path"),
        ("meta.:x", 6, "empty segment"),
        ("meta.a.:x", 8, "empty segment"),
        ("ok \ud800", 4, "lone surrogate"),
        ("actor:\udcff", 7, "lone surrogate"),
        ('meta.a"b":x', 7, "unexpected quote"),
        ("(" * 65 + "x" + ")" * 65, 65, "nested too deeply"),
        ("-" * 65 + "x", 65, "nested too deeply"),
    ],
)
def test_malformed_queries_say_where_and_why(query: str, column: int, reason: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query)
    error = caught.value
    assert reason in error.reason
    assert error.column == column
    assert error.query == query
    assert str(error).startswith(f"column {column}: ")


# ---------------------------------------------------------------------------
# Nothing typed reaches the SQL text

HOSTILE_VALUES = [
    "x'); DROP TABLE entries;--",
    "' OR '1'='1",
    "a'b",
    '"; DELETE FROM entries; --',
    "%",
    "_",
    "\\",
    "%'||(SELECT 1)||'",
    "); COPY entries TO '/tmp/x.csv'; --",
]
TEXT_FIELDS = ["category", "action", "event", "actor", "resource", "type", "title", "id"]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hostile_queries() -> Iterator[str]:
    for value in HOSTILE_VALUES:
        yield _quoted(value)
        for name in TEXT_FIELDS:
            yield f"{name}:{_quoted(value)}"
        yield f"meta.image.after:{_quoted(value)}"
        yield f"meta.{_quoted(value)}:x"
        yield f"meta.a.{_quoted(value)}.b:{_quoted(value)}"
    yield "meta.a');DROP/**/TABLE/**/entries;--:x"
    yield "meta.a'):x"
    yield "meta.(a):x"
    yield "status:*'*"


@pytest.mark.parametrize("query", list(_hostile_queries()))
def test_typed_values_travel_only_as_parameters(con: duckdb.DuckDBPyConnection, query: str) -> None:
    compiled = compile_query(query)
    for fragment in ("DROP", "DELETE", "COPY", "'1'", "a'b", "SELECT 1", "');"):
        assert fragment not in compiled.where
    assert compiled.where.count("?") == len(compiled.params)
    before = con.execute("SELECT count(*) FROM entries").fetchone()
    con.execute(f"SELECT count(*) FROM entries WHERE {compiled.where}", compiled.params)
    assert con.execute("SELECT count(*) FROM entries").fetchone() == before


def test_a_hostile_meta_path_is_a_json_pointer_parameter() -> None:
    compiled = compile_query("meta.a');DROP/**/TABLE/**/entries;--:x")
    assert compiled.params == ["/a');DROP~1**~1TABLE~1**~1entries;--", "x"]
    compiled = compile_query('meta."a\'); DROP TABLE entries;--":x')
    assert compiled.params == ["/a'); DROP TABLE entries;--", "x"]
    compiled = compile_query('meta."a/b"."~x":1')
    assert compiled.params == ["/a~1b/~0x", "1"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab :-()\"'\\%_*.OR=<>0129TZmetaq")), max_size=30))
def test_any_text_either_compiles_to_runnable_sql_or_is_a_query_error(text: str) -> None:
    try:
        compiled = compile_query(text)
    except QueryError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    assert compiled.where.count("?") == len(compiled.params)
    _FUZZ_CONNECTION.execute(
        f"SELECT count(*) FROM entries WHERE {compiled.where}", compiled.params
    ).fetchall()


# One table for every example (hypothesis runs examples outside pytest fixtures).
_FUZZ_CONNECTION = duckdb.connect()
_FUZZ_CONNECTION.execute(f"CREATE TABLE entries ({COLUMNS})")
