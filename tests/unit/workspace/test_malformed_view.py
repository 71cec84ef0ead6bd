"""A view of the log with its malformed lines after the entries (issue 13, defect 8):
counts, windows across the boundary, any sort, selection kept, the limit, the cache proof."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.core.domain import MALFORMED
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.native import NATIVE
from auditviewer.input.formats.batches import Problem, make_batch
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import store_session
from auditviewer.workspace.malformed_view import WithMalformed, publish_malformed, row_to_keep
from auditviewer.workspace.raw_lines import KeptLines
from auditviewer.workspace.seal import seal_path
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import StoreSession, load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
#: Log order (the window's default is newest first).
LOG = FilterState(sort_key="seq", descending=False)
BAD = b'{"seq":\x1b[2J "oops" \xff'
SPACED = b' {"seq": 1}'


class Ctx:
    cancelled = False

    def __init__(self) -> None:
        self.trust = [KEY.verifier_string]

    def progress(self, *a: Any, **k: Any) -> None:
        pass

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        pass

    def partial(self, value: Any) -> None:
        pass


def _bundle(tmp_path: Path, bad: list[tuple[int, bytes]], entries: int = 8) -> Path:
    leaves = [make_entry(i) for i in range(entries)]
    lines = list(leaves)
    for at, line in sorted(bad, reverse=True):
        lines.insert(at, line)
    return write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[entries], key=KEY, entry_lines=lines)


@pytest.fixture
def session(tmp_path: Path) -> StoreSession:
    # Lines 4 and 7 of the file are not entries (BAD, SPACED); eight entries around them.
    return load_session([str(_bundle(tmp_path, [(3, BAD), (5, SPACED)]))], Ctx())


def _places(view: WithMalformed, start: int, count: int) -> list[Any]:
    table = view.window(start, count)
    seqs = table.column("seq").to_pylist()
    lines = table.column("malformed_line").to_pylist() if "malformed_line" in table.column_names else [None] * len(seqs)
    return [seq if seq is not None else ("line", line) for seq, line in zip(seqs, lines, strict=True)]


def test_rows_are_the_entries_then_the_malformed_lines(session: StoreSession) -> None:
    view = session.view(LOG)
    assert (view.entries, view.malformed, view.count()) == (8, 2, 10)
    assert session.total() == 10  # "Showing N of M": rows, as shown
    assert session.report is not None and session.report.verified_entries == 8  # entries alone
    assert _places(view, 0, 10) == [0, 1, 2, 3, 4, 5, 6, 7, ("line", 4), ("line", 7)]
    table = view.window(8, 2)
    assert table.column("state").to_pylist() == [MALFORMED, MALFORMED]
    assert table.column("malformed_raw").to_pylist() == [BAD, SPACED]


def test_a_window_across_the_boundary(session: StoreSession) -> None:
    view = session.view(LOG)
    assert _places(view, 6, 3) == [6, 7, ("line", 4)]
    assert _places(view, 7, 100) == [7, ("line", 4), ("line", 7)]
    assert _places(view, 9, 1) == [("line", 7)]
    assert view.window(10, 5).num_rows == 0


@pytest.mark.parametrize(("key", "descending"), [("seq", True), ("actor", False), ("actor", True), ("time", True)])
def test_they_come_last_in_log_order_under_any_sort(session: StoreSession, key: str, descending: bool) -> None:
    view = session.view(FilterState(sort_key=key, descending=descending))
    places = _places(view, 0, 10)
    assert places[8:] == [("line", 4), ("line", 7)]
    assert sorted(places[:8]) == list(range(8))


def test_status_malformed_and_other_searches(session: StoreSession) -> None:
    view = session.view(FilterState(query="status:malformed"))
    assert (view.entries, view.count()) == (0, 2)
    assert _places(view, 0, 2) == [("line", 4), ("line", 7)]
    assert session.view(FilterState(query="oops")).count() == 1  # the raw text is searched
    assert session.view(FilterState(query="actor:*")).malformed == 0
    assert session.view(FilterState(categories=frozenset({"Organization Title"}))).malformed == 0


def test_a_selected_malformed_row_is_found_again_in_a_new_view(session: StoreSession) -> None:
    key = (session.kept_lines.rows()[1].file, 7)
    assert row_to_keep(session.view(FilterState()), key) == 9
    assert row_to_keep(session.view(FilterState(query="status:malformed")), key) == 1
    assert row_to_keep(session.view(FilterState(query="oops")), key) is None
    assert row_to_keep(session.view(FilterState(query="status:malformed")), 3) is None
    assert row_to_keep(session.view(FilterState(sort_key="seq", descending=True)), 3) == 4


def test_past_the_limit_lines_are_counted_not_listed_and_the_session_says_so(tmp_path: Path) -> None:
    many = DEFAULT_LIMITS.max_malformed_lines + 200
    bundle = _bundle(tmp_path, [(2, f"not json {i}".encode()) for i in range(many)], entries=4)
    session = load_session([str(bundle)], Ctx())
    view = session.view(FilterState())
    assert (view.entries, view.malformed) == (4, DEFAULT_LIMITS.max_malformed_lines)
    assert session.kept_lines.seen == many and session.kept_lines.not_kept == 200
    assert any("200 more counted in the report but not listed" in n for n in session.notices)
    last = view.window(view.count() - 1, 1)
    assert last.column("malformed_line").to_pylist() == [2 + DEFAULT_LIMITS.max_malformed_lines]


def test_kept_lines_in_log_order_with_their_reasons() -> None:
    kept = KeptLines(Limits(max_malformed_lines=3, max_raw_line_bytes=4))
    first = make_batch("z.jsonl", [], [], [], problems=[Problem(9, "not JSON", raw=[b"abcdefgh"])])
    second = make_batch("a.jsonl", [], [], [], problems=[Problem(2, "blank line", count=5, raw=[b"", b""])])
    kept.add_batch(first)
    kept.add_batch(second)
    rows = kept.rows()
    assert [(r.file, r.line, r.reason) for r in rows] == [
        ("z.jsonl", 9, "not JSON"), ("a.jsonl", 2, "blank line"), ("a.jsonl", 3, "blank line")
    ]
    assert (rows[0].raw, rows[0].cut) == (b"abcd", True)
    assert (kept.seen, kept.not_kept, kept.past_limit, kept.without_bytes) == (6, 3, 3, 0)
    plain = make_batch("export.json", [], [], [], problems=[Problem(4, "row is a JSON list, not an object")])
    kept.add_batch(plain)  # a plain export's reader hands on no bytes: counted, not listed, said so
    assert (kept.seen, kept.not_kept, kept.past_limit, kept.without_bytes) == (7, 4, 3, 1)
    notices: list[str] = []
    store = Store()
    publish_malformed(store, kept, notices)
    assert store.malformed_total() == 3
    assert notices == [
        "7 malformed lines: 3 listed after the entries, 3 more counted in the report but not listed "
        "(limit max_malformed_lines); 1 row(s) of a plain export whose bytes are not kept: in the report only"
    ]


def test_a_reused_database_is_proven_and_shows_this_runs_malformed_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    bundle = _bundle(tmp_path, [(3, BAD), (5, SPACED)])
    first = load_session([str(bundle)], Ctx())
    assert first.view(FilterState()).count() == 10
    first.close()
    [database] = sorted((tmp_path / "cache" / "workspaces").glob("*.duckdb"))
    proofs: list[Any] = []
    prove = store_session.prove_reused

    def proving(*args: Any) -> Any:
        proofs.append(prove(*args))
        return proofs[-1]

    monkeypatch.setattr(store_session, "prove_reused", proving)
    second = load_session([str(bundle)], Ctx())
    try:
        assert proofs == [None]  # reused, and proven exactly as without malformed rows
        assert not any("did not match" in n for n in second.notices), second.notices
        assert sorted((tmp_path / "cache" / "workspaces").glob("*.duckdb")) == [database]
        view = second.view(FilterState())
        assert (view.entries, view.malformed) == (8, 2)
        assert second.store.total_count() == 8
    finally:
        second.close()
    # Never sealed (workspace/seal.py): a sealed reopen runs no reader, so its malformed
    # rows would be missing. Every reopen is proven and lists them.
    assert not seal_path(database).exists()
    third = load_session([str(bundle)], Ctx())
    try:
        assert not third.sealed and proofs == [None, None]
        view = third.view(FilterState())
        assert (view.entries, view.malformed) == (8, 2)
    finally:
        third.close()


def test_a_word_search_finds_a_malformed_line_in_a_database_file_with_its_word_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file store gets the word index (store/text_index.py), whose rid ranges the
    # malformed rows (no rid) must not fall out of.
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(tmp_path / "cache"))
    odd = b"not json: mysteriousword \xff"  # a word the index knows no entry block holds
    session = load_session([str(_bundle(tmp_path, [(3, odd), (5, SPACED)], entries=5000))], Ctx())
    try:
        if NATIVE is not None:  # the index is built in C (a file store), and used here
            assert session.store._text_index.rows == 5000
            assert session.store._text_index.rows_for("mysteriousword") is not None
        view = session.view(FilterState(query="mysteriousword"))
        assert (view.entries, view.malformed) == (0, 1)
        assert session.view(FilterState(query="-mysteriousword")).malformed == 1  # SPACED
    finally:
        session.close()
