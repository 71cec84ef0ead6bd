"""The workspace store: loading, derived columns, views and windows, facets,
histogram, scope tree, states, export reads, lock-down, and that searches
match a plain Python reading of the same entries."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditviewer.core.errors import QueryError, StoreError
from auditviewer.store import ingest as ingest_module
from auditviewer.store import schema as schema_module
from auditviewer.store import views as views_module
from auditviewer.store.store import (
    DISPLAY_COLUMNS,
    Filter,
    ResourceScope,
    Sort,
    StateRange,
    Store,
    TitleScope,
)


def entry_text(**fields: Any) -> str:
    """An entry as an exporter writes it (sorted keys, no spaces, UTF-8)."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def make_entry(
    seq: int,
    *,
    time: str | None = None,
    category: str | None = "Nakama Deployment",
    action: str | None = "Update",
    actor: dict[str, Any] | None = None,
    resource: dict[str, Any] | None = None,
    title: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    **extra: Any,
) -> str:
    fields: dict[str, Any] = {
        "seq": seq,
        "id": f"evt_{seq:06d}",
        "time": time or _time_of(seq),
        "category": category,
        "action": action,
        "actor": actor if actor is not None else {"email": "hana@acme.example", "type": "user"},
        "resource": resource,
        "title": title,
        "metadata": metadata if metadata is not None else {},
        **extra,
    }
    return entry_text(**{key: value for key, value in fields.items() if value is not None})


def _time_of(seq: int) -> str:
    moment = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=seq)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def batch_of(
    leaves: Sequence[str | bytes],
    *,
    seqs: Sequence[int] | None = None,
    source: str = "entries/part-00000.jsonl",
    states: Sequence[str] | None = None,
) -> pa.Table:
    raw = [leaf.encode() if isinstance(leaf, str) else leaf for leaf in leaves]
    columns: dict[str, pa.Array] = {
        "seq": pa.array(list(seqs) if seqs is not None else range(len(raw)), pa.int64()),
        "leaf": pa.array(raw, pa.binary()),
        "source": pa.array([source] * len(raw), pa.string()),
        "line": pa.array(range(1, len(raw) + 1), pa.int64()),
    }
    if states is not None:
        columns["state"] = pa.array(list(states), pa.string())
    return pa.table(columns)


def loaded(leaves: Sequence[str | bytes], **kwargs: Any) -> Store:
    store = Store()
    store.append(batch_of(leaves, **kwargs))
    store.finish()
    return store


@pytest.fixture
def store() -> Iterator[Store]:
    """60 entries: three titles' deployments, users and billing, a minute apart."""
    leaves = []
    for seq in range(60):
        if seq % 10 == 9:
            leaves.append(
                make_entry(
                    seq,
                    category="Organization User",
                    action="Add",
                    resource={"type": "user", "id": f"usr_{seq % 3}", "name": f"user{seq % 3}"},
                )
            )
        elif seq % 10 == 8:
            leaves.append(
                make_entry(
                    seq,
                    category="Organization Billing",
                    action="Update",
                    actor={"type": "system", "name": "billing-bot"},
                    resource={"type": "billing", "id": "bill_1", "name": "Acme billing"},
                    metadata={"plan": {"before": "Growth", "after": "Scale"}},
                )
            )
        else:
            number = seq % 4
            leaves.append(
                make_entry(
                    seq,
                    action=["Update", "Reboot", "Create"][seq % 3],
                    actor={"email": ["hana@acme.example", "chen@acme.example"][seq % 2]},
                    resource={
                        "type": "nakama_deployment",
                        "id": f"dep_{number}",
                        "name": f"dragon-staging-{number}",
                    },
                    title={"id": f"ttl_{number % 2}", "name": f"Title {number % 2}"},
                    metadata={"image": {"after": f"nakama:3.{20 + seq % 5}.0"}},
                )
            )
    with loaded(leaves) as created:
        yield created


def seqs_of(table: pa.Table) -> list[int]:
    return [int(seq) for seq in table.column("seq").to_pylist()]


# ---------------------------------------------------------------------------
# Loading and derived columns


def test_display_columns_come_from_the_entry_text() -> None:
    leaf = make_entry(
        7,
        time="2026-09-14T08:31:22.512Z",
        category="Nakama Deployment",
        action="Update",
        actor={"email": "hana@acme.example", "type": "user", "name": "Hana K"},
        resource={"type": "nakama_deployment", "id": "dep_0010", "name": "dragon-staging-10"},
        title={"id": "ttl_003", "name": "Dragon Tactics"},
        metadata={"image": {"before": "a", "after": "b"}},
        extra_field="kept",
    )
    with loaded([leaf], seqs=[7]) as store:
        row = store.entry(7)
    assert row == {
        "seq": 7,
        "id": "evt_000007",
        "time": datetime(2026, 9, 14, 8, 31, 22, 512000, tzinfo=UTC),
        "category": "Nakama Deployment",
        "action": "Update",
        "event_type": "Nakama Deployment Update",
        "actor_email": "hana@acme.example",
        "actor_type": "user",
        "actor_name": "Hana K",
        "resource_type": "nakama_deployment",
        "resource_id": "dep_0010",
        "resource_name": "dragon-staging-10",
        "title_id": "ttl_003",
        "title_name": "Dragon Tactics",
        "metadata": '{"image":{"after":"b","before":"a"}}',
        "leaf": leaf,
        "source": "entries/part-00000.jsonl",
        "line": 1,
        "state": "unverified",
    }
    assert tuple(row) == DISPLAY_COLUMNS


def test_window_columns_have_their_types() -> None:
    with loaded([make_entry(0)]) as store:
        view = store.create_view()
        schema = store.window(view, 0, 1).schema
    assert schema.names == list(DISPLAY_COLUMNS)
    assert schema.field("seq").type == pa.int64()
    assert schema.field("line").type == pa.int64()
    assert schema.field("time").type == pa.timestamp("us", tz="UTC")
    for name in ("id", "category", "metadata", "leaf", "state"):
        assert schema.field(name).type == pa.string()


@pytest.mark.parametrize(
    "leaf",
    [
        b"not json",
        b"",
        b"[1,2,3]",
        b'"just a string"',
        b"42",
        b'{"seq":0,"time":',
        b'{"id":"a\x00b"}',
        b"\xff\xfe{}",
        b'{"category": {"nested": true}, "actor": "bob", "title": [1], "time": 5}',
    ],
)
def test_entries_that_are_not_entry_objects_still_load(leaf: bytes) -> None:
    good = make_entry(1)
    with loaded([leaf, good.encode()]) as store:
        assert store.total_count() == 2
        row = store.entry(0)
        assert row is not None
        assert row["time"] is None
        assert row["actor_email"] is None
        assert row["title_id"] is None
        assert store.entry(1)["event_type"] == "Nakama Deployment Update"  # type: ignore[index]
        # The exact bytes come back for export, whatever they are.
        exported = pa.Table.from_batches(list(store.iter_leaves()))
        assert exported.column("leaf").to_pylist() == [leaf, good.encode()]


