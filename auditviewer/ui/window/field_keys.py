"""Window shortcuts that keep working while the cursor is in a text field.

A :class:`QLineEdit` claims the keys of its platform's editing bindings before
any shortcut sees them (it accepts the ``ShortcutOverride`` event). On X11
(xcb) those include the Emacs keys: Ctrl+E moves to the end of the line, so
File ▸ Export's Ctrl+E did nothing while the search field had the focus (issue
13, defect 11). Offscreen and on other platforms the binding is absent, which
is why it was not seen in tests.

:class:`ActionKeysInField` gives chosen actions their key back in one field:
it refuses the override for their shortcut (the window's shortcut then fires),
and if something else accepted it anyway, the key press itself triggers the
action. Only the actions named are affected; every other key stays the field's.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget


class ActionKeysInField(QObject):
    """An event filter on ``field`` handing the shortcuts of ``actions`` to the actions."""

    def __init__(self, field: QWidget, actions: Iterable[QAction]) -> None:
        super().__init__(field)
        self.actions = list(actions)
        field.installEventFilter(self)

    def action_for(self, event: QKeyEvent) -> QAction | None:
        pressed = QKeySequence(event.keyCombination())
        for action in self.actions:
            if any(key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                   for key in action.shortcuts()):
                return action
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        action = self.action_for(event)
        if action is None:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.ignore()  # not the field's: the window's shortcut takes it
            return True
        if action.isEnabled():
            action.trigger()
        event.accept()
        return True
