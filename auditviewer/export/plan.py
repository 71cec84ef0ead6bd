"""Re-export a selection of a workspace: a verifiable slice bundle, or plain JSONL, Parquet or CSV.

The core API, Qt-free, used by the ``export`` command and the viewer's export
dialog:

- :func:`plan_export` tells what an export will hold (entries, proof rows and
  size, checkpoints, entries that failed verification or lie in an unsigned
  tail) before anything is written;
- :func:`auditviewer.export.write.export_slice` writes it, atomically
  (:mod:`auditviewer.core.atomic`), and returns an ``ExportSummary``.

The names (``naming.py``: formats from the output's name), the selection
(``selection.py``) and the writing (``write.py``) are modules of their own;
this one plans.

Both take a *source*: either paths (opened, verified and closed here) or an
:class:`~auditviewer.export.source.ExportSource` the caller keeps open (the
viewer builds one while loading). The selection is explicit ``seqs``, a
``query`` in the search language (selected through the DuckDB store), or,
with neither, every entry.

A bundle is checked before it is published: it is opened and verified with
the exporter's keys, and it must verify exactly the selected entries that
verified in the source. See docs/export.md for the format and the choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditviewer.core.domain import FAILED, UNVERIFIED, VERIFIED
from auditviewer.core.errors import ExportError
from auditviewer.export.bundle import (
    SlicePlan,
    plan_slice,
)
from auditviewer.export.naming import Format
from auditviewer.export.plain import NO_PROOF_NOTE
from auditviewer.export.selection import SourceArg, select, selection_text, with_source
from auditviewer.export.source import (
    ExportSource,
)
from auditviewer.integrity.keys import VerifierKey


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportPlan:
    """What an export will hold; the viewer's dialog shows it before writing."""

    format: Format
    entries: int
    first_seq: int | None
    last_seq: int | None
    #: Leaf hashes of omitted entries the proof carries (bundles only).
    proof_rows: int
    #: About how many bytes the proof takes.
    proof_bytes: int
    checkpoints: int
    intervals: int
    #: Selected entries after the last checkpoint: included, never verifiable.
    unsigned_tail_entries: int
    #: Selected entries by their state in the source's verification.
    verified_entries: int
    failed_entries: int
    unverified_entries: int
    #: Status of the source's verification (verified, failed, incomplete).
    source_status: str
    #: Whether the checkpoints bounding the slice are signed by keys the exporter trusts.
    anchors_trusted: bool
    #: Omitted entries whose leaf hash the source lacks: those intervals cannot verify.
    missing_leaves: int
    query: str
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _states(source: ExportSource, selected: list[int]) -> dict[str, int]:
    counts = {VERIFIED: 0, FAILED: 0, UNVERIFIED: 0}
    for seq in selected:
        counts[source.state_of(seq)] += 1
    return counts


def plan_selection(
    source: ExportSource, selected: list[int], fmt: Format, query_text: str
) -> tuple[ExportPlan, SlicePlan | None]:
    counts = _states(source, selected)
    warnings: list[str] = []
    slice_plan = None
    if fmt == "bundle":
        if not source.has_integrity_data:
            raise ExportError(
                "the workspace is a plain export with no checkpoints: a verifiable bundle cannot "
                "be made from it; export JSONL, Parquet or CSV"
            )
        origins = sorted({m.origin for m in source.manifests})
        if len(origins) > 1:
            # One manifest names one origin; a slice mixing logs would claim entries it cannot prove.
            raise ExportError(
                "the workspace mixes entries of different logs (" + ", ".join(origins) + "); "
                "export a slice of each log separately"
            )
        slice_plan = plan_slice(source, selected)
        if slice_plan.tail:
            warnings.append(
                f"{slice_plan.tail} selected entries come after the last checkpoint (an unsigned "
                "tail): they are included but no checkpoint covers them, so they stay unverified"
            )
        if not slice_plan.anchors_trusted and slice_plan.notes:
            warnings.append(
                "none of the keys that signed this log's checkpoints is trusted here: the slice "
                "carries them, but only an auditor who trusts their key can verify it"
            )
        if slice_plan.missing_leaves:
            warnings.append(
                f"{slice_plan.missing_leaves} entries of the covered checkpoint intervals are "
                "missing from the source: those intervals cannot verify in the slice either"
            )
    else:
        warnings.append(NO_PROOF_NOTE)
    if counts[FAILED]:
        warnings.append(
            f"{counts[FAILED]} selected entries failed verification in the source; they are "
            "exported as they are and the export says so"
        )
    plan = ExportPlan(
        format=fmt,
        entries=len(selected),
        first_seq=selected[0] if selected else None,
        last_seq=selected[-1] if selected else None,
        proof_rows=len(slice_plan.proof_seqs) if slice_plan else 0,
        proof_bytes=slice_plan.proof_bytes_estimate if slice_plan else 0,
        checkpoints=slice_plan.checkpoint_count if slice_plan else 0,
        intervals=len(slice_plan.intervals) if slice_plan else 0,
        unsigned_tail_entries=slice_plan.tail if slice_plan else 0,
        verified_entries=counts[VERIFIED],
        failed_entries=counts[FAILED],
        unverified_entries=counts[UNVERIFIED],
        source_status=source.report.status,
        anchors_trusted=slice_plan.anchors_trusted if slice_plan else False,
        missing_leaves=slice_plan.missing_leaves if slice_plan else 0,
        query=query_text,
        warnings=tuple(warnings),
    )
    return plan, slice_plan


def plan_export(
    source: SourceArg,
    *,
    seqs: Iterable[int] | None = None,
    query: str | None = None,
    filter: Any = None,
    fmt: Format = "bundle",
    keys: Iterable[VerifierKey] = (),
    description: str | None = None,
) -> ExportPlan:
    """What exporting this selection as ``fmt`` would write; nothing is written."""
    opened, owned = with_source(source, keys, query or filter is not None, None, None)
    try:
        selected = select(opened, seqs=seqs, query=query, filter=filter)
        plan, _ = plan_selection(opened, selected, fmt, selection_text(opened, selected, query, description, filter))
        return plan
    finally:
        if owned:
            opened.close()