def test_searches_skip_entries_that_are_not_json() -> None:
    leaves = [b"not json", make_entry(1, metadata={"image": {"after": "nakama:3.22.0"}}).encode()]
    with loaded(leaves) as store:
        assert store.seqs(Filter(query="meta.image.after:*3.22*")).to_pylist() == [1]
        assert store.seqs(Filter(query="-meta.image.after:*")).to_pylist() == [0]
        assert store.seqs(Filter(query="not")).to_pylist() == [0]
        view = store.create_view(sort=Sort(column="category"))
        assert store.window(view, 0, 2).column("metadata").to_pylist() == [
            '{"image":{"after":"nakama:3.22.0"}}',
            None,
        ]


def test_fields_are_extracted_without_try_unless_a_row_is_not_json() -> None:
    """The fast extraction is used for JSON batches; a batch with text that is not
    JSON is extracted again with try(), giving that row no fields and the others theirs."""
    con = duckdb.connect()
    try:
        good = make_entry(1, action="Delete")
        con.register("rows", pa.table({"leaf": [good, good]}))
        sql = "SELECT {fields}[4] FROM rows"
        seen: list[str] = []
        real_execute = con.execute

        class Spy:
            def execute(self, text: str) -> duckdb.DuckDBPyConnection:
                seen.append(text)
                return real_execute(text)

        assert schema_module.with_fields(Spy(), sql) == [("Delete",), ("Delete",)]  # type: ignore[arg-type]
        assert seen == [sql.replace("{fields}", schema_module._FIELDS_FAST)]
        assert "try(" not in schema_module._FIELDS_FAST
        con.register("rows", pa.table({"leaf": ["not json", good]}))
        assert schema_module.with_fields(con, sql) == [(None,), ("Delete",)]
    finally:
        con.close()


def test_metadata_is_derived_on_read_not_a_table_column() -> None:
    """DuckDB evaluates a generated column on every insert: metadata is computed by reads."""
    with loaded([make_entry(0, metadata={"k": 1}).encode()]) as store:
        columns = [row[0] for row in store._con.execute("DESCRIBE entries").fetchall()]
        assert "metadata" not in columns
        assert store.entry(0)["metadata"] == '{"k":1}'  # type: ignore[index]
        assert store.seqs(Filter(query="meta.k:1")).to_pylist() == [0]


def test_odd_field_types_show_as_json_text() -> None:
    leaf = entry_text(seq=0, category={"nested": True}, actor="bob", title=None, resource=[1])
    with loaded([leaf]) as store:
        row = store.entry(0)
    assert row is not None
    assert row["category"] == '{"nested":true}'
    assert row["actor_email"] is None
    assert row["resource_id"] is None
    assert row["event_type"] == '{"nested":true}'


def test_invalid_utf8_is_shown_replaced_and_exported_exact() -> None:
    leaf = b'{"id":"caf\xe9","seq":0}'
    with loaded([leaf]) as store:
        row = store.entry(0)
        assert row is not None and row["leaf"] == '{"id":"caf\ufffd","seq":0}'
        (batch,) = list(store.iter_leaves())
        assert batch.column("leaf").to_pylist() == [leaf]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-14T08:31:22Z", datetime(2026, 9, 14, 8, 31, 22, tzinfo=UTC)),
        ("2026-09-14T08:31:22.5Z", datetime(2026, 9, 14, 8, 31, 22, 500000, tzinfo=UTC)),
        ("2026-09-14T08:31:22.123456789Z", datetime(2026, 9, 14, 8, 31, 22, 123456, tzinfo=UTC)),
        ("2026-09-14T10:31:22+02:00", datetime(2026, 9, 14, 8, 31, 22, tzinfo=UTC)),
        ("2026-09-14", None),
        ("epoch", None),
        ("infinity", None),
        ("2026-13-45T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_time_is_rfc3339_or_nothing(text: str, expected: datetime | None) -> None:
    with loaded([entry_text(seq=0, time=text)]) as store:
        row = store.entry(0)
    assert row is not None and row["time"] == expected


def test_leaf_may_be_a_string_column_and_other_columns_are_optional() -> None:
    table = pa.table({"seq": pa.array([0, 1]), "leaf": [make_entry(0), make_entry(1)]})
    with Store() as store:
        store.append(table)
        store.finish()
        row = store.entry(1)
    assert row is not None
    assert (row["source"], row["line"], row["state"]) == (None, None, "unverified")


def test_record_batches_load_incrementally_and_first_rows_show_at_once() -> None:
    leaves = [make_entry(seq) for seq in range(30)]
    with Store() as store:
        batches = batch_of(leaves).to_batches(max_chunksize=10)
        store.append(batches[0])
        assert store.total_count() == 10
        view = store.create_view()
        assert seqs_of(store.window(view, 0, 100)) == list(range(10))
        store.append(batches[1])
        store.append(batches[2])
        assert store.total_count() == 30  # reading loads what is pending
        store.finish()
        assert store.finished
        with pytest.raises(StoreError, match="finished"):
            store.append(batches[0])


def test_batches_out_of_order_end_up_in_seq_order() -> None:
    leaves = {seq: make_entry(seq) for seq in range(20)}
    with Store() as store:
        store.append(batch_of([leaves[seq] for seq in range(10, 20)], seqs=range(10, 20)))
        store.append(batch_of([leaves[seq] for seq in (5, 3, 4, 0, 1, 2, 9, 8, 7, 6)],
                              seqs=[5, 3, 4, 0, 1, 2, 9, 8, 7, 6]))  # fmt: skip
        store.finish()
        view = store.create_view()
        assert seqs_of(store.window(view, 0, 100)) == list(range(20))
        assert store.seqs().to_pylist() == list(range(20))


def test_views_made_while_loading_survive_reordering() -> None:
    with Store() as store:
        store.append(batch_of([make_entry(seq) for seq in (5, 6, 7)], seqs=[5, 6, 7]))
        early = store.create_view(sort=Sort(column="seq", descending=True))
        store.append(batch_of([make_entry(seq) for seq in range(5)]))
        store.finish()
        assert seqs_of(store.window(early, 0, 10)) == [7, 6, 5]
        assert seqs_of(store.window(store.create_view(), 0, 10)) == [0, 1, 2, 3, 4, 5, 6, 7]


def test_identical_duplicates_are_one_entry_and_conflicts_keep_both() -> None:
    first = [make_entry(seq) for seq in range(5)]
    changed = make_entry(3, action="Delete")
    with Store() as store:
        store.append(batch_of(first, source="a.jsonl"))
        store.append(batch_of(first[2:], seqs=[2, 3, 4], source="b.jsonl"))
        store.append(batch_of([changed], seqs=[3], source="c.jsonl"))
        store.finish()
        view = store.create_view()
        rows = store.window(view, 0, 100).to_pylist()
        assert [(row["seq"], row["source"]) for row in rows] == [
            (0, "a.jsonl"),
            (1, "a.jsonl"),
            (2, "a.jsonl"),
            (3, "a.jsonl"),
            (3, "c.jsonl"),
            (4, "a.jsonl"),
        ]
        assert store.entry(3)["action"] == "Update"  # type: ignore[index]
        assert store.seqs().to_pylist() == [0, 1, 2, 3, 4]
        leaves = pa.Table.from_batches(list(store.iter_leaves())).column("leaf").to_pylist()
        assert leaves == [
            first[0].encode(),
            first[1].encode(),
            first[2].encode(),
            first[3].encode(),
            changed.encode(),
            first[4].encode(),
        ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pa.table({"leaf": [b"{}"]}), "lacks column"),
        (pa.table({"seq": [0]}), "lacks column"),
        (pa.table({"seq": pa.array([None], pa.int64()), "leaf": [b"{}"]}), "seq is missing"),
        (pa.table({"seq": [0], "leaf": pa.array([None], pa.binary())}), "leaf is missing"),
        (pa.table({"seq": [0], "leaf": [1]}), "leaf must be"),
        (pa.table({"seq": ["x"], "leaf": [b"{}"]}), "not an integer"),
        (pa.table({"seq": [0], "leaf": [b"{}"], "state": ["great"]}), "unknown state"),
    ],
)
def test_bad_batches_are_refused(table: pa.Table, message: str) -> None:
    with Store() as store, pytest.raises(StoreError, match=message):
        store.append(table)


