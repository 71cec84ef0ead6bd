"""Walk every widget of the main window and its dialogs after opening a hostile
bundle: no raw control, bidi or invisible character anywhere, and the verdict
widgets hold only the app's words (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from auditviewer.core.display import HIDDEN_RE
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.report_html import HEADING
from auditviewer.ui.dialogs.about import AboutDialog
from auditviewer.ui.dialogs.trust_store import TrustKeyDialog
from auditviewer.ui.main_window import MainWindow
from auditviewer.ui.widgets.integrity_banner import STATUS_ICON, STATUS_TEXT, summary_line
from auditviewer.ui.widgets.json_pane import TAB_CHANGES, TAB_TEXT, TAB_TREE, VERDICT_STYLE
from auditviewer.workspace.store_session import load_session
from tests.helpers.bundle_builder import key_id
from tests.helpers.hostile_bundle import hostile_key, write_hostile_bundle
from tests.helpers.window import shown_window

ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


def _columns(model: Any, parent: QModelIndex) -> int:
    try:
        return int(model.columnCount(parent))
    except TypeError:  # a list model: one column
        return 1


def _model_texts(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    columns = _columns(model, QModelIndex())
    for section in range(columns):
        yield str(model.headerData(section, Qt.Orientation.Horizontal) or "")
    stack: list[tuple[QModelIndex, int]] = [(QModelIndex(), 0)]
    while stack:
        parent, depth = stack.pop()
        for row in range(min(model.rowCount(parent), 100)):
            for col in range(_columns(model, parent)):
                idx = model.index(row, col, parent)
                for role in ROLES:
                    value = idx.data(role)
                    if isinstance(value, str):
                        yield value
            if depth < 6:
                stack.append((model.index(row, 0, parent), depth + 1))


def texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a person can see in ``root`` and its children."""
    for w in [root, *root.findChildren(QWidget)]:
        name = f"{type(w).__name__}#{w.objectName()}"
        if w.isWindow():
            yield name + ".windowTitle", w.windowTitle()
        yield name + ".toolTip", w.toolTip()
        if isinstance(w, QLabel):
            yield name + ".text", w.text()
        if isinstance(w, QAbstractButton):
            yield name + ".text", w.text()
        if isinstance(w, QLineEdit):
            yield name + ".text", w.text()
        if isinstance(w, (QPlainTextEdit, QTextEdit)):
            yield name + ".plainText", w.toPlainText()
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield name + ".tab", w.tabText(i)
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield name + ".item", w.itemText(i)
        if isinstance(w, QAbstractItemView):
            for text in _model_texts(w):
                yield name + ".model", text
    for action in root.findChildren(QAction):
        yield "QAction.text", action.text()
        yield "QAction.toolTip", action.toolTip()
        yield "QAction.statusTip", action.statusTip()


def assert_all_visible(root: QWidget) -> int:
    seen = 0
    for where, text in texts(root):
        seen += 1
        found = HIDDEN_RE.search(text)
        assert found is None, f"{where} shows U+{ord(found.group()):04X} raw: {text[:120]!r}"
        assert "\u0301\u0301\u0301" not in text, f"{where} shows uncapped combining marks"
    return seen


@pytest.fixture
def window(qtbot: Any) -> MainWindow:
    return shown_window(qtbot, load_session, size=(1400, 900))


def test_walk_every_widget(qtbot: Any, window: MainWindow, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = write_hostile_bundle(tmp_path / "hostile")
    key = hostile_key()
    # Its key's name is not one a person could trust (not a valid key name): the log
    # opens unverified, and the report offers that signer, hostile name and all.
    with qtbot.waitSignal(window.loadFinished, timeout=60_000) as sig:
        window.open_paths([str(bundle)])
    assert sig.args[0] in ("incomplete", "failed")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.pane.entry() is not None, timeout=30_000)
    window.show_entry_pane()
    window.loading.remember([str(tmp_path / "R&D \u202e&&x")])  # a recent file with & and bidi
    for tab in (TAB_CHANGES, TAB_TREE, TAB_TEXT):
        window.pane.tabs.setCurrentIndex(tab)
        assert assert_all_visible(window) > 200
    window.show_report()
    assert_all_visible(window)

    # The app's verdicts hold only the app's words.
    report = window.report
    assert report is not None
    assert window.banner.status.text() in STATUS_TEXT.values()
    assert window.banner.icon.text() in STATUS_ICON.values()
    assert window.banner.detail.text() == summary_line(report)
    assert window.pane.verdict.text() in {words for words, _, _ in VERDICT_STYLE.values()}
    # The manifest's claims are labelled, and are not the window's title or a heading.
    assert window.breadcrumb.full_text().startswith("Organization (from manifest, unsigned): “")
    assert "Verified" not in window.windowTitle()
    assert not window.breadcrumb.font().bold()
    html = Path(window.reports.save_report_html(str(tmp_path / "r.html")) or "").read_text("utf-8")
    assert f"<h1>{HEADING}</h1>" in html
    assert "Organization (from manifest, unsigned)" in html

    # Dialogs: trust, export, about, forget-log confirmation, a load error.
    # The key parser refuses a name with format characters (not printable), so no bundle
    # can bring this key to the dialog; built directly, it still shows what the dialog
    # does with hostile text, should a looser rule ever let one through.
    public = bytes(key.key.verify_key)
    hostile_verifier = VerifierKey(key.name, key_id(key.name, public), public)
    trust = TrustKeyDialog(hostile_verifier.label, hostile_verifier)
    qtbot.addWidget(trust)
    assert_all_visible(trust)
    export = window.open_export()
    assert export is not None
    qtbot.waitUntil(lambda: not export.is_busy(), timeout=30_000)
    assert_all_visible(export)
    about = AboutDialog(window)
    qtbot.addWidget(about)
    assert_all_visible(about)
    asked: list[str] = []

    def fake_question(_parent: Any, title: str, text: str, *_a: Any) -> Any:
        asked.extend([title, text])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", fake_question)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *_a: asked.extend([title, text]))
    window.trust.forget_log()
    window.loading.on_failed(f"cannot read {bundle}/\u202eentries\u2028✔ Safe to forget.jsonl")
    assert len(asked) == 4
    for text in asked:
        assert HIDDEN_RE.search(text) is None, repr(text)
    assert "⟨U+202E⟩" in asked[1] and "⟨U+2028⟩" in asked[3]
