"""The trust store dialog (list, add, remove verifier keys) and the dialog that
trusts one key a bundle was signed with, after the person compares it.

Trust is never automatic: a key is added only when the person confirms it here.

A look-alike key (issue 11.18): when a key already trusted has the same name,
or one that reads the same once invisible characters are dropped and case is
folded, but a different key id, the confirmation says so plainly, shows both
keys, makes Cancel the default and enables Trust only after a checkbox
("I understand …") is ticked.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.display import HIDDEN_RE, cell_text
from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key
from auditviewer.integrity.trust import TrustStore

Index = QModelIndex | QPersistentModelIndex
K_NAME, K_ID, K_FINGERPRINT = range(3)
KEY_HEADERS = ("Key name", "Key id", "Fingerprint")


class KeysModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._keys: list[VerifierKey] = []

    def set_keys(self, keys: list[VerifierKey]) -> None:
        self.beginResetModel()
        self._keys = list(keys)
        self.endResetModel()

    def key(self, row: int) -> VerifierKey:
        return self._keys[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(KEY_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(KEY_HEADERS)
        ):
            return KEY_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        k = self._keys[index.row()]
        return cell_text((k.name, k.id_hex, k.fingerprint)[index.column()])


def name_skeleton(name: str) -> str:
    """How a key name reads: invisible characters dropped, NFKC, case folded."""
    return unicodedata.normalize("NFKC", HIDDEN_RE.sub("", name)).casefold()


def lookalikes(name: str, key_id_hex: str, trusted: list[VerifierKey]) -> list[VerifierKey]:
    """Trusted keys that read like ``name`` but are another key."""
    skeleton = name_skeleton(name)
    return [
        k for k in trusted
        if name_skeleton(k.name) == skeleton and not (k.name == name and k.id_hex == key_id_hex)
    ]


def _trusted_keys() -> list[VerifierKey]:
    try:
        return TrustStore().keys()
    except (TrustStoreError, OSError):
        return []


def _key_form(key: VerifierKey, parent: QWidget) -> QFormLayout:
    form = QFormLayout()
    for label, value in (("Key name", key.name), ("Key id", key.id_hex),
                         ("Fingerprint", key.fingerprint)):
        v = QLabel(cell_text(value), parent)
        v.setTextFormat(Qt.TextFormat.PlainText)
        v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.setObjectName(f"confirm{label.replace(' ', '')}")
        form.addRow(label, v)
    return form


class TrustKeyDialog(QDialog):
    """Confirm trusting one key: shows name, id and fingerprint to compare.

    If the bundle did not name the key's material, the person pastes the
    verifier key string they obtained out of band; it must be the same key.
    """

    def __init__(
        self,
        label: str,
        key: VerifierKey | None,
        parent: QWidget | None = None,
        *,
        trusted: list[VerifierKey] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trust this key?")
        self._label = label
        self.key: VerifierKey | None = key
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Only trust this key if its fingerprint matches the one the organization "
            "published, checked through another channel (its website, a call, a signed "
            "message). Everything signed by it will then count as proven.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.paste: QLineEdit | None = None
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #d32f2f;")
        self.error.setWordWrap(True)
        self.error.hide()
        if key is not None:
            layout.addLayout(_key_form(key, self))
        else:
            name, _, hex_id = label.rpartition("+")
            note = QLabel(
                f"The bundle does not include the key {cell_text(name)}+{cell_text(hex_id)}. "
                "Paste its verifier key "
                "(name+keyid+base64) as published by the organization:",
                self,
            )
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            layout.addWidget(note)
            self.paste = QLineEdit(self)
            self.paste.setPlaceholderText("name+1a2b3c4d+AbCd…")
            layout.addWidget(self.paste)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(self)
        self.trust_button = self.buttons.addButton(
            "Trust this key", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.lookalike_warning: QLabel | None = None
        self.understand: QCheckBox | None = None
        self._add_lookalike_warning(label, key, trusted, layout)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def _add_lookalike_warning(
        self,
        label: str,
        key: VerifierKey | None,
        trusted: list[VerifierKey] | None,
        layout: QVBoxLayout,
    ) -> None:
        name, _, hex_id = label.rpartition("+")
        if key is not None:
            name, hex_id = key.name, key.id_hex
        others = lookalikes(name, hex_id, _trusted_keys() if trusted is None else trusted)
        if not others:
            return
        lines = [
            "Warning: a different key is already trusted under this name. A sender may be "
            "imitating it. Trust this key only if the organization confirmed that it has "
            "two keys.",
            "",
        ]
        for k in others[:3]:
            lines.append(f"Already trusted: {cell_text(k.name)} · id {k.id_hex}")
            lines.append(f"    fingerprint {k.fingerprint}")
        this_fp = key.fingerprint if key is not None else "(not in the bundle)"
        lines.append(f"This key: {cell_text(name)} · id {cell_text(hex_id)}")
        lines.append(f"    fingerprint {this_fp}")
        warning = QLabel("\n".join(lines), self)
        warning.setObjectName("lookalikeWarning")
        warning.setTextFormat(Qt.TextFormat.PlainText)
        warning.setWordWrap(True)
        warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        warning.setStyleSheet("color: #b71c1c;")
        self.understand = QCheckBox(
            "I understand this is a different key from the one already trusted", self
        )
        self.understand.setObjectName("lookalikeUnderstand")
        self.trust_button.setEnabled(False)
        self.understand.toggled.connect(self.trust_button.setEnabled)
        self.trust_button.setAutoDefault(False)
        self.trust_button.setDefault(False)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        layout.addWidget(warning)
        layout.addWidget(self.understand)
        self.lookalike_warning = warning

    def _accept(self) -> None:
        if self.understand is not None and not self.understand.isChecked():
            return
        if self.paste is not None:
            try:
                key = parse_verifier_key(self.paste.text())
            except TrustStoreError as exc:
                self.error.setText(str(exc))
                self.error.show()
                return
            if key.label != self._label:
                self.error.setText(
                    f"That is the key {key.label}, not {self._label}; it would not verify "
                    "these checkpoints."
                )
                self.error.show()
                return
            self.key = key
        self.accept()


class AddKeyDialog(QDialog):
    """Paste a verifier key string; its name, id and fingerprint show before adding."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a trusted key")
        self.key: VerifierKey | None = None
        layout = QVBoxLayout(self)
        label = QLabel("Verifier key (name+keyid+base64):", self)
        layout.addWidget(label)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("addKeyEdit")
        layout.addWidget(self.edit)
        self.info = QLabel(self)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Add")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._parse)
        self.resize(560, self.sizeHint().height())

    def _parse(self, text: str) -> None:
        try:
            key = parse_verifier_key(text) if text.strip() else None
        except TrustStoreError as exc:
            self.key = None
            self.info.setText(str(exc))
            self.ok.setEnabled(False)
            return
        self.key = key
        self.ok.setEnabled(key is not None)
        self.info.setText(
            "" if key is None
            else f"Name: {key.name}\nKey id: {key.id_hex}\nFingerprint: {key.fingerprint}"
        )