def test_states_given_with_the_batch() -> None:
    leaves = [make_entry(seq) for seq in range(3)]
    with loaded(leaves, states=["verified", "failed", "unverified"]) as store:
        assert store.facet_counts(Filter(), "state") == [
            ("failed", 1),
            ("unverified", 1),
            ("verified", 1),
        ]


def test_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "workspace.duckdb"
    path.write_bytes(b"")  # a stale, empty file is started afresh
    path.unlink()
    with Store(database=path) as store:
        store.append(batch_of([make_entry(seq) for seq in range(50)]))
        store.finish()
        store.lock_down()
        view = store.create_view(
            Filter(query="seq:10..19"), sort=Sort(column="seq", descending=True)
        )
        assert seqs_of(store.window(view, 0, 3)) == [19, 18, 17]
        assert store.set_states([(0, 49, "verified")]) == 50
    assert path.exists()


def test_a_database_file_is_not_vacuumed_at_checkpoints(tmp_path: Path) -> None:
    """Vacuuming merged the part-filled row groups of every INSERT at the checkpoint,
    rewriting half the table (1-1.8 s of a 1M cold open, and a file 1.6-1.8 times larger)."""
    with Store(database=tmp_path / "workspace.duckdb") as store:
        assert store._con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall() == [(0,)]
    with Store() as in_memory:  # nothing to vacuum: DuckDB's default stays
        assert in_memory._con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall() != [(0,)]


def test_a_completed_database_file_reopens(tmp_path: Path) -> None:
    path = tmp_path / "workspace.duckdb"
    with Store(database=path) as store:
        store.append(batch_of([make_entry(seq) for seq in range(5)]))
        store.finish()
        store.set_states([(0, 1, "verified")])
        store.mark_complete(key="content-key")
    with Store(database=path, existing=True) as reopened:
        assert reopened.stored_key() == "content-key"
        # Straight after a lookup, a window (a relation query) works. States are
        # kept as seq ranges in the session, never written to the file: a reopened
        # file's rows are unverified until this run's report sets them.
        view = reopened.create_view(Filter(query="status:unverified"))
        assert seqs_of(reopened.window(view, 0, 10)) == [0, 1, 2, 3, 4]
        assert reopened.entry(4)["metadata"] == "{}"  # type: ignore[index]
        assert reopened.finished


def test_an_unfinished_database_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "workspace.duckdb"
    with Store(database=path) as store:
        store.append(batch_of([make_entry(0)]))
    with pytest.raises(StoreError, match="not a complete one"):
        Store(database=path, existing=True)


# ---------------------------------------------------------------------------
# Views and windows


def test_window_at_any_position(store: Store) -> None:
    view = store.create_view()
    assert store.count(view) == 60 == view.row_count
    assert seqs_of(store.window(view, 0, 5)) == [0, 1, 2, 3, 4]
    assert seqs_of(store.window(view, 28, 4)) == [28, 29, 30, 31]
    assert seqs_of(store.window(view, 57, 10)) == [57, 58, 59]
    assert store.window(view, 60, 10).num_rows == 0
    assert store.window(view, 500, 10).num_rows == 0
    assert store.window(view, 3, 0).num_rows == 0
    assert store.window(view, 500, 10).schema.names == list(DISPLAY_COLUMNS)
    with pytest.raises(StoreError, match="bad window"):
        store.window(view, -1, 10)


def test_window_of_chosen_columns(store: Store) -> None:
    view = store.create_view()
    table = store.window(view, 0, 2, columns=["seq", "event_type"])
    assert table.to_pylist() == [
        {"seq": 0, "event_type": "Nakama Deployment Update"},
        {"seq": 1, "event_type": "Nakama Deployment Reboot"},
    ]
    with pytest.raises(StoreError, match="no column"):
        store.window(view, 0, 2, columns=["seq", "rid"])


@pytest.mark.parametrize("column", sorted({"seq", "time", "category", "action", "actor_email",
                                           "resource_name", "state", "title_name", "id"}))  # fmt: skip
@pytest.mark.parametrize("descending", [False, True])
def test_sorted_views_match_a_python_sort(store: Store, column: str, descending: bool) -> None:
    everything = store.window(store.create_view(), 0, 100).to_pylist()
    # Ties keep log order in the direction asked; missing values go last.
    present = [row for row in everything if row[column] is not None]
    missing = [row for row in everything if row[column] is None]
    expected = sorted(present, key=lambda row: (row[column], row["seq"]), reverse=descending)
    expected += sorted(missing, key=lambda row: row["seq"], reverse=descending)
    view = store.create_view(sort=Sort(column=column, descending=descending))
    assert seqs_of(store.window(view, 0, 100)) == [row["seq"] for row in expected]
    # Any window is the matching slice.
    assert seqs_of(store.window(view, 17, 9)) == [row["seq"] for row in expected[17:26]]


def test_unknown_sort_column() -> None:
    with pytest.raises(StoreError, match="cannot sort"):
        Sort(column="leaf")
    with pytest.raises(StoreError, match="cannot sort"):
        Sort(column="seq; DROP TABLE entries")


def test_views_are_snapshots_and_old_ones_are_dropped() -> None:
    with Store(max_views=2) as store:
        store.append(batch_of([make_entry(seq) for seq in range(10)]))
        first = store.create_view()
        store.set_states([(0, 4, "verified")])
        verified = store.create_view(Filter(query="status:verified"))
        assert store.count(verified) == 5
        assert store.count(first) == 10
        third = store.create_view(Filter(query="seq:1"))
        with pytest.raises(StoreError, match="dropped"):
            store.window(first, 0, 1)
        store.drop_view(verified)
        store.drop_view(verified)  # harmless
        with pytest.raises(StoreError, match="dropped"):
            store.count(verified)
        assert seqs_of(store.window(third, 0, 5)) == [1]


