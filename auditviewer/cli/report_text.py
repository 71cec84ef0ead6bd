"""The verification report as text for a person at a terminal (``verify``, ``demo --summary``).

Every string that came from the bundle (origin, signer key names, checkpoint
times, findings) passes :func:`auditviewer.cli.output.printable`. A 10M-entry
log has thousands of checkpoints, so they are summarised unless asked for.
"""

from __future__ import annotations

from typing import Any

from auditviewer.cli.output import printable


def format_report(report: Any, *, verbose: bool = False) -> str:
    """The report for a person at a terminal.

    Checkpoints are summarised (a 10M-entry log has thousands): their count,
    how many are ok, the first and the last, and every one that is not ok,
    with a line counting the ok ones left out between them; ``verbose`` lists
    every checkpoint.
    """
    counts = report.counts()
    lines = [
        f"status:     {report.status.upper()}",
        f"origin:     {printable(report.origin) if report.origin else '(none: plain export)'}",
        f"entries:    {report.entries:,}"
        + (f" (seq {report.first_seq}..{report.last_seq})" if report.first_seq is not None else ""),
        f"verified:   {counts['verified']:,}   failed: {counts['failed']:,}   "
        f"unverified: {counts['unverified']:,}",
        f"checkpoints: {len(report.checkpoints):,}",
    ]
    checkpoints = report.checkpoints
    if verbose or len(checkpoints) <= 2:
        shown = list(range(len(checkpoints)))
    else:
        # A person reads the gist: the first, the last and every one that is not ok.
        ok = sum(c.status == "ok" for c in checkpoints)
        lines[-1] += f" ({ok:,} ok; the first, the last and every one not ok shown; --verbose lists all)"
        last = len(checkpoints) - 1
        shown = [i for i, c in enumerate(checkpoints) if i in (0, last) or c.status != "ok"]
    previous = -1
    for i in shown:
        if i - previous > 1:
            lines.append(f"  ... {i - previous - 1:,} more ok")
        previous = i
        lines.append(_checkpoint_line(checkpoints[i]))
    if report.findings:
        lines.append(f"findings: {len(report.findings)}")
        for f in report.findings:
            lines.append(f"  [{printable(f.severity)}] {printable(f.kind)}: {printable(f.message)}")
    return "\n".join(lines)


def _checkpoint_line(c: Any) -> str:
    signers = ", ".join(
        f"{printable(s.key)} ({'trusted' if s.trusted else 'not trusted'}"
        + (", valid" if s.valid else ", INVALID" if s.valid is False else "")
        + ")"
        for s in c.signers
    )
    remembered = "  (remembered)" if c.source.startswith("remembered:") else ""
    return f"  size {c.size:>10,}  {c.status:<13} {printable(c.time or '')}  {signers}{remembered}"
