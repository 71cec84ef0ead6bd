"""Cyclic garbage is collected on the GUI thread, never on a worker's (ui/gui_collection.py)."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from auditviewer.ui.gui_collection import INTERVAL_MS, GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _cycles_dropped_on_a_worker(freed_on: list[str]) -> None:
    """Makes and drops twice gen 0's threshold of cycles on a worker thread (as a load might)."""

    def work() -> None:
        for _ in range(gc.get_threshold()[0] * 2):
            cycle = _Cycle()
            weakref.finalize(cycle, lambda: freed_on.append(threading.current_thread().name))
            del cycle

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()


def test_a_cycle_dropped_on_a_worker_is_freed_on_the_gui_thread(qtbot: QtBot) -> None:
    collector = GuiThreadCollector()
    collector.start()
    try:
        freed_on: list[str] = []
        _cycles_dropped_on_a_worker(freed_on)
        assert freed_on == []  # nothing was collected on the worker
        qtbot.waitUntil(lambda: freed_on != [], timeout=INTERVAL_MS * 10)
        assert set(freed_on) == {threading.main_thread().name}
    finally:
        collector.stop()


def test_without_the_collector_the_worker_collects_it() -> None:
    # The control: what the collector prevents (Python's own collection, on the worker).
    # The tests' own collector (tests/unit/ui/conftest.py) is set aside meanwhile.
    gc.enable()
    try:
        freed_on: list[str] = []
        _cycles_dropped_on_a_worker(freed_on)
        assert "worker" in freed_on
    finally:
        gc.disable()


def test_no_full_collection_while_a_workspace_loads(qtbot: QtBot) -> None:
    loading = [True]
    collector = GuiThreadCollector(loading=lambda: loading[0])
    collections: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    collector.start()
    try:
        thresholds = gc.get_threshold()
        gc.set_threshold(1, 1, 1)  # every generation past its threshold at the next look
        try:
            junk: list[list[list[int]]] = []
            for _ in range(10):
                junk.append([[] for _ in range(10)])  # kept: the counts only grow
                collector.collect_due()
            assert 1 in collections and 2 not in collections
            loading[0] = False
            for _ in range(10):
                junk.append([[] for _ in range(10)])
                collector.collect_due()
            assert 2 in collections
            del junk
        finally:
            gc.set_threshold(*thresholds)
    finally:
        gc.callbacks.remove(record)
        collector.stop()


def test_stop_gives_collection_back() -> None:
    gc.enable()  # as before the app starts (the tests' own collector turned it off)
    try:
        collector = GuiThreadCollector()
        collector.start()
        assert not gc.isenabled()
        collector.stop()
        assert gc.isenabled()
    finally:
        gc.disable()
