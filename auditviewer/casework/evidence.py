"""The evidence report: the verdict, what it rests on, and the entries a case is about, in one document.

:func:`gather_evidence` runs the one pipeline (:func:`auditviewer.workspace.loading.load`:
open, verify, store) and selects entries through the store's public API
(:class:`~auditviewer.store.store.Filter`, ``seqs``, ``entry``, ``iter_leaves``):
those the query matches, and those carrying a tag (annotations,
:mod:`auditviewer.casework.annotations`). :func:`evidence_html` renders it as
one self-contained HTML file; the viewer's PDF writer (``ui/pdf.py``) prints
that same HTML with Qt, so the two never say different things.

What the document holds, and why:

- **The verdict and what it rests on**: status and counts; each trusted key
  (name, key id, fingerprint — what a reader compares out of band); every
  checkpoint with its size, time, status, signers and its head *in full*; every
  finding.
- **What selected the entries**: the query, the tags, the scope.
- **Each entry**: seq, time, event type, actor, resource, the before/after of
  its changes (:func:`auditviewer.core.summary.changes`), its leaf hash in full,
  its state and the signed checkpoint that covers it (the smallest trusted
  checkpoint past its seq, whose head the entry's chain reaches), its tags and
  notes — an annotation made on other content than this entry's bytes says so.
- **The sender's claims** (manifest: organisation, scope, export time, query,
  key hints) in a section of their own, labelled as claims: the manifest is not
  signed, so it never titles the report.
- **How to check it again**: the command that re-runs the verification with the
  same keys, and each input file's SHA-256, so that a reader with the report and
  the slice sees the same hashes.

Every string from an input is made visible (:func:`auditviewer.core.display.visible`)
and escaped (``integrity/report_html.py``'s escaping and style); the file has no
script, no link, no external resource, and a Content-Security-Policy that forbids them.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from auditviewer.casework.annotations import STAR, AnnotationStore, EntryAnnotation
from auditviewer.casework.entries import leaf_hashes, publish_annotations
from auditviewer.casework.searches import SavedSearch
from auditviewer.core.about import APP_NAME
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.summary import changes
from auditviewer.core.times import rfc3339_utc
from auditviewer.input.formats.manifest import Manifest
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.report import CheckpointResult, Report, b64
from auditviewer.integrity.report_html import CSS, escape_cell, table_rows
from auditviewer.store.store import DISPLAY_COLUMNS, Filter
from auditviewer.workspace.loading import load

#: Rows fetched from the store at a time.
_WINDOW = 10_000


class EvidenceError(AuditViewerError):
    """The report cannot be made as asked (too many entries, nothing selected)."""


@dataclass(slots=True)
class EvidenceEntry:
    seq: int
    time: str
    event_type: str
    actor: str
    resource: str
    changes: list[tuple[str, str, str]]
    leaf_hash: str
    state: str
    #: The trusted checkpoint whose head the chain through this entry reaches; None if unverified.
    checkpoint: CheckpointResult | None
    annotations: list[EntryAnnotation]
    #: "query", "tag" or "query and tag".
    selected_by: str


@dataclass(slots=True)
class Evidence:
    report: Report
    inputs: list[str]
    keys: list[VerifierKey]
    query: str
    tags: list[str]
    manifest: Manifest | None
    entries: list[EvidenceEntry]
    generated: str
    #: Each input that is a file: (path, SHA-256 hex).
    input_hashes: list[tuple[str, str]] = field(default_factory=list)
    annotations_file: str = ""
    #: The scope and time range, said for people ("every entry of the inputs" by default).
    scope: str = "every entry of the inputs"
    #: Seqs carrying a selected tag that these inputs do not hold (annotated in another export).
    tagged_absent: list[int] = field(default_factory=list)

    @property
    def rerun_command(self) -> str:
        """The command a reader runs to see the same verdict and heads."""
        words = ["auditviewer", "verify", *self.inputs]
        for key in self.keys:
            words += ["--trust", key.to_string()]
        return shlex.join(words)


def _text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _time(value: object) -> str:
    if isinstance(value, datetime):
        return rfc3339_utc(value)
    return _text(value)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _scope_text(saved: SavedSearch | None) -> str:
    if saved is None:
        return "every entry of the inputs"
    parts = [f"saved search {saved.name!r}"]
    if saved.scope and saved.scope.get("type") == "resource":
        parts.append(f"resource {saved.scope['resource_type']} {saved.scope['resource_id']}")
    elif saved.scope and saved.scope.get("type") == "title":
        parts.append(f"title {saved.scope['id']}")
    else:
        parts.append("every resource")
    if saved.time_start or saved.time_end:
        parts.append(f"time from {saved.time_start or 'the start'} to {saved.time_end or 'the end'} (end excluded)")
    return "; ".join(parts)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def covering_checkpoint(anchors: list[CheckpointResult], seq: int) -> CheckpointResult | None:
    """The smallest trusted (``ok``) checkpoint past ``seq``: the one whose head covers the entry."""
    sizes = [c.size for c in anchors]
    index = bisect.bisect_right(sizes, seq)
    return anchors[index] if index < len(anchors) else None


def gather_evidence(
    paths: list[Path],
    keys: list[VerifierKey],
    *,
    query: str = "",
    tags: list[str] | None = None,
    saved: SavedSearch | None = None,
    annotations: AnnotationStore | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Evidence:
    """Verify ``paths``, select the entries (``query`` and/or tags) and gather what the report shows.

    With neither a query nor tags, every entry is selected. ``annotations``
    defaults to the origin's store in the user's data folder. A ``saved`` search
    stands for the query, with its time range and scope.
    """
    tags = list(tags or [])
    selection = saved.to_filter() if saved is not None else Filter(query=query)
    query = selection.query
    selection.to_sql()  # a malformed query is reported before anything is read
    with load(paths, keys) as loaded:
        report = loaded.report
        origin = loaded.workspace.origin
        manifest = loaded.workspace.manifests[0] if loaded.workspace.manifests else None
        store = loaded.store
        notes = publish_annotations(store, origin, annotations)  # for tag:, note: … in the query
        by_query: set[int] = set()
        if query or saved is not None or not tags:
            by_query = {int(s) for s in store.seqs(selection).to_pylist()}
        by_tag: set[int] = set()
        if tags and notes is None:
            raise EvidenceError(
                "--tag selects annotated entries, and annotations are kept per log origin: "
                "these inputs have no manifest, so no origin"
            )
        if tags and notes is not None:
            for tag in tags:
                by_tag.update(a.seq for a in notes.find(tag=tag))
        chosen = sorted(by_query | by_tag)
        if len(chosen) > limits.max_report_entries:
            raise EvidenceError(
                f"{len(chosen):,} entries are selected; a report lists at most "
                f"{limits.max_report_entries:,} (max_report_entries): narrow the selection with -q or --tag"
            )
        hashes = leaf_hashes(store, selection) if by_query else {}
        for seq in sorted(by_tag - set(hashes)):
            hashes.update(leaf_hashes(store, Filter(query=f"seq:{seq}")))
        anchors = sorted((c for c in report.checkpoints if c.status == "ok"), key=lambda c: c.size)
        rows: dict[int, dict[str, Any]] = {}
        if by_query:
            # One view and a few windows: a lookup per entry costs milliseconds each.
            view = store.create_view(selection)
            total = store.count(view)
            for start in range(0, total, _WINDOW):
                for row in store.window(view, start, _WINDOW, columns=DISPLAY_COLUMNS).to_pylist():
                    rows.setdefault(int(row["seq"]), row)
            store.drop_view(view)
        entries = []
        absent: list[int] = []
        for seq in chosen:
            row = rows.get(seq) or store.entry(seq)
            if row is None:
                absent.append(seq)  # tagged in another export, absent here
                continue
            digests = hashes.get(seq, [])
            digest = digests[0] if digests else ""
            state = _text(row.get("state"))
            found = notes.for_entry(seq, digest) if notes is not None and digest else []
            which = [name for name, hit in (("query", seq in by_query), ("tag", seq in by_tag)) if hit]
            entries.append(
                EvidenceEntry(
                    seq=seq,
                    time=_time(row.get("time")),
                    event_type=_text(row.get("event_type")),
                    actor=_text(row.get("actor_email") or row.get("actor_name") or row.get("actor_type")),
                    resource=" ".join(
                        p for p in (_text(row.get("resource_type")), _text(row.get("resource_name"))) if p
                    )
                    + (f" ({_text(row.get('resource_id'))})" if row.get("resource_id") else ""),
                    changes=[(k, _json(b), _json(a)) for k, b, a in changes(row.get("metadata"))],
                    leaf_hash=digest,
                    state=state,
                    checkpoint=covering_checkpoint(anchors, seq) if state == "verified" else None,
                    annotations=found,
                    selected_by=" and ".join(which),
                )
            )
    input_hashes = [(str(p), _sha256_file(p)) for p in paths if p.is_file()]
    return Evidence(
        report=report,
        inputs=[str(p) for p in paths],
        keys=list(keys),
        query=query,
        tags=tags,
        scope=_scope_text(saved),
        manifest=manifest,
        entries=entries,
        generated=rfc3339_utc(),
        input_hashes=input_hashes,
        annotations_file=str(notes.path) if notes is not None else "",
        tagged_absent=absent,
    )


# -- HTML

_E = escape_cell

_PRINT_CSS = """
.claims { border-left: 4px solid #b0b0b0; padding-left: 1em; color: #333; }
.entry { border-top: 2px solid #333; margin-top: 1.4em; padding-top: .4em; }
.other { background: #fde2e1; color: #8e1c15; font-weight: 600; padding: 2px 6px; }
.cmd { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap;
       word-break: break-all; background: #f5f5f5; padding: 6px; border: 1px solid #ddd; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; font-size: 11px; }
  .entry { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _table(headers: list[str], rows: Sequence[Sequence[object]], mono: frozenset[int] = frozenset()) -> str:
    head = "".join(f"<th>{_E(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>\n{table_rows(rows, mono)}</table>"


def _signers(c: CheckpointResult) -> str:
    return "; ".join(
        f"{s.key} ({'trusted' if s.trusted else 'not trusted'}{', valid' if s.valid else ''})" for s in c.signers
    )


def _manifest_claims(manifest: Manifest) -> list[tuple[str, object]]:
    org = manifest.organization or {}
    scope = manifest.scope or {}
    resource = scope.get("resource") if isinstance(scope.get("resource"), dict) else {}
    scope_text = _text(scope.get("type"))
    if resource:
        scope_text += " " + " ".join(_text(resource.get(k)) for k in ("type", "id", "name") if resource.get(k))
    return [
        ("Origin (the log's name)", manifest.origin),
        ("Organization", " ".join(_text(org.get(k)) for k in ("name", "id") if org.get(k)) or "—"),
        ("Scope", scope_text or "—"),
        ("Exported at", manifest.exported_at or "—"),
        ("Query that selected the slice", manifest.query if manifest.query is not None else "—"),
        ("Keys named (hints, never trust)", ", ".join("+".join(k.split("+")[:2]) for k in manifest.keys) or "—"),
    ]


def evidence_html(evidence: Evidence, *, title: str = "Evidence report") -> str:
    """The whole report as one HTML document (UTF-8 text), printable, with no network access."""
    report = evidence.report
    counts = report.counts()
    status = report.status
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        f"<title>{_E(title)}</title>",
        f"<style>{CSS}{_PRINT_CSS}</style></head><body>",
        f"<h1>{_E(title)}</h1>",
        f'<p>Verdict: <span class="status {_E(status)}">{_E(status.upper())}</span></p>',
        "<table>",
        table_rows(
            [
                ("Log (origin)", report.origin or "— (no manifest: a plain export, no integrity data)"),
                ("Inputs", ", ".join(evidence.inputs)),
                ("Entries", f"{report.entries:,} (seq {report.first_seq} – {report.last_seq})" if report.first_seq is not None else f"{report.entries:,}"),
                ("Verified / failed / unverified", f"{counts['verified']:,} / {counts['failed']:,} / {counts['unverified']:,}"),
                ("Report made", evidence.generated),
            ]
        ),
        "</table>",
    ]
    if report.error:
        parts.append(f'<p class="failure">{_E(report.error)}</p>')

    parts.append("<h2>What the verdict rests on</h2>")
    parts.append(f"<h3>Trusted keys ({len(evidence.keys)})</h3>")
    if evidence.keys:
        parts.append(
            "<p>Keys the person making this report trusted (the trust store and <code>--trust</code>); "
            "compare the fingerprints with the log's owner out of band.</p>"
        )
        parts.append(
            _table(
                ["Name", "Key id", "Fingerprint (SHA-256 of the public key)", "Verifier key"],
                [[k.name, k.id_hex, k.fingerprint, k.to_string()] for k in evidence.keys],
                mono=frozenset({1, 2, 3}),
            )
        )
    else:
        parts.append("<p>None: no checkpoint can be trusted, so no entry is verified.</p>")
    parts.append(f"<h3>Checkpoints ({len(report.checkpoints)})</h3>")
    if report.checkpoints:
        parts.append(
            _table(
                ["Size", "Time", "Status", "Signers", "Head (base64, in full)"],
                [
                    [f"{c.size:,}", c.time or "", c.status, _signers(c), _b64(c.head)]
                    for c in sorted(report.checkpoints, key=lambda c: c.size)
                ],
                mono=frozenset({4}),
            )
        )
    else:
        parts.append("<p>None.</p>")
    parts.append(f"<h3>Findings ({len(report.findings)})</h3>")
    if report.findings:
        rows = []
        for f in report.findings:
            seqs = "" if f.seq is None else str(f.seq) + ("" if f.seq_end in (None, f.seq) else f" – {f.seq_end}")
            rows.append(
                [f.severity, f.kind, seqs, "" if f.checkpoint is None else str(f.checkpoint), f.message,
                 _b64(f.expected) if f.expected else "", _b64(f.computed) if f.computed else ""]
            )
        parts.append(_table(["Severity", "Kind", "Entries", "Checkpoint", "Message", "Expected head", "Computed head"], rows, mono=frozenset({5, 6})))
    else:
        parts.append("<p>None.</p>")

    parts.append("<h2>What selected the entries</h2>")
    parts.append(
        "<table>"
        + table_rows(
            [
                ("Query", evidence.query or ("— (every entry)" if not evidence.tags else "—")),
                ("Tags", ", ".join(evidence.tags) or "—"),
                ("Scope", evidence.scope),
                ("Entries in this report", f"{len(evidence.entries):,}"),
                ("Annotations read from", evidence.annotations_file or "—"),
            ]
        )
        + "</table>"
    )

    if evidence.tagged_absent:
        shown = ", ".join(str(seq) for seq in evidence.tagged_absent[:50])
        more = f" and {len(evidence.tagged_absent) - 50:,} more" if len(evidence.tagged_absent) > 50 else ""
        parts.append(
            f'<p class="failure">{len(evidence.tagged_absent):,} tagged entr'
            f"{'y is' if len(evidence.tagged_absent) == 1 else 'ies are'} not in these inputs "
            f"(seq {_E(shown)}{_E(more)}): annotated in another export of this log.</p>"
        )
    parts.append(f"<h2>Entries ({len(evidence.entries)})</h2>")
    for item in evidence.entries:
        parts.append(_entry_html(item))

    if evidence.manifest is not None:
        parts.append("<h2>The sender's claims (manifest.json: not signed, not verified)</h2>")
        parts.append(
            '<div class="claims"><p>What the bundle\'s manifest says about itself. The manifest is not '
            "signed: these are the sender's statements, shown for context, and nothing above rests on them.</p>"
            "<table>" + table_rows(_manifest_claims(evidence.manifest)) + "</table></div>"
        )

    parts.append("<h2>How to check this report</h2>")
    parts.append(
        f"<p>With the inputs named above, run ({APP_NAME}, or any verifier of the bundle format):</p>"
        f'<p class="cmd">{_E(evidence.rerun_command)}</p>'
        "<p>It recomputes every leaf hash and head from the entries' bytes and checks the checkpoints' "
        "signatures: the leaf hashes and heads it finds are those printed here.</p>"
    )
    if evidence.input_hashes:
        parts.append(_table(["Input file", "SHA-256"], [[p, h] for p, h in evidence.input_hashes], mono=frozenset({1})))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _b64(data: bytes | None) -> str:
    return b64(data) or ""


def _entry_html(item: EvidenceEntry) -> str:
    cp = item.checkpoint
    covered = (
        f"size {cp.size:,}, {cp.time or 'no time'}, head {_b64(cp.head)}, signed by {_signers(cp)}"
        if cp is not None
        else f"none: this entry is {item.state or 'not verified'}"
    )
    rows: list[tuple[str, object]] = [
        ("Time", item.time),
        ("Event", item.event_type),
        ("Actor", item.actor),
        ("Resource", item.resource or "—"),
        ("State", item.state),
        ("Leaf hash (SHA-256, hex)", item.leaf_hash),
        ("Covered by checkpoint", covered),
        ("Selected by", item.selected_by),
    ]
    out = [
        '<div class="entry">',
        f"<h3>Entry seq {item.seq}</h3>",
        "<table>" + table_rows(rows) + "</table>",
    ]
    if item.changes:
        out.append(_table(["Changed", "Before", "After"], [list(c) for c in item.changes], mono=frozenset({1, 2})))
    for found in item.annotations:
        a = found.annotation
        tags = ", ".join("★ starred" if t == STAR else t for t in a.tags) or "—"
        warning = (
            '<p class="other">MADE ON OTHER CONTENT: this annotation was written on an entry with leaf hash '
            f"{_E(a.leaf_hash)}, not on the bytes above.</p>"
            if found.other_content
            else ""
        )
        out.append(
            f"<p><b>Annotation by {_E(a.author)}</b>, {_E(a.time)} — the investigator's statement, not the log's.</p>"
            + warning
            + "<table>"
            + table_rows([("Tags", tags), ("Note", a.note or "—")])
            + "</table>"
        )
    out.append("</div>")
    return "\n".join(out)


__all__ = ["Evidence", "EvidenceEntry", "EvidenceError", "covering_checkpoint", "evidence_html", "gather_evidence"]
