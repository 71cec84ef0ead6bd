"""The table model with malformed lines' rows (issue 13, defect 8): no seq, their own
state and glyph (never green), their bytes escaped in Summary and in a copy; qtmodeltester."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from auditviewer.core.display import bytes_text
from auditviewer.core.domain import MALFORMED
from auditviewer.ui.models.table_model import (
    COL_EVENT,
    COL_RESOURCE,
    COL_SEQ,
    COL_STATE,
    COL_SUMMARY,
    COL_TAGS,
    COL_TIME,
    SEQ_ROLE,
    STATE_COLOUR,
    EntryTableModel,
)
from auditviewer.ui.models.table_rows import MALFORMED_EVENT
from auditviewer.workspace.session import FilterState
from auditviewer.workspace.store_session import StoreSession, load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

KEY = signer()
#: Control characters, a bidi override and bytes that are not UTF-8.
HOSTILE = b'{"seq":\x1b[2J "\xe2\x80\xaeoops" \xff\xfe\x07'


class Ctx:
    cancelled = False
    trust = ()

    def progress(self, *a: Any, **k: Any) -> None:
        pass

    def rows_stored(self, count: int, *, force: bool = False) -> None:
        pass

    def partial(self, value: Any) -> None:
        pass


@pytest.fixture
def session(tmp_path: Path) -> StoreSession:
    leaves = [make_entry(i) for i in range(300)]
    lines = [*leaves[:3], HOSTILE, *leaves[3:], b"[1]"]
    bundle = write_bundle(tmp_path / "b", leaves, checkpoint_sizes=[300], key=KEY, entry_lines=lines)
    return load_session([str(bundle)], Ctx())


def _model(session: StoreSession, state: FilterState | None = None) -> EntryTableModel:
    model = EntryTableModel()
    view = session.view(state or FilterState(sort_key="seq", descending=False))
    view.threaded = False  # pages fetched inline: the test reads them at once
    model.set_source(view)
    return model


def test_model_tester_with_malformed_rows(qtmodeltester: Any, session: StoreSession) -> None:
    model = _model(session)
    assert model.rowCount() == 302
    qtmodeltester.check(model)
    qtmodeltester.check(_model(session, FilterState(query="status:malformed")))


def test_a_malformed_row_shows_its_place_and_escaped_bytes(session: StoreSession) -> None:
    model = _model(session)
    row = 300  # after the 300 entries
    r = model.row(row, wait=True)
    assert r is not None and r.seq is None and r.state == MALFORMED and r.malformed is not None
    shown = {col: model.data(model.index(row, col)) for col in range(model.columnCount())}
    assert shown[COL_SEQ] == "—" and shown[COL_TIME] == "" and shown[COL_EVENT] == MALFORMED_EVENT
    assert shown[COL_STATE] == "⊘"
    assert shown[COL_RESOURCE] == "line 4 of part-00000.jsonl"
    tip = model.data(model.index(row, COL_RESOURCE), Qt.ItemDataRole.ToolTipRole)
    assert "line 4 of /" in tip and tip.endswith("/b/entries/part-00000.jsonl</p>")  # the whole label
    summary = shown[COL_SUMMARY]
    assert "\x1b" not in summary and "\u202e" not in summary and "\ufffd" not in summary
    assert "\\u001b[2J" in summary and "\\u202e" in summary and "\\xff\\xfe" in summary
    colour = model.data(model.index(row, COL_STATE), Qt.ItemDataRole.ForegroundRole).color().name()
    assert colour == STATE_COLOUR[MALFORMED] and colour != STATE_COLOUR["verified"]
    assert "not an entry" in model.data(model.index(row, COL_STATE), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(row, COL_STATE), Qt.ItemDataRole.AccessibleTextRole).startswith("Malformed")
    assert model.data(model.index(row, 0), SEQ_ROLE) is None
    assert model.data(model.index(row, COL_TAGS)) == ""
    last = model.row(301, wait=True)
    assert last is not None and last.malformed is not None and last.malformed.line == 302


def test_copying_a_malformed_rows_cells(session: StoreSession) -> None:
    model = _model(session)
    assert model.cell_as_copied(300, COL_SUMMARY) == bytes_text(HOSTILE)  # escaped once, whole
    assert model.cell_as_copied(300, COL_SEQ) == "" and model.cell_as_copied(300, COL_TIME) == ""
    assert model.cell_as_copied(300, COL_STATE) == MALFORMED
    tsv = model.rows_as_tsv([299, 300], [COL_SEQ, COL_STATE, COL_SUMMARY])
    lines = tsv.splitlines()
    assert lines[1].startswith("299\t") and lines[2] == f"\t{MALFORMED}\t{bytes_text(HOSTILE)}"
    assert "\x1b" not in tsv and "\u202e" not in tsv
    texts = model.row_texts(300)  # what find (n / N) reads
    assert texts is not None and any("oops" in t for t in texts)
