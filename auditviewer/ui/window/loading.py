"""Opening a workspace: the file dialogs, the demo, recent files, the loading job
(a :class:`~auditviewer.ui.workers.Worker` running the window's loader), its
progress, Cancel, and closing the workspace.

The session is shown as soon as the loader hands over its first rows
(``partial``); newly stored rows are shown every ``LOADING_REFRESH_S``; the
report, banner and panel follow when the load finishes.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThread, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from auditviewer.core.about import APP_NAME
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.text import elide, visible_text
from auditviewer.ui.refresher import ALL_PARTS, PART_TABLE
from auditviewer.ui.window.base import Controller, menu_text, shown
from auditviewer.ui.workers import JobContext, Worker, start
from auditviewer.workspace.session import FilterState, Session

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

MAX_RECENT = 10
LOADING_REFRESH_S = 2.0  # while loading, show newly stored rows this often
OPEN_FILTER = (
    "Audit exports (*.zip *.json *.jsonl *.jsonl.gz *.csv *.parquet manifest.json);;All files (*)"
)


class LoadingController(Controller):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        #: Keys trusted for this workspace only (the demo's), kept to verify again.
        self.extra_trust: list[str] = []

    #: The loading job, while one runs.
    worker: Worker | None = None
    _thread: QThread | None = None
    _stored = 0
    _load_started = 0.0
    _last_load_refresh = 0.0

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
        recent = self.recent_paths()
        for p in reversed(paths):
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
        self.cancel_loading(wait=True)
        self.close_workspace(show_start=False)
        w.paths = [str(p) for p in paths]
        self.extra_trust = list(trust or [])
        if remember:
            self.remember(w.paths)
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
        self.worker.progress.connect(self.on_progress)
        self.worker.rowsStored.connect(self.on_rows_stored)
        self.worker.partial.connect(self.on_partial)
        self.worker.finished.connect(self.on_loaded)
        self.worker.failed.connect(self.on_failed)
        self.worker.cancelled.connect(self.on_cancelled)
        w.banner.set_status("loading", "Reading and verifying " + self.inputs_text() + "…")
        w.progress.setRange(0, 0)
        w.progress.show()
        w.cancel_button.show()
        w.status("Opening " + self.inputs_text() + "…")
        self._load_started = time.monotonic()
        self._thread = start(self.worker, w)
        w.menus.update_actions()

    def inputs_text(self) -> str:
        names = [Path(p).name or p for p in self.w.paths]
        text = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return elide(visible_text(text), 120)

    def is_loading(self) -> bool:
        return self.worker is not None

    def cancel_loading(self, *_: Any, wait: bool = False) -> None:
        worker = self.worker
        if worker is None:
            return
        worker.cancel()
        if wait and self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)

    @Slot(str, int, int)
    def on_progress(self, phase: str, done: int, total: int) -> None:
        w = self.w
        if total > 0:
            w.progress.setRange(0, 1000)
            w.progress.setValue(int(1000 * done / max(total, 1)))
        else:
            w.progress.setRange(0, 0)
        w.progress.setFormat(f"{phase} %p%")
        w.status(f"{phase}…")

    @Slot(object)
    def on_partial(self, session: object) -> None:
        """The store has its first rows: show them while loading goes on."""
        if self.worker is None:
            return
        self.install_session(session)  # type: ignore[arg-type]

    @Slot(int)
    def on_rows_stored(self, count: int) -> None:
        w = self.w
        if w.session is None:
            return
        self._stored = count
        w.status(f"{count:,} entries stored…")
        now = time.monotonic()
        if now - self._last_load_refresh >= LOADING_REFRESH_S and not w.refresher.pending():
            self._last_load_refresh = now
            w.filtering.request(parts=frozenset({PART_TABLE}))

    @Slot(object)
    def on_loaded(self, session: object) -> None:
        w = self.w
        self._finish_worker()
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
            text += " " + elide(visible_text("; ".join(notices)), 200)
        problems = self.load_problems()
        if problems:
            text += " " + elide(visible_text(problems[0]), 200) + (
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
        w = self.w
        self._finish_worker()
        self.close_workspace(show_start=True)
        w.banner.set_status("error", shown(message))
        QMessageBox.warning(w, APP_NAME, f"Could not open the export.\n\n{shown(message)}")
        w.loadFinished.emit("error")

    @Slot()
    def on_cancelled(self) -> None:
        self._finish_worker()
        self.close_workspace(show_start=True)
        self.w.status("Opening was cancelled.")
        self.w.loadFinished.emit("cancelled")

    def _finish_worker(self) -> None:
        w = self.w
        self.worker = None
        w.progress.hide()
        w.cancel_button.hide()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
            self._thread.deleteLater()
            self._thread = None
        w.menus.update_actions()

    def install_session(self, session: Session) -> None:
        w = self.w
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
        w = self.w
        if self.worker is not None and show_start:
            self.cancel_loading(wait=True)
        w.export.close_dialog()
        w.banner.set_notes([])
        session = w.session
        w.session = None
        w.report = None
        w.refresher.cancel_pending()
        w.filtering.forget_shown()
        w.filtering.release_view(w.model.source())
        w.model.set_source(None)
        w.pane.clear()
        w.integrity.set_report(None)
        w.state = FilterState(utc=w.state.utc)
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
        """The window closes: stop the load, then close the workspace."""
        self.cancel_loading(wait=True)
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(10_000)
        self.close_workspace(show_start=False)
