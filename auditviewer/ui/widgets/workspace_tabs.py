"""Several workspaces at once, in tabs (issue 13, feature 4).

:class:`WorkspaceTabs` is the application's top-level window; each tab is one
:class:`~auditviewer.ui.main_window.MainWindow`, unchanged: its own session,
filters, selection, menus and status bar (a ``QMainWindow`` embedded as a
widget keeps its menu bar and status bar inside the tab, so the menus act on
the tab they are in and the status bar is the current tab's). With one tab the
tab bar is hidden and the window looks as it always did.

- File ▸ Open in New Tab… (Ctrl+T) in any tab opens the file dialog for a new
  tab (the tab goes again if the dialog is cancelled); :meth:`new_tab` opens
  paths into one. File ▸ Open… (Ctrl+O) over an open workspace does the same, so
  opening never silently replaces a workspace; on the start page it opens there.
  (Recent files and drops open in their tab, as before.)
- The window's title is the current tab's; each tab is named by its window's
  title (elided; the whole title in its tooltip).
- Closing a tab closes its workspace the way Ctrl+W does (a load let go of, the
  store released on its own thread: never waited for), stops the tab's query
  and page threads without waiting, and deletes the tab once they have ended.
- A tab's window closed by other means (``close()``, its Quit) takes its tab
  away; the last tab gone closes the window. Closing the window closes every
  tab's window (each saves its settings, then the host its geometry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget

from auditviewer.core.about import APP_NAME
from auditviewer.core.display import elide
from auditviewer.ui.window.loading import jobs_running

if TYPE_CHECKING:
    from auditviewer.ui.main_window import MainWindow

TAB_TEXT_LIMIT = 40
_TITLE_TAIL = f" — {APP_NAME}"


class WorkspaceTabs(QMainWindow):
    """The top-level window: one :class:`MainWindow` per tab."""

    def __init__(self, factory: Callable[[], MainWindow], first: MainWindow | None = None) -> None:
        super().__init__()
        self.setObjectName("workspaceTabs")
        self.setWindowTitle(APP_NAME)
        self.factory = factory
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("workspaceTabBar")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(lambda _i: self._follow_current())
        self.setCentralWidget(self.tabs)
        #: Closed tabs whose threads have not ended yet (deleted once they have).
        self.closing: list[MainWindow] = []
        self._reaper = QTimer(self)
        self._reaper.setInterval(200)
        self._reaper.timeout.connect(self._reap)
        window = first if first is not None else factory()
        self.add_tab(window)
        settings = window.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(window.layouts.default_size())

    # -- tabs ----------------------------------------------------------------
    def windows(self) -> list[MainWindow]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def current(self) -> MainWindow | None:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def add_tab(self, window: MainWindow) -> MainWindow:
        window.setWindowFlags(Qt.WindowType.Widget)
        index = self.tabs.addTab(window, self._tab_text(window))
        self.tabs.setCurrentIndex(index)
        window.windowTitleChanged.connect(lambda _t, w=window: self._title_changed(w))
        window.newTabRequested.connect(self.new_tab)
        window.menus.new_tab_action.setVisible(True)
        # File ▸ Open… over an open workspace opens a new tab: never a silent replacement.
        opening = window.menus.open_action
        opening.triggered.disconnect()
        opening.triggered.connect(lambda _c=False, w=window: self.open_from(w))
        window.installEventFilter(self)
        window.show()
        self._follow_current()
        return window

    def new_tab(self, paths: list[str] | None = None) -> MainWindow:
        """A new tab opening ``paths``, or the file dialog (None); a cancelled dialog takes
        the tab away again."""
        window = self.add_tab(self.factory())
        if paths:
            window.open_paths(list(paths))
        else:
            window.loading.open_dialog()
            if window.session is None and not window.is_loading() and self.tabs.count() > 1:
                self.close_tab(self.tabs.indexOf(window))
        return window

    def open_from(self, window: MainWindow) -> None:
        """File ▸ Open… in a tab: into that tab while it shows the start page, else a new tab."""
        if window.session is None and not window.is_loading():
            window.loading.open_dialog()
        else:
            self.new_tab(None)

    def close_tab(self, index: int) -> None:
        """Close a tab's workspace without waiting for its jobs; the tab is deleted later."""
        window: MainWindow | None = self.tabs.widget(index)  # type: ignore[assignment]
        if window is None:
            return
        window.removeEventFilter(self)
        self.tabs.removeTab(index)
        window.hide()
        window.close_workspace(show_start=True)  # as Ctrl+W: a load is let go of, not waited for
        window.refresher.quit()
        window.fetcher.quit()
        self.closing.append(window)
        self._reaper.start()
        if self.tabs.count() == 0:
            self.close()

    def _reap(self) -> None:
        for window in list(self.closing):
            if window.refresher.finished() and window.fetcher.finished() and not jobs_running():
                self.closing.remove(window)
                window.deleteLater()
        if not self.closing:
            self._reaper.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched in self.windows():
            QTimer.singleShot(0, lambda w=watched: self._closed(w))
        return False

    def _closed(self, window: QObject) -> None:
        """A tab's window was closed (its own close(), saving and stopping): drop the tab."""
        index = self.tabs.indexOf(window)  # type: ignore[arg-type]
        if index < 0 or window.isVisible():  # type: ignore[attr-defined]
            return  # the close was refused
        window.removeEventFilter(self)
        self.tabs.removeTab(index)
        if self.tabs.count() == 0:
            self.close()

    # -- title -----------------------------------------------------------------
    def _tab_text(self, window: MainWindow) -> str:
        title = window.windowTitle()
        if title.endswith(_TITLE_TAIL):
            title = title[: -len(_TITLE_TAIL)]
        return elide(title or APP_NAME, TAB_TEXT_LIMIT)

    def _title_changed(self, window: MainWindow) -> None:
        index = self.tabs.indexOf(window)
        if index >= 0:
            self.tabs.setTabText(index, self._tab_text(window).replace("&", "&&"))
            self.tabs.setTabToolTip(index, window.windowTitle())
        self._follow_current()

    def _follow_current(self) -> None:
        window = self.current()
        self.setWindowTitle(window.windowTitle() if window is not None else APP_NAME)

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in self.closing:  # tabs closed before: their threads are stopping already
            window.refresher.stop()
            window.fetcher.stop()
        windows = self.windows()
        for window in windows:
            window.removeEventFilter(self)
            window.close()
        if windows:
            settings = windows[0].settings
            settings.setValue("window/geometry", self.saveGeometry())
            settings.sync()
        super().closeEvent(event)