class TrustStoreDialog(QDialog):
    """Lists, adds and removes the keys of the trust store."""

    def __init__(self, store: TrustStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trust store")
        self.store = store or TrustStore()
        self.changed = False
        self.model = KeysModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("trustStoreTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            K_FINGERPRINT, QHeaderView.ResizeMode.Stretch
        )
        self.path_label = QLabel(f"File: {self.store.path}", self)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setEnabled(False)
        self.add_button = QPushButton("Add…", self)
        self.remove_button = QPushButton("Remove", self)
        self.add_button.clicked.connect(self.add_key)
        self.remove_button.clicked.connect(self.remove_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.path_label)
        layout.addLayout(row)
        self.resize(760, 340)
        self.reload()
        self.table.selectionModel().selectionChanged.connect(self._update)
        self._update()

    def reload(self) -> None:
        try:
            keys = self.store.keys()
        except TrustStoreError as exc:
            QMessageBox.warning(self, "Trust store", cell_text(str(exc), 600))
            keys = []
        self.model.set_keys(keys)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(
            K_FINGERPRINT, QHeaderView.ResizeMode.Stretch
        )

    def _update(self, *_: Any) -> None:
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())

    def add_key(self, key: VerifierKey | None = None) -> bool:
        if not isinstance(key, VerifierKey):
            dialog = AddKeyDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.key is None:
                return False
            key = dialog.key
        try:
            added = self.store.add(key)
        except (TrustStoreError, OSError) as exc:
            QMessageBox.warning(self, "Trust store", cell_text(str(exc), 600))
            return False
        self.changed = self.changed or added
        self.reload()
        return added

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        key = self.model.key(rows[0].row())
        try:
            self.store.remove(key.label)
        except (TrustStoreError, OSError) as exc:
            QMessageBox.warning(self, "Trust store", cell_text(str(exc), 600))
            return
        self.changed = True
        self.reload()
        self._update()
