"""The integrity report panel's sections, each a widget of its own (used alone here)."""

from __future__ import annotations

from typing import Any

from auditviewer.ui.widgets.report_checkpoints import CheckpointsSection
from auditviewer.ui.widgets.report_findings import FindingsSection
from auditviewer.ui.widgets.untrusted_keys import UntrustedKeys
from tests.helpers.vectors import VECTOR_KEY, verify_vector


def test_findings_section_alone_details_a_row_and_asks_for_its_entries(qtbot: Any) -> None:
    section = FindingsSection()
    qtbot.addWidget(section)
    section.show()
    report, _ = verify_vector("modified-entry")
    section.set_findings(report.findings)
    model = section.findings_model
    row = next(r for r in range(model.rowCount()) if model.finding(r).kind == "chain_mismatch")
    section.table.selectRow(row)
    assert section.detail.isVisible() and "chain_mismatch (failure)" in section.detail.text()
    with qtbot.waitSignal(section.findingActivated) as sig:
        section.table.activated.emit(model.index(row, 0))
    first, last = sig.args
    assert first <= last
    section.set_findings([])  # a new report: no row, no detail
    assert model.rowCount() == 0 and not section.detail.isVisible()


def test_checkpoints_section_alone_details_a_checkpoint(qtbot: Any) -> None:
    section = CheckpointsSection()
    qtbot.addWidget(section)
    section.show()
    report, _ = verify_vector("modified-entry")
    section.set_checkpoints(report.checkpoints)
    assert section.checkpoints_model.rowCount() == len(report.checkpoints) > 0
    section.table.selectRow(0)
    assert "Signed by" in section.detail.text() and section.detail.isVisible()


def test_untrusted_keys_alone_one_box_per_signer_and_none_without_a_report(qtbot: Any) -> None:
    keys = UntrustedKeys()
    qtbot.addWidget(keys)
    report, hints = verify_vector("valid-jsonl", trust=False)
    keys.set_report(report, [VECTOR_KEY, *hints])
    assert len(keys.key_boxes) == 1
    with qtbot.waitSignal(keys.trustRequested) as sig:
        keys.key_boxes[0].trust_button.click()
    assert sig.args[0].fingerprint
    keys.set_report(None)
    assert keys.key_boxes == []