def test_position_of(store: Store) -> None:
    view = store.create_view(Filter(query="-seq:0..9"), sort=Sort(column="seq", descending=True))
    assert store.position_of(view, 59) == 0
    assert store.position_of(view, 10) == 49
    assert store.position_of(view, 5) is None


# Views in log order (the default sort) are the matching rids in rid order,
# counted per block of rids, never sorted: the block logic shows with small blocks.


@pytest.fixture(params=[1, 2, 5, 65_536], ids=lambda rows: f"block{rows}")
def rid_block(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(views_module, "_RID_BLOCK", request.param)
    return int(request.param)


def _loaded_twice_with_conflicts() -> tuple[Store, list[tuple[int, str]]]:
    """40 entries from three overlapping files, out of order; seqs 7 and 23 in two
    versions. Returns the store and its rows (seq, action) in log order."""
    leaves = {seq: make_entry(seq, action=["Update", "Reboot"][seq % 2]) for seq in range(40)}
    store = Store()
    store.append(batch_of([leaves[seq] for seq in range(20, 40)], seqs=range(20, 40), source="b"))
    store.append(batch_of([leaves[seq] for seq in range(25)], source="a"))  # 20..24 again
    conflicts = [make_entry(7, action="Delete"), make_entry(23, action="Delete")]
    store.append(batch_of(conflicts, seqs=[7, 23], source="c"))
    store.finish()
    rows = []
    for seq in range(40):
        rows.append((seq, ["Update", "Reboot"][seq % 2]))
        if seq in (7, 23):
            rows.append((seq, "Delete"))  # loaded later: after the first version
    return store, rows


@pytest.mark.parametrize(
    "selection",
    [
        Filter(),
        Filter(query="action:Reboot OR action:Delete"),  # stored columns: evaluated each time
        Filter(query="Delete OR Update"),  # the entry text: kept results
        Filter(query="Delete OR Update", actions=frozenset({"Delete"})),
        Filter(query="seq:100..200"),  # nothing
    ],
    ids=["all", "field", "text", "text+selection", "none"],
)
@pytest.mark.parametrize("descending", [False, True])
def test_views_in_log_order_equal_the_sorted_rows(
    rid_block: int, selection: Filter, descending: bool
) -> None:
    store, rows = _loaded_twice_with_conflicts()
    with store:
        wanted = [row for row in rows if _matches(row, selection)]
        if descending:
            wanted.reverse()
        view = store.create_view(selection, sort=Sort(column="seq", descending=descending))
        assert store.count(view) == len(wanted)

        def shown(start: int, count: int) -> list[tuple[int, str]]:
            table = store.window(view, start, count, columns=["seq", "action"])
            return [(row["seq"], row["action"]) for row in table.to_pylist()]

        assert shown(0, 100) == wanted
        for count in (1, 3, 7):
            for start in range(len(wanted) + 2):
                assert shown(start, count) == wanted[start : start + count], (start, count)
        for seq in range(-1, 41):
            places = [place for place, row in enumerate(wanted) if row[0] == seq]
            assert store.position_of(view, seq) == (places[0] if places else None), seq


def _matches(row: tuple[int, str], selection: Filter) -> bool:
    _, action = row
    by_query = {
        "": True,
        "action:Reboot OR action:Delete": action in ("Reboot", "Delete"),
        "Delete OR Update": action in ("Delete", "Update"),  # the only such words in the text
        "seq:100..200": False,
    }[selection.query]
    return by_query and (not selection.actions or action in selection.actions)


def test_views_in_log_order_sort_nothing() -> None:
    """A filter change on millions of entries: the default order is the table's own,
    so a view holds its rids alone, unsorted, and the whole log holds nothing."""

    def temporary_tables(store: Store) -> dict[str, list[str]]:
        # What the store keeps is the point here.
        rows = store._con.execute(
            "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
            "WHERE database_name = 'temp' AND table_name LIKE 'view_%' GROUP BY table_name"
        ).fetchall()
        return dict(rows)

    with loaded([make_entry(seq) for seq in range(30)]) as store:
        newest_first = store.create_view(sort=Sort(column="seq", descending=True))
        assert temporary_tables(store) == {}
        assert seqs_of(store.window(newest_first, 0, 3)) == [29, 28, 27]
        store.create_view(Filter(query="-seq:3"))
        assert list(temporary_tables(store).values()) == [["rid"]]


def test_log_order_views_made_while_loading_survive_reordering(rid_block: int) -> None:
    with Store() as store:
        store.append(batch_of([make_entry(seq) for seq in range(10, 20)], seqs=range(10, 20)))
        ascending = store.create_view(Filter(query="-seq:15"))
        descending = store.create_view(sort=Sort(column="seq", descending=True))
        by_time = store.create_view(sort=Sort(column="time", descending=True))
        # Earlier entries, 10 and 11 again (the same bytes: folded into one each).
        store.append(batch_of([make_entry(seq) for seq in range(12)]))
        store.finish()
        assert seqs_of(store.window(ascending, 0, 100)) == [10, 11, 12, 13, 14, 16, 17, 18, 19]
        assert seqs_of(store.window(ascending, 4, 2)) == [14, 16]
        assert seqs_of(store.window(descending, 0, 100)) == list(range(19, 9, -1))
        assert seqs_of(store.window(descending, 3, 2)) == [16, 15]
        assert store.position_of(descending, 12) == 7
        assert store.position_of(descending, 3) is None
        assert seqs_of(store.window(by_time, 0, 100)) == list(range(19, 9, -1))
        assert store.position_of(by_time, 12) == 7
        everything = store.create_view()
        assert seqs_of(store.window(everything, 0, 100)) == list(range(20))


def test_malformed_query_raises_query_error(store: Store) -> None:
    with pytest.raises(QueryError):
        store.create_view(Filter(query="actor:(x"))
    with pytest.raises(QueryError):
        store.count_matching(Filter(query="foo:bar"))


# ---------------------------------------------------------------------------
# Filters


def test_filter_parts_combine(store: Store) -> None:
    start = datetime(2026, 9, 1, 0, 10, tzinfo=UTC)
    scoped = Filter(
        query="actor:hana@*",
        scope=TitleScope(id="ttl_0"),
        actions=frozenset({"Update", "Create"}),
        time_start=start,
        time_end=start + timedelta(minutes=30),
    )
    expected = [
        row["seq"]
        for row in store.window(store.create_view(), 0, 100).to_pylist()
        if row["actor_email"] == "hana@acme.example"
        and row["title_id"] == "ttl_0"
        and row["action"] in ("Update", "Create")
        and start <= row["time"] < start + timedelta(minutes=30)
    ]
    assert expected  # the test means something
    assert store.seqs(scoped).to_pylist() == expected
    assert store.count_matching(scoped) == len(expected)
    view = store.create_view(scoped)
    assert seqs_of(store.window(view, 0, 100)) == expected


def test_resource_scope_is_the_resource_log(store: Store) -> None:
    scope = ResourceScope(type="nakama_deployment", id="dep_1")
    seqs = store.seqs(Filter(scope=scope)).to_pylist()
    assert seqs == [seq for seq in range(60) if seq % 10 < 8 and seq % 4 == 1]
    assert store.count_matching(Filter(scope=ResourceScope(type="user", id="dep_1"))) == 0


def test_category_selection_may_include_a_missing_category() -> None:
    leaves = [
        make_entry(0),
        make_entry(1, category=None),
        make_entry(2, category="Satori Deployment"),
    ]
    with loaded(leaves) as store:
        assert store.seqs(Filter(categories=frozenset({None}))).to_pylist() == [1]
        both = Filter(categories=frozenset({None, "Satori Deployment"}))
        assert store.seqs(both).to_pylist() == [1, 2]


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="timezone-aware"):
        store.count_matching(Filter(time_start=datetime(2026, 9, 1)))


