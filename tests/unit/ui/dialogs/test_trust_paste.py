"""Issue 11.1 in the viewer: a pasted verifier key is that key, even beside a planted file of its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditviewer.ui.dialogs.trust_store import AddKeyDialog, TrustKeyDialog
from tests.helpers.bundle_builder import signer

GENUINE = signer(b"genuine-ui")
ATTACKER = signer(b"attacker-ui")


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    genuine = GENUINE.verifier_string
    path = tmp_path / genuine
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ATTACKER.verifier_string + "\n")
    monkeypatch.chdir(tmp_path)
    return genuine


def test_add_key_dialog_takes_the_pasted_key_not_a_file(qtbot: Any, planted: str) -> None:
    dialog = AddKeyDialog()
    qtbot.addWidget(dialog)
    dialog.edit.setText(planted)
    assert dialog.key == GENUINE.verifier and dialog.ok.isEnabled()


def test_trust_key_dialog_paste_takes_the_pasted_key_not_a_file(qtbot: Any, planted: str) -> None:
    dialog = TrustKeyDialog(GENUINE.verifier.label, None)
    qtbot.addWidget(dialog)
    assert dialog.paste is not None
    dialog.paste.setText(planted)
    dialog._accept()
    assert dialog.key == GENUINE.verifier
