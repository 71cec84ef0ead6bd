"""Display columns given by the C entry check against the ones DuckDB derives.

Before each INSERT the C check reads the text at each entry column's path as it
validates the entry (``store/schema.py``'s ``given_columns``, ``csrc/entry_columns.h``)
and the store inserts it as given (``INSERT_EITHER``); rows it does not give, and every
row without the extension, are derived by DuckDB's ``json_extract_string``
(``INSERT_ENTRIES``), which the cache proof runs again. The two must give identical
columns: each test here loads the same entries twice, once with the check's columns
and once with DuckDB deriving all, and compares every stored column of every row (``time`` parsed and ``event_type`` joined included), over
the conformance vectors, sample bundles, and fuzzed entries with escapes, unicode,
nested objects, non-string scalars and missing keys. Each also says how many rows the
check gave, so that a check giving nothing cannot pass for one giving the same.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from auditviewer.core.entry_schema import ENTRY_COLUMNS
from auditviewer.core.native import NATIVE
from auditviewer.demo import write_sample_bundle
from auditviewer.store import schema
from auditviewer.store.schema import COLUMN_PATHS, GIVEN_FIELDS, GIVEN_FLAG, given_columns
from auditviewer.store.store import Store
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import store_rows
from tests.helpers.vectors import VECTORS

_STORED = "SELECT * EXCLUDE (rid) FROM entries ORDER BY rid"
_PATH_COLUMNS = [c.name for c in ENTRY_COLUMNS if c.path]


def _rows(tables: list[pa.Table], *, database: str | Path = ":memory:") -> list[tuple[Any, ...]]:
    with Store(database=database) as store:
        for table in tables:
            store.append(table)
        store.finish()
        return store._con.execute(_STORED).fetchall()


def _derived_rows(tables: list[pa.Table]) -> list[tuple[Any, ...]]:
    """The rows with every display column derived by DuckDB (as without the extension)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schema, "given_columns", lambda leaf: None)
        return _rows(tables)


def _given_count(tables: list[pa.Table]) -> int:
    counted = 0
    for table in tables:
        columns = given_columns(pa.chunked_array(table.column("leaf").chunks).cast(pa.string()))
        assert columns is not None
        counted += columns[0].to_pylist().count(True)
    return counted


def _assert_same_columns(tables: list[pa.Table], database: Path | None = None) -> None:
    given = _rows(tables, database=database or ":memory:")
    derived = _derived_rows(tables)
    assert len(given) == len(derived)
    for with_given, by_duckdb in zip(given, derived, strict=True):
        assert with_given == by_duckdb


def _checked(leaves: list[bytes]) -> pa.Table:
    """The leaves as a batch the store takes (seq: the row's index)."""
    return pa.table({"seq": pa.array(range(len(leaves)), pa.int64()), "leaf": pa.array(leaves, pa.binary())})


# -- fuzzed entries ----------------------------------------------------------------

_TEXTS = [
    "plain",
    "",
    "café",
    "😀 emoji",
    'quote " inside',
    "back\\slash",
    "slash / here",
    "line\nbreak\ttab\r",
    "\u2028\u2029 separators",
    "\x01\x1f controls",
    "nul \x00 inside",
    "\ufeff bom",
    "\u202e bidi",
    "2026-09-14T08:31:22.512Z",
    "2026-09-14 08:31:22+02:00",
    "2026-09-14",
    "epoch",
    "Ünïcödé ‮ mix",
]


def _text(rng: random.Random) -> str:
    text = rng.choice(_TEXTS)
    if rng.random() < 0.3:
        text += "".join(chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0xD7FF),
                                         rng.randrange(0x10000, 0x10FFFF)])) for _ in range(rng.randrange(1, 6)))
    return text


def _value(rng: random.Random, *, string_only: bool = False) -> Any:
    roll = rng.random()
    if string_only or roll < 0.6:
        return _text(rng)
    return rng.choice([None, 0, -0.0, 12, -7, 1.5, 1e21, 2**70, True, False, [], ["a", 1], {}, {"email": "deep"},
                       {"k": {"l": [1, {"m": None}]}}])


_MISSING = object()