def test_kept_search_results_follow_state_changes(store: Store) -> None:
    failed = Filter(query="status:failed dragon")
    assert store.count_matching(failed) == 0
    store.set_states([StateRange(first_seq=0, last_seq=9, state="failed")])
    assert store.count_matching(failed) == 8
    assert store.facet_counts(failed, "category") == [("Nakama Deployment", 8)]


def test_kept_search_results_follow_new_entries() -> None:
    with Store() as store:
        store.append(batch_of([make_entry(0)]))
        search = Filter(query="dragon")
        assert store.count_matching(search) == 0
        dragon = make_entry(1, resource={"type": "t", "id": "x", "name": "dragon"})
        store.append(batch_of([dragon], seqs=[1]))
        assert store.count_matching(search) == 1


# ---------------------------------------------------------------------------
# Facets, histogram, bounds, scope tree


def test_facet_counts_most_frequent_first(store: Store) -> None:
    assert store.facet_counts(Filter(), "category") == [
        ("Nakama Deployment", 48),
        ("Organization Billing", 6),
        ("Organization User", 6),
    ]
    assert store.facet_counts(Filter(query="dragon"), "action") == [
        ("Create", 16),
        ("Reboot", 16),
        ("Update", 16),
    ]


def test_facet_ignores_its_own_selection_unless_asked(store: Store) -> None:
    chosen = Filter(categories=frozenset({"Organization User"}))
    assert store.facet_counts(chosen, "category")[0] == ("Nakama Deployment", 48)
    assert store.facet_counts(chosen, "category", ignore_own_selection=False) == [
        ("Organization User", 6)
    ]
    assert store.facet_counts(chosen, "action") == [("Add", 6)]
    with pytest.raises(StoreError, match="no facet"):
        store.facet_counts(Filter(), "leaf")


def test_facets_of_columns_not_kept_with_a_search(store: Store) -> None:
    assert store.facet_counts(Filter(query="dragon"), "actor_email") == [
        ("chen@acme.example", 24),
        ("hana@acme.example", 24),
    ]


def test_time_bounds_and_histogram(store: Store) -> None:
    first, last = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 1, 0, 59, tzinfo=UTC)
    assert store.time_bounds() == (first, last)
    histogram = store.histogram(Filter(), 6)
    assert histogram.starts[0] == first
    assert len(histogram.starts) == len(histogram.counts) == 6
    assert sum(histogram.counts) == 60
    assert histogram.counts == [10] * 6
    assert histogram.starts[1] - histogram.starts[0] == histogram.width
    billing = store.histogram(Filter(query="type:billing"), 6)
    assert billing.counts == [1] * 6
    # Given bounds: entries outside are not counted.
    inside = store.histogram(Filter(), 2, bounds=(first, first + timedelta(minutes=9)))
    assert inside.counts == [5, 5]
    with pytest.raises(StoreError):
        store.histogram(Filter(), 0)


def test_histogram_and_bounds_without_times() -> None:
    with loaded([entry_text(seq=0, time="no")]) as store:
        assert store.time_bounds() is None
        histogram = store.histogram(Filter(), 10)
        assert histogram.counts == [] and histogram.starts == []


def test_histogram_of_a_single_moment() -> None:
    with loaded([make_entry(0, time="2026-09-01T00:00:00Z")]) as store:
        histogram = store.histogram(Filter(), 5)
    assert histogram.counts == [1, 0, 0, 0, 0]


def test_scope_tree(store: Store) -> None:
    tree = store.scope_tree()
    assert [(title.id, title.name, title.count) for title in tree.titles] == [
        ("ttl_0", "Title 0", 24),
        ("ttl_1", "Title 1", 24),
    ]
    assert [(r.id, r.name, r.count) for r in tree.titles[0].resources] == [
        ("dep_0", "dragon-staging-0", 12),
        ("dep_2", "dragon-staging-2", 12),
    ]
    assert [(r.type, r.id, r.count) for r in tree.untitled] == [
        ("billing", "bill_1", 6),
        ("user", "usr_0", 2),
        ("user", "usr_1", 2),
        ("user", "usr_2", 2),
    ]
    assert tree.unscoped_count == 0
    filtered = store.scope_tree(Filter(query="actor:chen@*"))
    assert [(title.id, title.count) for title in filtered.titles] == [("ttl_1", 24)]
    assert filtered.untitled == []


def test_scope_tree_takes_the_latest_names() -> None:
    leaves = [
        make_entry(
            0, resource={"type": "t", "id": "r1", "name": "old"}, title={"id": "T", "name": "A"}
        ),
        make_entry(
            1, resource={"type": "t", "id": "r1", "name": "new"}, title={"id": "T", "name": "B"}
        ),
        make_entry(2),
    ]
    with loaded(leaves) as store:
        tree = store.scope_tree()
    assert tree.titles[0].name == "B"
    assert tree.titles[0].resources[0].name == "new"
    assert tree.unscoped_count == 1


# ---------------------------------------------------------------------------
# States


def test_set_states_by_ranges(store: Store) -> None:
    changed = store.set_states(
        [
            StateRange(first_seq=0, last_seq=9, state="verified"),
            (10, 19, "failed"),
            StateRange(first_seq=20, last_seq=29, state="unverified"),
        ]
    )
    assert changed == 20  # 20..29 were unverified already
    assert store.facet_counts(Filter(), "state") == [
        ("unverified", 40),
        ("failed", 10),
        ("verified", 10),
    ]
    assert store.seqs(Filter(query="status:failed")).to_pylist() == list(range(10, 20))
    assert store.set_states([]) == 0


@given(cuts=st.lists(st.integers(min_value=0, max_value=59), max_size=40, unique=True))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_set_states_few_and_many_ranges_agree(store: Store, cuts: list[int]) -> None:
    """Few ranges are set by one CASE update, many by the ASOF join: same states, same count."""
    bounds = [0, *sorted(set(cuts) - {0}), 60]
    ranges = [
        (low, high - 1, STATES_CYCLE[index % 3])
        for index, (low, high) in enumerate(itertools.pairwise(bounds))
    ]
    store.set_states([(0, 59, "unverified")])
    changed = store.set_states(ranges)
    expected = {seq: state for low, high, state in ranges for seq in range(low, high + 1)}
    assert changed == sum(state != "unverified" for state in expected.values())
    got = {row["seq"]: row["state"] for row in store.window(store.create_view(), 0, 60).to_pylist()}
    assert got == expected


