"""Integrity banner and report panel on real reports of the spec's vectors."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from auditviewer.integrity.report_html import report_html
from auditviewer.ui.widgets.integrity_banner import IntegrityBanner, summary_line
from auditviewer.ui.widgets.integrity_panel import IntegrityPanel
from auditviewer.ui.widgets.report_findings import F_KIND
from auditviewer.ui.widgets.untrusted_keys import untrusted_signers
from tests.helpers.vectors import VECTOR_KEY, verify_vector


def test_banner_verified_and_failed(qtbot: Any) -> None:
    banner = IntegrityBanner()
    qtbot.addWidget(banner)
    assert banner.status_key() == "none"
    assert not banner.button.isVisibleTo(banner)
    report, _ = verify_vector("valid-jsonl")
    banner.set_report(report)
    assert banner.status.text() == "Verified"
    assert "3,000" in banner.detail.text()
    failed, _ = verify_vector("modified-entry")
    banner.set_report(failed)
    assert banner.status.text() == "Failed"
    assert "1,976 of 3,000 entries verified" in banner.detail.text()
    assert banner.button.isVisibleTo(banner)


def test_panel_findings_jump(qtbot: Any, qtmodeltester: Any) -> None:
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    report, _ = verify_vector("modified-entry")
    panel.set_report(report)
    qtmodeltester.check(panel.findings_model)
    qtmodeltester.check(panel.checkpoints_model)
    model = panel.findings_model
    kinds = [model.index(r, F_KIND).data() for r in range(model.rowCount())]
    assert "chain_mismatch" in kinds
    row = kinds.index("chain_mismatch")
    with qtbot.waitSignal(panel.findingActivated) as sig:
        panel.findings.activated.emit(model.index(row, 0))
    first, last = sig.args
    assert first <= last and last < 2048
    panel.set_report(None)
    qtmodeltester.check(panel.findings_model)


def test_untrusted_key_shown_with_fingerprint(qtbot: Any) -> None:
    report, hints = verify_vector("valid-jsonl", trust=False)
    assert report.status == "incomplete"
    signers = untrusted_signers(report, [VECTOR_KEY, *hints])
    assert len(signers) == 1
    s = signers[0]
    assert s.key_id == "712495bc"
    assert s.fingerprint.count(":") == 7
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.set_report(report, key_hints=[VECTOR_KEY])
    assert len(panel.key_boxes) == 1
    with qtbot.waitSignal(panel.trustRequested) as sig:
        panel.key_boxes[0].trust_button.click()
    assert sig.args[0].label == s.label
    assert "key not trusted" in summary_line(report) or "0 of 3,000" in summary_line(report)


def test_report_html_escapes_everything() -> None:
    report, _ = verify_vector("modified-entry")
    report.findings[0].message = "<script>alert(1)</script>\u202e"
    text = report_html(report, inputs=["<b>x</b>"])
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<b>x</b>" not in text
    assert "⟨U+202E⟩" in text
    assert "FAILED" in text


def test_detail_of_selected_finding_and_checkpoint(qtbot: Any) -> None:
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.show()
    report, _ = verify_vector("modified-entry")
    panel.set_report(report)
    model = panel.findings_model
    row = next(r for r in range(model.rowCount()) if model.finding(r).kind == "chain_mismatch")
    panel.findings.selectRow(row)
    text = panel.finding_detail.text()
    assert "chain_mismatch (failure)" in text and "Signed head:" in text
    assert "Computed head:" in text
    panel.checkpoints.selectRow(0)
    assert "Signed by" in panel.checkpoint_detail.text()
    assert panel.finding_detail.textFormat() == panel.finding_detail.textFormat().PlainText


def test_signer_text_tells_invalid_from_not_checked() -> None:
    from auditviewer.integrity.report import Signer
    from auditviewer.ui.widgets.report_checkpoints import signer_text

    text = signer_text(
        [
            Signer(key="log+00000001", trusted=True, valid=False),
            Signer(key="log+00000002", trusted=True, valid=None),
            Signer(key="witness+00000003", trusted=False, valid=None),
        ]
    )
    assert text == (
        "log+00000001 (trusted, INVALID); log+00000002 (trusted, not checked); "
        "witness+00000003 (not trusted)"
    )


def test_finding_messages_have_the_room(qtbot: Any) -> None:
    """Defect 13.5: the message gets the row's width and wraps; codes are in the tooltip."""
    from auditviewer.ui.widgets.report_findings import F_CHECKPOINT, F_MESSAGE, F_SEVERITY

    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 600)
    panel.show()
    qtbot.waitExposed(panel)
    report, _ = verify_vector("modified-entry")
    panel.set_report(report)
    view = panel.findings
    assert view.isColumnHidden(F_KIND) and view.isColumnHidden(F_CHECKPOINT)
    assert view.columnWidth(F_MESSAGE) >= 0.6 * view.viewport().width()
    assert view.wordWrap()
    assert view.rowHeight(0) >= 2 * view.fontMetrics().lineSpacing()
    model = panel.findings_model
    f = model.finding(0)
    for column in (F_SEVERITY, F_MESSAGE):
        tip = model.index(0, column).data(Qt.ItemDataRole.ToolTipRole)
        assert f.kind in tip and f.message[:40] in tip


def test_plain_export_reads_as_no_integrity_data(qtbot: Any) -> None:
    """Defect 13.6: neutral, one sentence, what a bundle would add; no "0 of 200"."""
    from auditviewer.ui.widgets.integrity_banner import STATUS_PLAIN, status_colours

    report, _ = verify_vector("dashboard-export.json")
    banner = IntegrityBanner()
    qtbot.addWidget(banner)
    banner.set_report(report)
    assert banner.status_key() == STATUS_PLAIN
    assert banner.status.text() == "No integrity data"
    detail = banner.detail.text()
    assert "0 of 200" not in detail and "incomplete" not in detail.lower()
    assert "200 entries" in detail and "bundle" in detail and detail.count(".") == 1
    assert status_colours(STATUS_PLAIN, False) == status_colours("none", False)
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.set_report(report)
    assert panel.headline.text() == f"No integrity data: {detail}"


def test_fork_says_the_checkpoints_disagree(qtbot: Any) -> None:
    """Defect 13.8: not "Failed: 3,000 of 3,000 entries verified"."""
    report, _ = verify_vector("fork")
    banner = IntegrityBanner()
    qtbot.addWidget(banner)
    banner.set_report(report)
    assert banner.status.text() == "Checkpoints disagree"
    detail = banner.detail.text()
    assert "checkpoints disagree" in detail and "entries themselves are consistent" in detail
    assert "3,000 of 3,000" not in detail
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.set_report(report)
    assert panel.headline.text().startswith("Checkpoints disagree: The checkpoints disagree")
    assert panel.save_evidence.isVisibleTo(panel)


def test_fork_with_entries_no_checkpoint_proves_says_so() -> None:
    report, _ = verify_vector("fork")
    report.state_counts = {"verified": 16, "unverified": 2984}
    line = summary_line(report)
    assert line.startswith("The checkpoints disagree")
    assert "16 of 3,000 proven by an undisputed checkpoint, 2,984 covered by none" in line
