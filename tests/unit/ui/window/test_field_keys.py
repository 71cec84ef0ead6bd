"""Ctrl+E exports while the cursor is in the search field, even where the field claims
the key as an editing binding (xcb's Emacs keys: Ctrl+E = end of line; issue 13.11)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

from auditviewer.ui.main_window import MainWindow
from tests.helpers.window import shown_window
from tests.unit.ui.test_main_window import fake_loader, open_fake

CTRL = Qt.KeyboardModifier.ControlModifier


class ClaimsCtrlE(QObject):
    """What QLineEdit does under xcb: it accepts the ShortcutOverride of Ctrl+E (its
    end-of-line binding) so that no window shortcut sees the key."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_E and event.modifiers() == CTRL:
                event.accept()
                return True
        return False


def _window(qtbot: Any) -> tuple[MainWindow, list[object]]:
    window = shown_window(qtbot, fake_loader)
    open_fake(qtbot, window)
    opened: list[object] = []
    window.export.open_export = lambda scope=None: opened.append(scope)  # type: ignore[method-assign]
    window.menus.export_action.setEnabled(True)  # the fake session cannot export
    window.activateWindow()
    window.search.edit.setFocus()
    window.search.edit.setText("actor")
    return window, opened


def test_ctrl_e_exports_when_the_field_claims_the_key(qtbot: Any) -> None:
    window, opened = _window(qtbot)
    claim = ClaimsCtrlE(window.search.edit)
    window.search.edit.installEventFilter(claim)  # consulted before the window's filter
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_E, CTRL)
    assert window.focusWidget() is window.search.edit
    assert opened == [None]
    assert window.search.edit.text() == "actor"  # no "e" typed


def test_the_field_refuses_the_override_of_ctrl_e_only(qtbot: Any) -> None:
    window, _opened = _window(qtbot)
    edit = window.search.edit
    ctrl_e = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_E, CTRL)
    assert window.menus.search_keys.eventFilter(edit, ctrl_e) is True
    assert not ctrl_e.isAccepted()
    ctrl_a = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_A, CTRL)
    assert window.menus.search_keys.eventFilter(edit, ctrl_a) is False


def test_a_disabled_export_is_not_run_from_the_field(qtbot: Any) -> None:
    window, opened = _window(qtbot)
    window.menus.export_action.setEnabled(False)
    window.search.edit.installEventFilter(ClaimsCtrlE(window.search.edit))
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_E, CTRL)
    assert opened == []
