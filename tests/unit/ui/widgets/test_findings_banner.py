"""Issue 11.7 in the viewer: the report panel shows the same bounded findings, the banner counts them all."""

from __future__ import annotations

from typing import Any

from auditviewer.integrity.report import KEEP_PER_KIND, Finding, FindingBudget, Report
from auditviewer.ui.widgets.integrity_banner import summary_line
from auditviewer.ui.widgets.integrity_panel import IntegrityPanel


def _report() -> Report:
    budget = FindingBudget(
        Finding(kind="malformed_entry", message=f"f:{i}: bad", file="f", line=i) for i in range(1, 5_001)
    )
    return Report(status="failed", origin="o", entries=1, verified_entries=0, first_seq=0, last_seq=0,
                  findings=list(budget), state_counts={"failed": 1})


def test_the_banner_counts_what_summary_findings_stand_for() -> None:
    report = _report()
    assert len(report.findings) == KEEP_PER_KIND + 1
    assert "5,000 failure findings" in summary_line(report)


def test_the_panel_lists_the_bounded_findings_with_the_summary(qtbot: Any) -> None:
    panel = IntegrityPanel()
    qtbot.addWidget(panel)
    panel.set_report(_report())
    model = panel.findings_model
    assert model.rowCount() == KEEP_PER_KIND + 1
    messages = [model.finding(row).message for row in range(model.rowCount())]
    assert any(m.startswith(f"and {5_000 - KEEP_PER_KIND:,} more malformed_entry findings") for m in messages)
