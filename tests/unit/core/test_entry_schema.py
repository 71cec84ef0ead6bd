"""The entry schema: each entry column defined once, read by every layer that lists columns.

The main test adds one field to :data:`auditviewer.core.entry_schema.ENTRY_COLUMNS`
and nothing else, then finds it in the store, the search language, the plain
exports (CSV, Parquet), ``auditviewer query --format csv``, the viewer's table and
the JSON pane. The consumers build their column lists when imported (they run per
row, so they are computed once), so the field is added in a fresh interpreter
before any of them is imported: as if the line had been written in the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditviewer.core import entry_schema
from auditviewer.core.entry_schema import ENTRY_COLUMNS, EntryColumn

REPO = Path(__file__).resolve().parents[3]

# Runs in a fresh interpreter: the schema gains `region` ($.metadata.region) first.
_ADD_A_FIELD = textwrap.dedent(
    """
    import contextlib, csv, io, json, sys
    from pathlib import Path

    import auditviewer.core.entry_schema as schema

    schema.ENTRY_COLUMNS = (
        *schema.ENTRY_COLUMNS,
        schema.EntryColumn(name="region", label="Region", path=("metadata", "region"), query_field="region"),
    )

    import pyarrow.parquet as pq
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from auditviewer.cli.query import run_query
    from auditviewer.export.write import export_slice
    from auditviewer.integrity.keys import parse_verifier_key
    from auditviewer.ui.models.table_model import EntryTableModel
    from auditviewer.ui.widgets.json_pane import MetadataPane
    from auditviewer.workspace.session import FilterState
    from auditviewer.workspace.store_session import load_session
    from tests.helpers.bundle_builder import make_entry, signer, write_bundle

    app = QApplication([])
    folder = Path(sys.argv[1])
    key = signer()
    regions = ["eu-west", "us-east", "eu-west", "ap-south"]
    leaves = [make_entry(seq, metadata={"region": regions[seq % 4]}) for seq in range(12)]
    write_bundle(folder / "bundle", leaves, checkpoint_sizes=[12], key=key)
    paths = [folder / "bundle"]
    found = {}

    class Ctx:
        cancelled = False
        trust = [key.verifier_string]
        def progress(self, *a, **k): pass
        def rows_stored(self, count, *, force=False): pass
        def partial(self, value): pass

    session = load_session([str(p) for p in paths], Ctx())
    try:
        view = session.view(FilterState(query="region:eu-west", sort_key="seq", descending=False))
        found["query_count"] = view.count()
        model = EntryTableModel()
        model.set_source(view)
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        found["table_headers"] = headers
        column = headers.index("Region")
        found["table_cells"] = [model.index(r, column).data() for r in range(model.rowCount())]
        model.sort(column, Qt.SortOrder.DescendingOrder)  # sorts by the store's column
        entry, leaf, state = session.entry(3)
        pane = MetadataPane()
        pane.set_entry(entry, leaf=leaf, state=state)
        found["json_pane"] = pane.text.toPlainText()
    finally:
        session.close()

    keys = [parse_verifier_key(key.verifier_string)]
    export_slice(paths, out=folder / "out.csv", query="region:eu-west", keys=keys)
    with open(folder / "out.csv", newline="", encoding="utf-8") as f:
        found["csv"] = [row["region"] for row in csv.DictReader(f)]
    export_slice(paths, out=folder / "out.parquet", query="region:eu-west", keys=keys)
    found["parquet"] = pq.read_table(folder / "out.parquet").column("region").to_pylist()

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_query(paths, query="region:ap-south", count=False, fmt="csv", trust=[key.verifier_string])
    found["cli_csv"] = [row["region"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    print(json.dumps(found))
    """
)


def test_a_field_added_to_the_schema_alone_reaches_every_layer(tmp_path: Path) -> None:
    assert "region" not in entry_schema.entry_column_names()  # added by the script alone
    script = tmp_path / "add_a_field.py"
    script.write_text(_ADD_A_FIELD, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["query_count"] == 6  # seqs 0, 2, 4, 6, 8, 10
    assert "Region" in found["table_headers"]
    assert found["table_cells"] == ["eu-west"] * 6
    assert '"region": "ap-south"' in found["json_pane"]
    assert found["csv"] == ["eu-west"] * 6
    assert found["parquet"] == ["eu-west"] * 6
    assert found["cli_csv"] == ["ap-south"] * 3


def test_columns_are_identifiers_with_a_path_or_what_they_join() -> None:
    with pytest.raises(ValueError, match="identifiers"):
        EntryColumn(name="x; DROP TABLE entries", label="X", path=("x",))
    with pytest.raises(ValueError, match="identifiers"):
        EntryColumn(name="x", label="X", path=("a", "b'c"))
    with pytest.raises(ValueError, match="path or the columns it joins"):
        EntryColumn(name="x", label="X")
    with pytest.raises(ValueError, match="path or the columns it joins"):
        EntryColumn(name="x", label="X", path=("x",), joins=("category",))


def test_each_column_once_and_its_parts_consistent() -> None:
    names = entry_schema.entry_column_names()
    assert len(set(names)) == len(names)
    assert [c.name for c in entry_schema.export_columns()] == [
        "id", "time", "category", "action", "event_type", "actor_email", "actor_name", "actor_type",
        "resource_type", "resource_id", "resource_name", "title_id", "title_name",
    ]
    for c in ENTRY_COLUMNS:
        assert all(part in names for part in c.joins)
    assert entry_schema.column("actor_email").json_path == "$.actor.email"
    assert entry_schema.column("event_type").json_path is None
    fields = entry_schema.query_fields()
    assert fields["actor"] == ("actor_email", "actor_name")
    assert list(fields) == ["category", "action", "event", "actor", "resource", "type", "title", "id"]
    with pytest.raises(KeyError):
        entry_schema.column("nothing")


def test_the_sql_of_a_time_and_of_a_joined_column() -> None:
    field = {"time": "f1", "category": "f2", "action": "f3"}
    time_sql = entry_schema.column("time").sql(field)
    assert "try_cast(f1 AS TIMESTAMPTZ)" in time_sql and "substr(f1, 11, 1)" in time_sql
    assert entry_schema.column("event_type").sql(field) == (
        "CASE WHEN f2 IS NOT NULL OR f3 IS NOT NULL THEN concat_ws(' ', f2, f3) END"
    )
    assert entry_schema.column("category").sql(field) == "f2"
