"""No entry's size stalls the window over 100 ms (issue 17, item 3): a bundle of
entries with large metadata, then selecting each entry, sorting and searching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from auditviewer.ui.main_window import MainWindow, make_settings
from auditviewer.ui.models.table_model import COL_ACTOR, COL_SUMMARY
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import make_entry, signer, write_bundle
from tests.helpers.stall import StallWatch

KEY = signer()
ENTRIES = 20
KEYS = 20_000
STALL_LIMIT_S = 0.100
#: Wall-time bound: loose, for a machine shared with other work (see tests/helpers/stall.py);
#: it still fails the issue's case (7.6-21.8 s stalls) by far.
WALL_LIMIT_S = 1.0


def big_bundle(folder: Path) -> Path:
    leaves = [
        make_entry(i, metadata={f"key_{k:06d}": f"value {i}.{k}" for k in range(KEYS)})
        for i in range(ENTRIES)
    ]
    return write_bundle(folder, leaves, checkpoint_sizes=[ENTRIES], key=KEY)


def test_large_metadata_never_stalls_the_window(qtbot: Any, tmp_path: Path) -> None:
    bundle = big_bundle(tmp_path / "big")
    window = MainWindow(load_session, settings=make_settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.set_column_visible(COL_SUMMARY, True)
    with qtbot.waitSignal(window.loadFinished, timeout=120_000):
        window.open_paths([str(bundle)], trust=[KEY.verifier_string])
    qtbot.waitUntil(window.is_idle, timeout=60_000)
    assert window.model.rowCount() == ENTRIES
    watch = StallWatch()
    watch.start()
    for row in range(ENTRIES):
        watch.mark(f"select row {row}")
        window.table.selectRow(row)
        qtbot.waitUntil(lambda r=row: window.pane.entry() is not None
                        and window.pane.entry().get("seq") == window.model.seq_at(r),
                        timeout=30_000)
        qtbot.wait(10)
    watch.mark("sort by actor")
    window.table.sortByColumn(COL_ACTOR, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    qtbot.wait(50)
    watch.mark("search")
    window.search.set_text("dragon-1")
    window.search.apply()
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    qtbot.wait(50)
    watch.stop()
    print(f"longest GUI stall: {watch.longest * 1000:.0f} ms wall ({watch.where}), "
          f"{watch.longest_busy * 1000:.0f} ms of GUI-thread work ({watch.where_busy})")
    assert "…" in (window.model.index(0, COL_SUMMARY).data() or "")  # the summary was cut
    assert watch.longest_busy < STALL_LIMIT_S, (
        f"{watch.longest_busy * 1000:.0f} ms of GUI-thread work at {watch.where_busy}"
    )
    assert watch.longest < WALL_LIMIT_S, f"{watch.longest * 1000:.0f} ms stall at {watch.where}"


def test_pages_carry_summaries_not_metadata(tmp_path: Path) -> None:
    """The window's pages come with the Summary made on the fetching thread: the GUI
    thread, which may convert a page that came with a new view, never parses metadata."""
    from auditviewer.core.summary import ELLIPSIS
    from auditviewer.workspace.session import FilterState
    from tests.unit.workspace.test_store_session import Ctx

    bundle = big_bundle(tmp_path / "big")
    ctx = Ctx()
    ctx.trust = [KEY.verifier_string]
    session = load_session([str(bundle)], ctx)
    try:
        page = session.view(FilterState()).window(0, 5)
        assert "metadata" not in page.column_names
        gists = page.column("summary").to_pylist()
        assert all(g.startswith("key_000000 value") and g.endswith(ELLIPSIS) for g in gists)
    finally:
        session.close()