def _member(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.1:
        return _MISSING
    return _value(rng)


def _object(rng: random.Random, keys: tuple[str, ...], *, kind: str) -> Any:
    """actor (an object), resource or title (an object or null), as the check requires."""
    if kind != "actor" and rng.random() < 0.15:
        return None
    out: dict[str, Any] = {}
    extra = ["x", "nested", "email2"]
    names = list(keys) + rng.sample(extra, rng.randrange(0, 3))
    rng.shuffle(names)
    for name in names:
        value = _member(rng) if name in keys else {"email": "not me", "id": ["no"]}
        if value is not _MISSING:
            out[name] = value
    return out


def _entry(rng: random.Random, seq: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": seq,
        "id": _value(rng, string_only=True),
        "time": rng.choice(["2026-09-14T08:31:22.512Z", "2026-09-14T08:31:22+05:30", "not a time", _text(rng)]),
        "category": _value(rng, string_only=True),
        "action": _value(rng, string_only=True),
        "actor": _object(rng, ("email", "type", "name"), kind="actor"),
        "metadata": {"actor": {"email": "in metadata"}, "n": [1, 2.5, None], "t": _text(rng)},
    }
    for name, keys in (("resource", ("type", "id", "name")), ("title", ("id", "name"))):
        if rng.random() < 0.85:
            entry[name] = _object(rng, keys, kind=name)
    items = list(entry.items())
    rng.shuffle(items)
    return dict(items)


def _written(rng: random.Random, entry: dict[str, Any]) -> bytes:
    """The entry as JSON text: escaped or not, spaced or not."""
    ascii_only = rng.random() < 0.4
    spaced = rng.random() < 0.3
    text = json.dumps(entry, ensure_ascii=ascii_only, separators=(", ", ": ") if spaced else (",", ":"))
    if rng.random() < 0.2:
        text = text.replace("/", "\\/")  # an escaped solidus, valid JSON
    return text.encode()


def _fuzzed(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [_written(rng, _entry(rng, seq)) for seq in range(count)]


# Hand-made cases at the edges, each a whole entry; the ones the check gives are marked.
_BASE = ('"seq":1,"id":"i","time":"2026-09-14T08:31:22Z","category":"c","action":"a",'
         '"actor":{"email":"e"},"metadata":{}')
EDGES: list[tuple[bytes, bool]] = [
    (("{" + _BASE + "}").encode(), True),
    (("{" + _BASE + ',"resource":null,"title":null}').encode(), True),
    (("{" + _BASE.replace('"e"', '"\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/"') + "}").encode(), True),
    (("{" + _BASE.replace('"e"', '"nul\\u0000"') + "}").encode(), False),  # left to DuckDB
    (("{" + _BASE.replace('"e"', "12.50") + "}").encode(), False),  # a number: DuckDB renders 12.5
    (("{" + _BASE.replace('"e"', "true") + "}").encode(), False),
    (("{" + _BASE.replace('"e"', '{"a":1}') + "}").encode(), False),
    (("{" + _BASE.replace('"e"', "null") + "}").encode(), True),  # JSON null: NULL, as ->>
    (("{" + _BASE.replace('{"email":"e"}', '{"x":{"email":"deep"}}') + "}").encode(), True),
    (("{" + _BASE.replace('{"email":"e"}', '{"x":[{"email":"deep"}]}') + "}").encode(), True),
    (("{" + _BASE + ',"resource":{"id":"r","id":"s"}}').encode(), False),  # a duplicate key: declined
    (("{" + _BASE.replace('"email"', '"em\\u0061il"') + "}").encode(), False),  # an escaped key: declined
    (("{" + _BASE + "} ").encode(), False),  # whitespace after: declined (malformed)
    (b'{"seq":1}', False),  # not an entry: declined
    (b"not json", False),
    ((" { " + _BASE.replace(",", " ,\n").replace(":", " : ") + " }").encode()[1:], True),
]


@pytest.mark.native
def test_edge_cases_are_given_only_when_exact() -> None:
    table = _checked([leaf for leaf, _ in EDGES])
    columns = given_columns(pa.chunked_array([pa.array([leaf for leaf, _ in EDGES], pa.string())]))
    assert columns is not None
    assert columns[0].to_pylist() == [given for _, given in EDGES]
    assert columns[1 + _PATH_COLUMNS.index("actor_email")][2].as_py() == 'é😀\n"\\/'
    _assert_same_columns([table])


@pytest.mark.native
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_entries_give_the_columns_duckdb_derives(seed: int) -> None:
    leaves = _fuzzed(1500, seed)
    table = _checked(leaves)
    given = _given_count([table])
    # Most fuzzed entries hold a number, object or \u0000 at some path; many do not.
    assert 0.05 * len(leaves) < given < len(leaves)
    _assert_same_columns([table])


@pytest.mark.native
def test_fuzzed_entries_in_a_database_file_pass_the_cache_proof(tmp_path: Path) -> None:
    table = _checked(_fuzzed(800, 9))
    path = tmp_path / "given.duckdb"
    _assert_same_columns([table], database=path)
    with Store(database=path) as store:
        assert store.derived_problem() is None


def _read(path: Path) -> list[pa.Table]:
    workspace = open_workspace([path])
    try:
        return [store_rows(batch) for batch in workspace.iter_batches()]
    finally:
        workspace.close()


def _vector_bundles() -> list[Path]:
    return sorted(p for p in VECTORS.iterdir() if p.is_dir() or p.suffix == ".zip")


@pytest.mark.native
@pytest.mark.parametrize("bundle", _vector_bundles(), ids=lambda p: p.name)
def test_conformance_vectors_give_the_columns_duckdb_derives(bundle: Path) -> None:
    tables = _read(bundle)
    rows = sum(t.num_rows for t in tables)
    if not rows:
        pytest.skip(f"{bundle.name} holds no entries")
    assert _given_count(tables) == rows
    _assert_same_columns(tables)


@pytest.mark.native
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_sample_bundles_give_every_column(tmp_path: Path, fmt: str) -> None:
    written = write_sample_bundle(tmp_path / "sample", entries=3000, fmt=fmt)  # type: ignore[arg-type]
    tables = _read(written.path)
    assert _given_count(tables) == sum(t.num_rows for t in tables) == 3000
    _assert_same_columns(tables)


# -- without the extension --------------------------------------------------------


def _python_given(leaf: bytes) -> tuple[bool, list[str | None]]:
    """The given columns as the C check would give them, from json.loads: only strings, absent or null."""
    entry = json.loads(leaf)
    values: list[str | None] = []
    for column in (c for c in ENTRY_COLUMNS if c.path):
        value: Any = entry
        for key in column.path:
            value = value.get(key) if isinstance(value, dict) else None
        if (value is not None and not isinstance(value, str)) or (isinstance(value, str) and "\x00" in value):
            return False, [None] * len(_PATH_COLUMNS)
        values.append(value)
    return True, values


def test_given_columns_are_stored_as_duckdb_would_derive_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # The store's half alone (runs without the extension too): columns given by json.loads.
    leaves = _fuzzed(600, 5)

    def by_python(leaf: pa.ChunkedArray) -> list[pa.ChunkedArray]:
        judged = [_python_given(text.encode()) for text in leaf.to_pylist()]
        arrays = [pa.array([ok for ok, _ in judged], pa.bool_())]
        arrays += [pa.array([values[i] for _, values in judged], pa.string()) for i in range(len(_PATH_COLUMNS))]
        return [pa.chunked_array([a]) for a in arrays]

    given = [ok for ok, _ in map(_python_given, leaves)]
    assert 0 < given.count(True) < len(leaves)
    derived = _derived_rows([_checked(leaves)])
    monkeypatch.setattr(schema, "given_columns", by_python)
    assert _rows([_checked(leaves)]) == derived


def test_column_paths_follow_the_entry_schema() -> None:
    assert COLUMN_PATHS is not None
    assert [tuple(k.decode() for k in path) for path in COLUMN_PATHS] == [c.path for c in ENTRY_COLUMNS if c.path]
    assert list(GIVEN_FIELDS) == _PATH_COLUMNS
    assert GIVEN_FLAG not in GIVEN_FIELDS.values()


@pytest.mark.skipif(NATIVE is not None, reason="the extension is there: the tests above compare it")
def test_without_the_extension_duckdb_derives_every_column() -> None:
    assert given_columns(pa.chunked_array([pa.array(["{}"])])) is None
    assert len(_rows([_checked(_fuzzed(50, 6))])) == 50
