"""Trust store dialog: list, add, remove; trusting one key needs the same key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.integrity.trust import TrustStore
from auditviewer.ui.dialogs.trust_store import (
    AddKeyDialog,
    KeysModel,
    TrustKeyDialog,
    TrustStoreDialog,
)
from tests.helpers.vectors import VECTOR_KEY


def test_list_add_remove(qtbot: Any, qtmodeltester: Any, tmp_path: Path) -> None:
    store = TrustStore(path=tmp_path / "keys")
    dialog = TrustStoreDialog(store)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 0
    assert not dialog.remove_button.isEnabled()
    assert dialog.add_key(parse_verifier_key(VECTOR_KEY))
    assert dialog.model.rowCount() == 1
    assert [k.to_string() for k in store.keys()]  # noqa: SIM118 == [VECTOR_KEY]
    qtmodeltester.check(dialog.model)
    dialog.table.selectRow(0)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert store.keys() == [] and dialog.changed


def test_add_key_dialog_parses(qtbot: Any) -> None:
    dialog = AddKeyDialog()
    qtbot.addWidget(dialog)
    dialog.edit.setText("nonsense")
    assert not dialog.ok.isEnabled() and dialog.info.text()
    dialog.edit.setText(VECTOR_KEY)
    assert dialog.ok.isEnabled()
    assert "712495bc" in dialog.info.text()


def test_trust_key_dialog_known_key(qtbot: Any) -> None:
    key = parse_verifier_key(VECTOR_KEY)
    dialog = TrustKeyDialog(key.label, key)
    qtbot.addWidget(dialog)
    dialog.trust_button.click()
    assert dialog.result() == 1 and dialog.key == key


def test_trust_key_dialog_pasted_key_must_match(qtbot: Any) -> None:
    key = parse_verifier_key(VECTOR_KEY)
    dialog = TrustKeyDialog(key.label, None)
    qtbot.addWidget(dialog)
    assert dialog.paste is not None
    dialog.paste.setText("garbage")
    dialog.trust_button.click()
    assert dialog.result() == 0 and dialog.error.isVisibleTo(dialog)
    dialog.paste.setText(VECTOR_KEY)
    dialog.trust_button.click()
    assert dialog.result() == 1 and dialog.key == key


def test_keys_model(qtmodeltester: Any) -> None:
    model = KeysModel()
    model.set_keys([parse_verifier_key(VECTOR_KEY)])
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "712495bc"