STATES_CYCLE = ("verified", "failed", "unverified")


def test_few_state_ranges_write_no_row(store: Store) -> None:
    """A trusted log's one range is kept as a range (read through a CASE): the UPDATE of
    every row, and the checkpoint rewriting that column, were 2-3 s of a 1M cold open."""
    assert store.set_states([(0, 59, "verified")]) == 60
    stored = store._con.execute("SELECT DISTINCT state FROM entries").fetchall()
    assert stored == [("unverified",)]
    assert store.facet_counts(Filter(), "state") == [("verified", 60)]
    assert store.count_matching(Filter(query="status:verified")) == 60


@given(
    calls=st.lists(
        st.lists(st.tuples(st.integers(0, 59), st.integers(0, 8), st.sampled_from(STATES_CYCLE)), max_size=25),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_successive_set_states_agree_with_a_model(store: Store, calls: list[list[tuple[int, int, str]]]) -> None:
    """Ranges laid over earlier ones (kept as ranges, or written to the column when many)
    give each seq the state of the last call that named it; the count is of changed rows."""
    store.reset_states()
    model = dict.fromkeys(range(60), "unverified")
    for call in calls:
        ranges: list[tuple[int, int, str]] = []
        taken: set[int] = set()
        for low, width, state in call:
            span = set(range(low, min(low + width, 59) + 1))
            if not span & taken:
                taken |= span
                ranges.append((low, max(span), state))
        changed = store.set_states(ranges)
        assert changed == sum(model[seq] != state for low, high, state in ranges for seq in range(low, high + 1))
        for low, high, state in ranges:
            model.update(dict.fromkeys(range(low, high + 1), state))
        got = {row["seq"]: row["state"] for row in store.window(store.create_view(), 0, 60).to_pylist()}
        assert got == model
        assert store.entry(7)["state"] == model[7]  # type: ignore[index]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([(0, 5, "verified"), (5, 9, "failed")], "overlap"),
        ([(3, 2, "verified")], "ends before"),
        ([(0, 2, "fine")], "unknown state"),
    ],
)
def test_set_states_refuses_bad_ranges(
    store: Store, ranges: list[tuple[int, int, str]], message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        store.set_states(ranges)


# ---------------------------------------------------------------------------
# Export reads


def test_iter_leaves_in_seq_order_in_batches(store: Store) -> None:
    batches = list(store.iter_leaves(Filter(query="type:billing"), batch_rows=2))
    assert all(batch.num_rows <= 2 for batch in batches)
    table = pa.Table.from_batches(batches)
    assert table.schema.names == ["seq", "leaf"]
    assert table.schema.field("leaf").type == pa.binary()
    assert table.column("seq").to_pylist() == [8, 18, 28, 38, 48, 58]
    leaves = table.column("leaf").to_pylist()
    assert all(json.loads(leaf)["resource"]["type"] == "billing" for leaf in leaves)


def test_the_store_stays_usable_while_an_export_reads(store: Store) -> None:
    reader = store.iter_leaves(batch_rows=10)
    first = next(reader)
    assert store.count_matching(Filter(query="dragon")) == 48
    rest = sum(batch.num_rows for batch in reader)
    assert first.num_rows + rest == 60


def test_entry_of_an_unknown_seq(store: Store) -> None:
    assert store.entry(10_000) is None


# ---------------------------------------------------------------------------
# Lock-down


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_json('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM 'https://example.com/data.csv'",
        "COPY entries TO '{tmp}/out.csv'",
        "ATTACH '{tmp}/other.duckdb'",
        "EXPORT DATABASE '{tmp}/export'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD '{tmp}/evil.duckdb_extension'",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET autoload_known_extensions = true",
        "SET allow_community_extensions = true",
        "SET disabled_filesystems = ''",
    ],
)
def test_lock_down_forbids_files_extensions_and_settings(
    store: Store, tmp_path: Path, statement: str
) -> None:
    store.lock_down()
    assert store.locked
    # The only place the tests run SQL of their own: what a hostile query could try.
    connection: duckdb.DuckDBPyConnection = store._con
    with pytest.raises(duckdb.Error):
        connection.execute(statement.format(tmp=tmp_path)).fetchall()
    assert not list(tmp_path.iterdir())


def test_the_store_works_after_lock_down(store: Store) -> None:
    store.lock_down()
    store.lock_down()  # twice is harmless
    view = store.create_view(Filter(query="dragon"), sort=Sort(column="time", descending=True))
    assert store.window(view, 0, 1).column("seq").to_pylist() == [57]
    assert store.set_states([(0, 59, "verified")]) == 60
    assert sum(batch.num_rows for batch in store.iter_leaves()) == 60
    assert store.histogram(Filter(), 3).counts == [20, 20, 20]


# ---------------------------------------------------------------------------
# Injection: typed values never become SQL

HOSTILE = [
    "x'); DROP TABLE entries;--",
    "' OR '1'='1",
    "%",
    "_",
    "\\",
    '"',
    "'",
    "a'b\"c",
]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "field",
    ["category", "action", "event", "actor", "resource", "type", "title", "id", "meta.a.b"],
)
def test_injection_through_every_field(store: Store, field: str, value: str) -> None:
    before = store.total_count()
    assert store.count_matching(Filter(query=f"{field}:{_quoted(value)}")) == 0
    view = store.create_view(Filter(query=f"-{field}:{_quoted(value)}"))
    assert store.count(view) == before
    leaves = store.window(store.create_view(), 0, 100).column("leaf").to_pylist()
    containing = sum(value.lower() in leaf.lower() for leaf in leaves)  # '_' and '"' are in all
    counts = store.facet_counts(Filter(query=_quoted(value)), "category")
    assert sum(entries for _, entries in counts) == containing
    assert store.total_count() == before


@pytest.mark.parametrize("value", HOSTILE)
def test_injection_through_meta_paths_scopes_and_selections(store: Store, value: str) -> None:
    queries = [
        f"meta.{_quoted(value)}:x",
        f"meta.a.{_quoted(value)}:*",
        "meta.a');DROP/**/TABLE/**/entries;--:x",
    ]
    for query in queries:
        assert store.count_matching(Filter(query=query)) == 0
    assert store.count_matching(Filter(scope=ResourceScope(type=value, id=value))) == 0
    assert store.count_matching(Filter(scope=TitleScope(id=value))) == 0
    assert store.count_matching(Filter(categories=frozenset({value}))) == 0
    assert store.count_matching(Filter(actions=frozenset({value, None}))) == 0
    assert store.total_count() == 60


