"""Opening a workspace: the file dialogs, the demo, recent files, the loading job
(a :class:`~auditviewer.ui.workers.Worker` running the window's loader), its
progress, Cancel, and closing the workspace.

The session is shown as soon as the loader hands over its first rows
(``partial``); newly stored rows are shown every ``LOADING_REFRESH_S``; the
report, banner and panel follow when the load finishes.

Progress is told in entries, per phase, in a label beside a small percentage bar
(never inside it): "Reading and verifying: 120,000 of 300,000 entries · 85,000/s
· about 2 s left" when the inputs know their total (Parquet footers); else the
entries read, and the time left from the bytes left (the bar then shows the bytes'
share); then "Checking signatures" and "Storing".

Cancel, closing the workspace (Ctrl+W) and quitting never wait for the loading
thread. The window lets go of the job at once (:meth:`_let_go`): its signals are
disconnected, the store it fills is interrupted (``JobContext.on_cancel``), and
the job closes that store itself when it stops (at its next batch, or at once in
an interrupted statement); the window
returns to what it showed before the open (docs/architecture.md, "Cancel").

The workspace on show stays until the new one hands over its first rows, and for
good if the open fails or is cancelled (the status bar says so); opening the same
inputs again (a reload) replaces it at once, as the two would share one store.
Inputs go to Recent, as absolute paths, only once they have opened.
A session the job still fills is never closed on the GUI thread. Quitting waits
at most ``QUIT_WAIT_S`` for the jobs to stop; :func:`jobs_running` tells
:func:`auditviewer.ui.app.run` whether to end the process without them.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThread, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from auditviewer.core.about import APP_NAME
from auditviewer.core.display import elide, visible
from auditviewer.core.errors import AuditViewerError
from auditviewer.ui.refresher import ALL_PARTS, PART_TABLE
from auditviewer.ui.window.base import Controller, menu_text, shown
from auditviewer.ui.workers import JobContext, Worker, start
from auditviewer.workspace.session import FilterState, Session

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

MAX_RECENT = 10
QUIT_WAIT_S = 0.3  # quitting: how long the GUI waits for a cancelled load to stop
PROGRESS_TICK_MS = 500  # the progress text is redrawn this often while loading
LOADING_REFRESH_S = 2.0  # while loading, show newly stored rows this often
OPEN_FILTER = (
    "Audit exports (*.zip *.json *.jsonl *.jsonl.gz *.csv *.parquet manifest.json);;All files (*)"
)


#: Jobs let go of (cancelled, closed, quit) and their threads, kept referenced until
#: their thread ends: a QThread or a Worker collected while its job runs crashes Qt.
_LET_GO: list[tuple[Worker, QThread]] = []


def jobs_running() -> bool:
    """Whether a loading job let go of is still running (its thread not yet ended)."""
    return any(thread.isRunning() for _, thread in _LET_GO)


def _forget_ended() -> None:
    _LET_GO[:] = [(worker, thread) for worker, thread in _LET_GO if thread.isRunning()]


class LoadingController(Controller):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        #: Keys trusted for this workspace only (the demo's), kept to verify again.
        self.extra_trust: list[str] = []
        #: The inputs of the running load, for Recent once they have opened.
        self._to_remember: list[str] = []
        #: The inputs of the workspace kept on show while another one opens.
        self._previous_paths: list[str] = []
        #: The session on show is the running job's (it fills it, and closes it if cancelled).
        self._session_is_jobs = False
        self._phase = ""
        self._bytes: tuple[int, int] = (0, 0)
        self._read = 0
        #: Entries the inputs hold, when known before reading them (Parquet footers).
        self.expected: int | None = None
        self._reading_since: float | None = None
        # Rate and time left change between two batches too.
        self._ticker = QTimer(self)
        self._ticker.setInterval(PROGRESS_TICK_MS)
        self._ticker.timeout.connect(self._show_progress)

    #: The loading job, while one runs.
    worker: Worker | None = None
    _thread: QThread | None = None
    _stored = 0
    _load_started = 0.0
    _last_load_refresh = 0.0
    _read_at_start = 0

    # -- choosing what to open -------------------------------------------
    def open_dialog(self) -> None:
        recent = self.recent_paths()
        start_dir = str(Path(recent[0]).parent) if recent else ""
        files, _ = QFileDialog.getOpenFileNames(
            self.w, "Open audit-log exports", start_dir, OPEN_FILTER
        )
        if files:
            # A bundle's manifest stands for its folder.
            paths = [str(Path(f).parent) if Path(f).name == "manifest.json" else f for f in files]
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Open a bundle folder")
        if folder:
            self.open_paths([folder])

    def open_demo(self) -> None:
        w = self.w
        if w.demo_paths is None:
            QMessageBox.information(w, APP_NAME, "The demo is not available in this build.")
            return
        try:
            paths, trust = w.demo_paths()
        except (OSError, AuditViewerError) as exc:
            QMessageBox.warning(w, APP_NAME, f"Could not prepare the demo: {shown(exc)}")
            return
        self.open_paths(paths, trust=trust, remember=False)

    # -- recent files ----------------------------------------------------
    def recent_paths(self) -> list[str]:
        value: Any = self.w.settings.value("recent/paths", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return []
        return [str(v) for v in value][:MAX_RECENT]

    def remember(self, paths: list[str]) -> None:
        """Put ``paths`` (absolute: Recent opens them from any folder) at the top of Recent."""
        recent = self.recent_paths()
        for p in reversed([os.path.abspath(p) for p in paths]):
            if p in recent:
                recent.remove(p)
            recent.insert(0, p)
        self.w.settings.setValue("recent/paths", recent[:MAX_RECENT])
        self.refresh_recent()

    def refresh_recent(self) -> None:
        w = self.w
        recent = self.recent_paths()
        w.start_page.set_recent(recent)
        menu = w.menus.recent_menu
        menu.clear()
        for p in recent:
            act = menu.addAction(menu_text(p, 90))
            act.triggered.connect(lambda _=False, path=p: self.open_paths([path]))
        menu.setEnabled(bool(recent))

    # -- the loading job -------------------------------------------------
    def open_paths(
        self, paths: list[str], *, trust: list[str] | None = None, remember: bool = True
    ) -> None:
        """Load ``paths`` as one workspace (replacing the current one)."""
        w = self.w
        if not paths:
            return
        if w.loader is None:
            QMessageBox.warning(w, APP_NAME, "No loader is available.")
            return
        was_loading = self.worker is not None
        self._let_go()
        new_paths = [str(p) for p in paths]
        if was_loading or new_paths == w.paths:
            # The same inputs again (trusting a key reloads) share its store: replaced at once.
            self.close_workspace(show_start=False)
        # Else the workspace on show stays until the new one hands over its first rows
        # (install_session), and stays for good if the open fails.
        self._previous_paths = list(w.paths) if w.session is not None else []
        w.paths = new_paths
        self.extra_trust = list(trust or [])
        # Recent gets the inputs once they have opened (refused or failed ones never).
        self._to_remember = list(w.paths) if remember else []
        loader = w.loader
        extra = list(self.extra_trust)
        paths_copy = list(w.paths)

        memory = w.trust.checkpoint_memory()

        def job(ctx: JobContext) -> Session:
            ctx.trust = extra  # type: ignore[attr-defined]
            ctx.memory = memory  # type: ignore[attr-defined]
            return loader(paths_copy, ctx)

        # Loading gives way to the GUI for the CPU once the store is open (ctx.give_way in the
        # loader): DuckDB's threads, started when it opens, keep the GUI's priority for the
        # filter changes that follow.
        self.worker = Worker(job)
        for signal, slot in self._wiring(self.worker):
            signal.connect(slot)
        w.banner.set_status("loading", "Reading and verifying " + self.inputs_text() + "…")
        self._phase, self._bytes, self._read, self.expected = "Opening", (0, 0), 0, None
        self._reading_since = None
        w.progress.setRange(0, 0)
        w.progress.show()
        w.progress_label.setText("Opening…")
        w.progress_label.show()
        w.cancel_button.show()
        w.status("Opening " + self.inputs_text() + "…")
        self._load_started = time.monotonic()
        self._thread = start(self.worker, None)
        self._ticker.start()
        w.menus.update_actions()

    def _wiring(self, worker: Worker) -> list[tuple[Any, Any]]:
        return [
            (worker.progress, self.on_progress),
            (worker.entriesRead, self.on_entries_read),
            (worker.rowsStored, self.on_rows_stored),
            (worker.partial, self.on_partial),
            (worker.finished, self.on_loaded),
            (worker.failed, self.on_failed),
            (worker.cancelled, self.on_cancelled),
        ]

    def _stale(self) -> bool:
        """A signal of a job let go of, posted before its disconnection: ignored."""
        sender = self.sender()
        return sender is not None and sender is not self.worker

    def inputs_text(self) -> str:
        names = [Path(p).name or p for p in self.w.paths]
        text = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return elide(visible(text), 120)

    def is_loading(self) -> bool:
        return self.worker is not None

    def cancel_loading(self, *_: Any) -> None:
        """Stop the load: at once for the window (start page, "cancelled"), within a batch
        or an interrupted statement for the job."""
        if self.worker is None:
            return
        self._let_go()
        if not self._keep_previous():
            self.close_workspace(show_start=True)
        self.w.status("Opening was cancelled.")
        self.w.loadFinished.emit("cancelled")

    def _let_go(self) -> None:
        """Cancel the job and stop listening to it, without waiting for it to stop."""
        worker, thread = self.worker, self._thread
        if worker is None:
            return
        worker.cancel()
        for signal, slot in self._wiring(worker):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        if thread is not None:
            _forget_ended()
            _LET_GO.append((worker, thread))
        self.worker, self._thread = None, None
        self._hide_progress()
        self.w.menus.update_actions()

    def wait_for_jobs(self, seconds: float) -> bool:
        """Wait (blocking) up to ``seconds`` for the jobs let go of to stop; whether they did."""
        deadline = time.monotonic() + seconds
        for _, thread in list(_LET_GO):
            left = deadline - time.monotonic()
            if left <= 0 or not thread.wait(max(1, int(left * 1000))):
                break
        _forget_ended()
        return not jobs_running()

    @Slot(str, int, int)
    def on_progress(self, phase: str, done: int, total: int) -> None:
        if self._stale():
            return
        self._phase = phase
        if phase == "Reading and verifying":
            self._bytes = (done, total)
        self._show_progress()

    @Slot(int, int)
    def on_entries_read(self, count: int, expected: int) -> None:
        if self._stale():
            return
        if self._reading_since is None:
            self._reading_since = time.monotonic()
            self._read_at_start = count
        self._read = count
        if count and self._phase == "Opening":
            self._phase = "Reading and verifying"  # the first batch came before its progress
        known = expected if expected >= 0 else None
        if known != self.expected:
            self.expected = known
            self.w.filtering.update_counts()
        self._show_progress()

    def _show_progress(self) -> None:
        w = self.w
        fraction = self._fraction()
        if fraction is None:
            w.progress.setRange(0, 0)  # busy: checking signatures, storing
        else:
            w.progress.setRange(0, 1000)
            w.progress.setValue(int(1000 * fraction))
        w.progress.setFormat("%p%")
        w.progress_label.setText(self.progress_text())

    def _fraction(self) -> float | None:
        if self._phase != "Reading and verifying":
            return None
        if self.expected:
            return min(1.0, self._read / self.expected)
        done, total = self._bytes
        return min(1.0, done / total) if total > 0 else None

    def progress_text(self, now: float | None = None) -> str:
        """What the loading is doing, in entries: done of the total when known, rate, time left
        (from the entries left, or from the bytes left when the total is not known)."""
        phase, read = self._phase, self._read
        if phase != "Reading and verifying":
            return f"{phase}: {read:,} entries…" if read else f"{phase}…"
        total = self.expected
        text = f"{phase}: {read:,}" + (f" of {total:,}" if total is not None else "") + " entries"
        since = self._reading_since
        if since is None:
            return text
        seconds = (time.monotonic() if now is None else now) - since
        rate = (read - self._read_at_start) / seconds if seconds >= 0.5 else 0.0
        if rate <= 0:
            return text
        text += f" · {rate:,.0f}/s"
        if total is not None:
            left = (total - read) / rate if total > read else None
        else:
            done, size = self._bytes
            share = done / size if size > 0 else 0.0
            left = seconds * (1 - share) / share if 0 < share < 1 else None
        if left is not None:
            text += f" · about {_duration(left)} left"
        return text

    @Slot(object)
    def on_partial(self, session: object) -> None:
        """The store has its first rows: show them while loading goes on."""
        if self._stale():
            return
        if self.worker is None:
            return
        self.install_session(session)  # type: ignore[arg-type]
        self._session_is_jobs = True

    @Slot(int)
    def on_rows_stored(self, count: int) -> None:
        if self._stale():
            return
        w = self.w
        if w.session is None:
            return
        self._stored = count  # the progress label tells how many were read
        now = time.monotonic()
        if now - self._last_load_refresh >= LOADING_REFRESH_S and not w.refresher.pending():
            self._last_load_refresh = now
            w.filtering.request(parts=frozenset({PART_TABLE}))

    @Slot(object)
    def on_loaded(self, session: object) -> None:
        if self._stale():
            return
        w = self.w
        self._finish_worker()
        if self._to_remember:
            self.remember(self._to_remember)
            self._to_remember = []
        if w.session is not session:
            self.install_session(session)  # type: ignore[arg-type]
        assert w.session is not None
        w.report = w.session.report
        w.filtering.request()
        # The report is shown in two events, so that the event loop runs in between
        # (together ~60 ms at a million entries, the longest stall left of a load):
        # the banner now, the report panel (tables fitted to their contents) next.
        if w.report is not None:
            w.banner.set_report(w.report)
        loaded = w.session
        QTimer.singleShot(0, self, lambda: self._finish_loaded(loaded))

    def _finish_loaded(self, session: Session) -> None:
        w = self.w
        if w.session is not session or self.worker is not None:
            return  # closed, or another load started, meanwhile
        w.reports.show_report_panel()
        status = w.report.status if w.report is not None else "error"
        seconds = time.monotonic() - self._load_started
        text = f"Opened {self._stored:,} entries in {seconds:.1f} s."
        notices = session.notices
        if notices:
            text += " " + elide(visible("; ".join(notices)), 200)
        problems = self.load_problems()
        if problems:
            text += " " + elide(visible(problems[0]), 200) + (
                f" (+{len(problems) - 1} more, see the banner)" if len(problems) > 1 else ""
            )
        w.banner.set_notes(problems)
        w.status(text)
        w.loadFinished.emit(status)

    def load_problems(self) -> list[str]:
        """Files that failed mid-load and memory problems of the open session, one line each."""
        session = self.w.session
        if session is None:
            return []
        lines = [f"Not read: {e}" for e in session.file_errors]
        lines += [f"Remembered checkpoints: {m}" for m in session.memory_problems]
        return lines

    @Slot(str)
    def on_failed(self, message: str) -> None:
        if self._stale():
            return
        w = self.w
        self._finish_worker()
        failed = self.inputs_text()
        if not self._keep_previous():
            self.close_workspace(show_start=True)
            w.banner.set_status("error", shown(message))
        w.status(f"Could not open {failed}.")
        QMessageBox.warning(w, APP_NAME, f"Could not open the export.\n\n{shown(message)}")
        w.loadFinished.emit("error")

    def _keep_previous(self) -> bool:
        """After a failed or cancelled open: show again the workspace kept during it
        (its paths, title and banner); whether there was one."""
        w = self.w
        if w.session is None or self._session_is_jobs or not self._previous_paths:
            return False
        w.paths, self._previous_paths = self._previous_paths, []
        if w.report is not None:
            w.banner.set_report(w.report)
        w.filtering.update_title()
        w.menus.update_actions()
        return True

    @Slot()
    def on_cancelled(self) -> None:
        """The job stopped by itself as cancelled (the window's own Cancel lets go first)."""
        if self._stale():
            return
        self._finish_worker()
        if not self._keep_previous():
            self.close_workspace(show_start=True)
        self.w.status("Opening was cancelled.")
        self.w.loadFinished.emit("cancelled")

    def _finish_worker(self) -> None:
        """The job has ended (finished, failed, cancelled): its thread ends now too."""
        self.worker = None
        self._session_is_jobs = False
        self._hide_progress()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
            self._thread.deleteLater()
            self._thread = None
        self.w.menus.update_actions()

    def _hide_progress(self) -> None:
        w = self.w
        self._ticker.stop()
        w.progress.hide()
        w.progress_label.hide()
        w.cancel_button.hide()

    def install_session(self, session: Session) -> None:
        w = self.w
        if w.session is not None and w.session is not session:
            self.close_workspace(show_start=False)  # the workspace kept while this one opened
        self._previous_paths = []
        w.session = session
        w.report = session.report
        w.search.set_checker(lambda text: session.check_query(text, w.state.utc))
        info = session.info
        exported = info.exported_at_ms
        w.model.set_retention_cutoff(
            None if exported is None else exported - 90 * 86_400_000
        )
        w.stack.setCurrentWidget(w.workspace_page)
        w.filtering.forget_shown()
        self._last_load_refresh = time.monotonic()
        w.filtering.request(parts=frozenset({PART_TABLE}) if self.worker is not None else ALL_PARTS)
        w.filtering.update_title()
        w.menus.update_actions()
        w.sessionReady.emit()

    def close_workspace(self, *_: Any, show_start: bool = True) -> None:
        """Close the workspace (Ctrl+W): a load in progress is let go of, never waited for."""
        w = self.w
        if self.worker is not None and show_start:
            self._let_go()
            w.status("Opening was cancelled.")
            w.loadFinished.emit("cancelled")
        w.export.close_dialog()
        w.export.forget_source()
        w.banner.set_notes([])
        session = w.session
        if self._session_is_jobs and self.worker is None:
            session = None  # the job let go of closes it when it stops: never here, mid-insert
        self._session_is_jobs = False
        self._previous_paths = []
        w.session = None
        w.report = None
        w.refresher.cancel_pending()
        w.filtering.forget_shown()
        w.refresher.release(w.model.source())  # on the query thread: the store may be busy
        w.model.set_source(None)
        w.pane.clear()
        w.integrity.set_report(None)
        w.state = FilterState(utc=w.state.utc)
        w.scope_tree.clear()
        w.timeline.clear()
        w.search.set_checker(None)
        w.search.edit.clear()
        w.category_facet.model.set_checked((), notify=False)
        w.action_facet.model.set_checked((), notify=False)
        if session is not None:
            with contextlib.suppress(Exception):  # closing must not stop the window
                session.close()
        if show_start:
            w.banner.set_status("none", "Open an export to see whether its entries are proven authentic.")
            w.show_start()

    def shut_down(self) -> None:
        """The window closes: let go of the load, close the workspace, and give the jobs
        ``QUIT_WAIT_S`` to stop (the app ends the process without them after that)."""
        self._let_go()
        self.close_workspace(show_start=False)
        self.wait_for_jobs(QUIT_WAIT_S)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
