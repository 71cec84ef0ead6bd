"""Trusting a key whose name is already trusted under another id (issue 11, item 18)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.ui.dialogs.trust_store import TrustKeyDialog, lookalikes
from tests.helpers.bundle_builder import signer

NAME = "audit.test.example/org/acme"


def test_lookalike_key_warns_and_needs_a_deliberate_action(qtbot: Any) -> None:
    genuine = signer(b"genuine", NAME).verifier
    planted = signer(b"attacker", NAME).verifier
    dialog = TrustKeyDialog(planted.label, planted, trusted=[genuine])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.lookalike_warning is not None
    text = dialog.lookalike_warning.text()
    assert "a different key is already trusted under this name" in text
    assert genuine.fingerprint in text and planted.fingerprint in text
    assert dialog.cancel_button.isDefault() and not dialog.trust_button.isDefault()
    assert not dialog.trust_button.isEnabled()
    # Enter does not trust it.
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() != TrustKeyDialog.DialogCode.Accepted
    dialog2 = TrustKeyDialog(planted.label, planted, trusted=[genuine])
    qtbot.addWidget(dialog2)
    assert dialog2.understand is not None
    dialog2.understand.setChecked(True)
    assert dialog2.trust_button.isEnabled()
    dialog2.trust_button.click()
    assert dialog2.result() == TrustKeyDialog.DialogCode.Accepted
    assert dialog2.key == planted


def test_invisible_characters_do_not_hide_a_lookalike(qtbot: Any) -> None:
    genuine = signer(b"genuine", NAME).verifier
    sneaky = signer(b"attacker", NAME.replace("acme", "ac\u034fme")).verifier
    assert lookalikes(sneaky.name, sneaky.id_hex, [genuine]) == [genuine]
    dialog = TrustKeyDialog(sneaky.label, sneaky, trusted=[genuine])
    qtbot.addWidget(dialog)
    assert dialog.lookalike_warning is not None
    assert "ac⟨U+034F⟩me" in dialog.lookalike_warning.text()


def test_ordinary_key_no_warning(qtbot: Any) -> None:
    key = signer(b"genuine", NAME).verifier
    other = signer(b"other", "audit.test.example/org/other").verifier
    dialog = TrustKeyDialog(key.label, key, trusted=[other, key])
    qtbot.addWidget(dialog)
    assert dialog.lookalike_warning is None
    assert dialog.trust_button.isEnabled()