def test_values_with_like_metacharacters_match_themselves() -> None:
    leaves = [
        make_entry(0, resource={"type": "t", "id": "100%", "name": "a_b"}),
        make_entry(1, resource={"type": "t", "id": "1000", "name": "axb"}),
        make_entry(2, resource={"type": "t", "id": "x\\y", "name": "it's"}),
    ]
    with loaded(leaves) as store:
        assert store.seqs(Filter(query="resource:100%")).to_pylist() == [0]
        assert store.seqs(Filter(query="resource:a_b")).to_pylist() == [0]
        assert store.seqs(Filter(query="resource:x\\y")).to_pylist() == [2]
        assert store.seqs(Filter(query="resource:it's")).to_pylist() == [2]
        assert store.seqs(Filter(query='"100%"')).to_pylist() == [0]
        assert store.seqs(Filter(query="resource:*")).to_pylist() == [0, 1, 2]


# ---------------------------------------------------------------------------
# Property: the store's search equals a plain Python filter of the same entries

WORDS = ["hana", "Chen", "zoë", "o'neil", "100%", "a_b", "x\\y", "dragon", "Nakama"]
CATEGORIES = ["Nakama Deployment", "Organization User", "Odd_%Cat", None]
ACTIONS = ["Create", "Update", "Re\\boot", None]
EMAILS = ["hana@acme.example", "o'neil@acme.example", "zoë@acme.example", None]
NAMES = ["Hana K", "Zoë Ä", "autoscaler", None]
RESOURCE_IDS = ["dep_1", "dep_10", "100%", None]
RESOURCE_NAMES = ["dragon-staging-1", "a_b", "it's", None]
RESOURCE_TYPES = ["nakama_deployment", "user", "billing"]
TITLE_IDS = ["ttl_1", "ttl_2", None]
TITLE_NAMES = ["Dragon Tactics", "Moon Farm"]
META_VALUES = ["nakama:3.22.0", "nakama:3.21.1", 3600, True, None, "50% off"]
STATES_ = ["verified", "failed", "unverified"]
DAY0 = datetime(2026, 9, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    seq: int
    leaf: str
    values: dict[str, Any]


@st.composite
def entries_strategy(draw: st.DrawFn) -> list[Row]:
    count = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for seq in range(count):
        fields: dict[str, Any] = {"seq": seq, "id": f"evt_{draw(st.integers(0, 3))}"}
        minute = draw(st.integers(0, 60 * 24 * 10))
        if draw(st.booleans()):
            fields["time"] = (DAY0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        elif draw(st.booleans()):
            fields["time"] = "not a time"
        for key, choices in (("category", CATEGORIES), ("action", ACTIONS)):
            value = draw(st.sampled_from(choices))
            if value is not None:
                fields[key] = value
        actor = {
            key: value
            for key, value in (
                ("email", draw(st.sampled_from(EMAILS))),
                ("name", draw(st.sampled_from(NAMES))),
                ("type", "user"),
            )
            if value is not None
        }
        fields["actor"] = actor
        if draw(st.booleans()):
            fields["resource"] = {
                key: value
                for key, value in (
                    ("type", draw(st.sampled_from(RESOURCE_TYPES))),
                    ("id", draw(st.sampled_from(RESOURCE_IDS))),
                    ("name", draw(st.sampled_from(RESOURCE_NAMES))),
                )
                if value is not None
            }
        title_id = draw(st.sampled_from(TITLE_IDS))
        fields["title"] = (
            {"id": title_id, "name": draw(st.sampled_from(TITLE_NAMES))} if title_id else None
        )
        metadata: dict[str, Any] = {}
        if draw(st.booleans()):
            metadata["image"] = {"after": draw(st.sampled_from(META_VALUES))}
        if draw(st.booleans()):
            metadata["k.dot"] = draw(st.sampled_from(META_VALUES))
        fields["metadata"] = metadata
        rows.append(
            Row(
                seq,
                entry_text(**fields),
                {**fields, "state": draw(st.sampled_from(STATES_))},
            )
        )
    return rows


# A query as a tree: ("term", kind, *args) | ("and", [..]) | ("or", [..]) | ("not", node)


@st.composite
def value_strategy(draw: st.DrawFn, choices: Sequence[Any]) -> str:
    value = str(draw(st.sampled_from([choice for choice in choices if choice is not None])))
    value = {"True": "true"}.get(value, value)
    mode = draw(st.sampled_from(["whole", "prefix", "suffix", "inner", "star"]))
    if mode == "prefix" and len(value) > 2:
        return value[:2] + "*"
    if mode == "suffix" and len(value) > 2:
        return "*" + value[-2:]
    if mode == "inner" and len(value) > 3:
        return "*" + value[1:3] + "*"
    if mode == "star":
        return "*"
    return value.upper() if draw(st.booleans()) else value


def term_strategy() -> st.SearchStrategy[tuple[Any, ...]]:
    def field(name: str, choices: Sequence[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
        return value_strategy(choices).map(lambda value: ("term", "field", name, value))

    words = st.sampled_from(WORDS).map(lambda word: ("term", "text", word))
    starred = st.sampled_from(["dra*on", "h*a", "*%*"]).map(lambda word: ("term", "text", word))
    seq_single = st.integers(0, 25).map(lambda n: ("term", "seq", n, n))
    seq_range = st.tuples(st.integers(0, 25), st.integers(0, 10)).map(
        lambda pair: ("term", "seq", pair[0], pair[0] + pair[1])
    )
    day = st.integers(0, 10).map(lambda offset: (DAY0 + timedelta(days=offset)).date())
    time_term = st.one_of(
        day.map(lambda d: ("term", "time", "=", d)),
        st.tuples(st.sampled_from([">=", ">", "<", "<="]), day).map(
            lambda pair: ("term", "time", pair[0], pair[1])
        ),
        st.tuples(day, st.integers(0, 4)).map(
            lambda pair: ("term", "time", "..", pair[0], pair[0] + timedelta(days=pair[1]))
        ),
    )
    meta = st.tuples(
        st.sampled_from([("image", "after"), ("k.dot",)]), value_strategy(META_VALUES)
    ).map(lambda pair: ("term", "meta", pair[0], pair[1]))
    return st.one_of(
        words,
        starred,
        field("category", CATEGORIES),
        field("action", ACTIONS),
        field("event", ["Nakama Deployment Create", "Organization User Update"]),
        field("actor", EMAILS + NAMES),
        field("resource", RESOURCE_IDS + RESOURCE_NAMES),
        field("type", RESOURCE_TYPES),
        field("title", TITLE_IDS + TITLE_NAMES),
        field("id", ["evt_1", "evt_2"]),
        field("status", STATES_),
        seq_single,
        seq_range,
        time_term,
        meta,
    )


query_trees = st.recursive(
    term_strategy(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda parts: ("and", parts)),
        st.lists(children, min_size=2, max_size=3).map(lambda parts: ("or", parts)),
        children.map(lambda part: ("not", part)),
    ),
    max_leaves=5,
)


def render(node: tuple[Any, ...]) -> str:
    kind = node[0]
    if kind == "and":
        return " ".join(f"({render(part)})" for part in node[1])
    if kind == "or":
        return " OR ".join(f"({render(part)})" for part in node[1])
    if kind == "not":
        return f"-({render(node[1])})"
    term = node[1]
    if term == "text":
        return _quoted(node[2])
    if term == "field":
        return f"{node[2]}:{_quoted(node[3])}"
    if term == "seq":
        return f"seq:{node[2]}" if node[2] == node[3] else f"seq:{node[2]}..{node[3]}"
    if term == "time":
        if node[2] == "=":
            return f"time:{node[3].isoformat()}"
        if node[2] == "..":
            return f"time:{node[3].isoformat()}..{node[4].isoformat()}"
        return f"time:{node[2]}{node[3].isoformat()}"
    assert term == "meta"
    path = ".".join(_quoted(segment) if "." in segment else segment for segment in node[2])
    return f"meta.{path}:{_quoted(node[3])}"


def wildcard(value: str, text: str | None, *, anywhere: bool = False) -> bool:
    if text is None:
        return False
    pattern = ".*".join(re.escape(part) for part in value.split("*"))
    if anywhere:
        pattern = f".*{pattern}.*"
    return re.fullmatch(pattern, text, flags=re.IGNORECASE | re.DOTALL) is not None


def reference(node: tuple[Any, ...], row: Row) -> bool:
    """What the query means, read straight from the entry's fields."""
    kind = node[0]
    if kind == "and":
        return all(reference(part, row) for part in node[1])
    if kind == "or":
        return any(reference(part, row) for part in node[1])
    if kind == "not":
        return not reference(node[1], row)
    values = row.values
    actor = values.get("actor") or {}
    resource = values.get("resource") or {}
    title = values.get("title") or {}
    term = node[1]
    if term == "text":
        return wildcard(node[2], row.leaf, anywhere=True)
    if term == "field":
        name, value = node[2], node[3]
        category, action = values.get("category"), values.get("action")
        event = " ".join(part for part in (category, action) if part is not None) or None
        candidates = {
            "category": [category],
            "action": [action],
            "event": [event],
            "actor": [actor.get("email"), actor.get("name")],
            "resource": [resource.get("id"), resource.get("name")],
            "type": [resource.get("type")],
            "title": [title.get("id"), title.get("name")],
            "id": [values.get("id")],
            "status": [values["state"]],
        }[name]
        return any(wildcard(value, candidate) for candidate in candidates)
    if term == "seq":
        return bool(node[2] <= row.seq <= node[3])
    if term == "time":
        text = values.get("time")
        if text is None or not text[:4].isdigit():
            return False
        moment = datetime.fromisoformat(text)
        day = moment.date()
        operator = node[2]
        if operator == "=":
            return bool(day == node[3])
        if operator == "..":
            return bool(node[3] <= day <= node[4])
        return bool(
            {">=": day >= node[3], ">": day > node[3], "<": day < node[3], "<=": day <= node[3]}[
                operator
            ]
        )
    assert term == "meta"
    found: Any = values.get("metadata") or {}
    for segment in node[2]:
        found = found.get(segment) if isinstance(found, dict) else None
    if found is None:
        return False
    if isinstance(found, bool):
        found = "true" if found else "false"
    return wildcard(node[3], str(found))


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows=entries_strategy(), tree=query_trees)
def test_search_equals_a_python_filter(rows: list[Row], tree: tuple[Any, ...]) -> None:
    query = render(tree)
    expected = [row.seq for row in rows if reference(tree, row)]
    with Store() as store:
        if rows:
            store.append(
                batch_of(
                    [row.leaf for row in rows],
                    seqs=[row.seq for row in rows],
                    states=[row.values["state"] for row in rows],
                )
            )
        store.finish()
        assert store.seqs(Filter(query=query)).to_pylist() == expected, query
        view = store.create_view(Filter(query=query), sort=Sort(column="time", descending=True))
        assert sorted(seqs_of(store.window(view, 0, 100))) == expected, query
        assert store.count_matching(Filter(query=query)) == len(expected)


def test_a_database_file_keeps_entry_text_compressed_with_zstd(tmp_path: Path) -> None:
    """The entry text is the bulk of a file database: zstd, not DuckDB's default choice
    (FSST or dictionary: slower to write, several times larger)."""
    with Store(database=tmp_path / "w.duckdb") as store:
        store.append(pa.table({"seq": list(range(3000)), "leaf": [make_entry(seq) for seq in range(3000)]}))
        store.finish()
        store.mark_complete(key="k")
        compressions = store._con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('entries') "
            "WHERE column_name = 'leaf' AND segment_type = 'VARCHAR'"
        ).fetchall()
    assert compressions == [("ZSTD",)]


def test_a_database_file_takes_larger_inserts_than_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a file, small INSERTs go through the write-ahead log and are compressed
    twice: a file store gathers more entry text before each INSERT."""
    monkeypatch.setattr(ingest_module, "FLUSH_BYTES", 4_000)
    monkeypatch.setattr(ingest_module, "FILE_FLUSH_BYTES", 1_000_000)
    leaves = [make_entry(seq) for seq in range(60)]  # about 20 KB
    pending = {}
    for name, database in (("memory", ":memory:"), ("file", tmp_path / "w.duckdb")):
        with Store(database=database) as store:
            store.append(batch_of(leaves[:1]))  # the first rows go in at once
            for seq in range(1, 60, 10):
                store.append(batch_of(leaves[seq : seq + 10], seqs=range(seq, min(seq + 10, 60))))
            pending[name] = store._pending_rows
            store.finish()
            assert store.total_count() == 60
    assert pending["memory"] < 20
    assert pending["file"] == 59


# ---------------------------------------------------------------------------
# Inserting behind the loading thread


def test_groups_after_the_first_are_inserted_behind_and_every_read_waits_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_module, "FLUSH_ROWS", 10)
    threads: list[str] = []
    real = Store._insert

    def recording(self: Store, staging: pa.Table, con: duckdb.DuckDBPyConnection) -> None:
        threads.append(threading.current_thread().name)
        time.sleep(0.05)  # a slow INSERT: a read must still see all of it
        real(self, staging, con)

    monkeypatch.setattr(Store, "_insert", recording)
    with Store() as store:
        store.append(batch_of([make_entry(seq) for seq in range(5)]))  # the first: at once
        store.append(batch_of([make_entry(seq) for seq in range(5, 20)], seqs=range(5, 20)))  # behind
        assert store.total_count() == 20  # waits for the INSERT running behind
        assert threads == ["MainThread", "auditviewer-store-insert"]
        store.append(batch_of([make_entry(seq) for seq in range(20, 32)], seqs=range(20, 32)))
        store.finish()
        assert store.seqs().to_pylist() == list(range(32))
        assert threads.count("auditviewer-store-insert") == 2


def test_a_failed_insert_behind_is_raised_by_the_next_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "FLUSH_ROWS", 10)
    with Store() as store:
        store.append(batch_of([make_entry(seq) for seq in range(5)]))

        def failing(self: Store, staging: pa.Table, con: duckdb.DuckDBPyConnection) -> None:
            raise StoreError("cannot load entries: disk full")

        monkeypatch.setattr(Store, "_insert", failing)
        store.append(batch_of([make_entry(seq) for seq in range(5, 20)], seqs=range(5, 20)))
        with pytest.raises(StoreError, match="disk full"):
            store.total_count()
