"""Starting the viewer removes what faults left in the workspace cache."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from auditviewer.store.store import Store
from auditviewer.ui import app as app_module
from auditviewer.workspace import cache_folder


def test_a_half_written_database_is_removed_when_the_viewer_starts(qtbot: Any) -> None:
    where = cache_folder.folder()
    where.mkdir(parents=True)
    half = where / "workspace-half.duckdb"
    store = Store(database=half)
    store.append(pa.table({"seq": [0], "leaf": [b'{"seq":0}'], "line": [1], "source": ["e.jsonl"]}))
    store.close()  # never marked complete: a crash or a cancel
    complete = where / "workspace-done.duckdb"
    store = Store(database=complete)
    store.finish()
    store.mark_complete(key="k")
    store.close()
    assert app_module.run([], quit_after=0.1) == 0
    assert not half.exists() and complete.exists()
