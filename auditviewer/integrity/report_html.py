"""The verification report as a readable, self-contained HTML file.

Every value that comes from a bundle or the report is escaped; the file has
no scripts, no links and no external resources. Qt-free.

The heading and the status are the app's words only. What the bundle's
manifest claims (the organisation's name) is never the heading: it is a
labelled row, "Organization (from manifest, unsigned)", like any other datum.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime

from auditviewer.core.display import visible
from auditviewer.integrity.report import Report

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d1d1f; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.mono, span.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.status { display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: 600; }
.verified { background: #dff3e3; color: #1b5e20; }
.incomplete { background: #fff4d6; color: #7a4f00; }
.failed, .error { background: #fde2e1; color: #8e1c15; }
.failure { color: #8e1c15; font-weight: 600; } .info { color: #555; }
"""


def _e(value: object) -> str:
    return html.escape(visible("" if value is None else str(value)), quote=True)


def _rows(rows: Iterable[Iterable[object]], mono: frozenset[int] = frozenset()) -> str:
    out = []
    for row in rows:
        cells = "".join(
            f'<td class="mono">{_e(v)}</td>' if i in mono else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        out.append(f"<tr>{cells}</tr>")
    return "\n".join(out)


HEADING = "Audit log verification report"
CLAIMED_ORGANIZATION = "Organization (from manifest, unsigned)"


def report_html(
    report: Report, *, inputs: Iterable[str] = (), organization: str | None = None
) -> str:
    """The whole report as an HTML document (UTF-8 text); ``organization`` is the
    manifest's claim, shown as a labelled row (never the heading)."""
    data = report.to_json()
    status = str(data["status"])
    counts = report.counts()
    generated = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    rng = data.get("range") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(HEADING)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(HEADING)}</h1>",
        f'<p><span class="status {_e(status)}">{_e(status.upper())}</span></p>',
        "<table>",
        _rows(
            [
                *([(CLAIMED_ORGANIZATION, organization)] if organization else []),
                ("Origin", data.get("origin") or "—"),
                ("Inputs", ", ".join(inputs) or "—"),
                ("Entries", f"{report.entries:,}"),
                ("Verified entries", f"{counts['verified']:,}"),
                ("Failed entries", f"{counts['failed']:,}"),
                ("Unverified entries", f"{counts['unverified']:,}"),
                ("Seq range", f"{rng.get('first_seq', '—')} – {rng.get('last_seq', '—')}"),
                ("Report made", generated),
            ]
        ),
        "</table>",
    ]
    if report.error:
        parts.append(f"<p class=\"failure\">{_e(report.error)}</p>")
    parts.append(f"<h2>Findings ({len(report.findings)})</h2>")
    if report.findings:
        parts.append(
            "<table><tr><th>Severity</th><th>Kind</th><th>Entries</th>"
            "<th>Checkpoint</th><th>Message</th><th>Expected head</th><th>Computed head</th></tr>"
        )
        for f in data["findings"]:
            seqs = ""
            if f.get("seq") is not None:
                seqs = str(f["seq"])
                if f.get("seq_end") is not None and f["seq_end"] != f["seq"]:
                    seqs += f" – {f['seq_end']}"
            sev = str(f.get("severity", ""))
            parts.append(
                f'<tr><td class="{_e(sev)}">{_e(sev)}</td><td>{_e(f.get("kind"))}</td>'
                f"<td>{_e(seqs)}</td><td>{_e(f.get('checkpoint', ''))}</td>"
                f"<td>{_e(f.get('message'))}</td>"
                f'<td class="mono">{_e(f.get("expected", ""))}</td>'
                f'<td class="mono">{_e(f.get("computed", ""))}</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append(f"<h2>Checkpoints ({len(report.checkpoints)})</h2>")
    if report.checkpoints:
        parts.append(
            "<table><tr><th>Size</th><th>Time</th><th>Status</th><th>Signers</th>"
            "<th>Head</th></tr>"
        )
        for c in data["checkpoints"]:
            signers = "; ".join(
                f"{s['key']} ({'trusted' if s['trusted'] else 'not trusted'}"
                f"{', valid' if s.get('valid') else ''})"
                for s in c.get("signers", [])
            )
            parts.append(
                f"<tr><td>{_e(c['size'])}</td><td>{_e(c.get('time', ''))}</td>"
                f"<td>{_e(c.get('status'))}</td><td>{_e(signers)}</td>"
                f'<td class="mono">{_e(c.get("head"))}</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


#: Shared with the evidence report (auditviewer/casework/evidence.py): one style, one escaping.
CSS = _CSS
escape_cell = _e
table_rows = _rows
