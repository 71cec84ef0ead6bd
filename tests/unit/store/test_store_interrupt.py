"""A cancelled load interrupts the store's running statement from another thread."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

from auditviewer.core.errors import StoreError
from auditviewer.store.store import Store


def test_interrupt_stops_a_running_statement_with_a_store_error() -> None:
    store = Store()
    failures: list[BaseException] = []
    started = threading.Event()

    def long_statement() -> None:
        started.set()
        try:
            # Seconds of work in one statement, like a large INSERT or the finishing passes.
            store._fetchall("SELECT count(*) FROM range(5000000000) a WHERE a.range % 7 = 3")
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=long_statement)
    thread.start()
    assert started.wait(5)
    time.sleep(0.2)
    began = time.perf_counter()
    store.interrupt()
    thread.join(10)
    assert not thread.is_alive()
    assert time.perf_counter() - began < 1.0
    assert failures, "the statement was not interrupted"
    assert isinstance(failures[0], StoreError)
    assert store.total_count() == 0  # the store still answers afterwards
    store.close()
    with pytest.raises(duckdb.Error):  # closed: the cancelling caller suppresses this
        store.interrupt()
