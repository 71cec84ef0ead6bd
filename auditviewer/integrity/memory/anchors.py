"""The memory's algorithm: which remembered checkpoints to feed a verification, and what to say after.

A bundle on its own cannot show that the log went on after its last checkpoint,
nor that someone signed a different history last month. Remembered checkpoints
are fed into a verification as extra checkpoint lines (source
``remembered:<file>``) and judged like any other: a remembered note anchors only
if a key trusted *now* signs it, a different head for the same size is a
``fork``, and a remembered size past the export's end is ``log_continues``.

:func:`select_remembered` and :func:`named_by_trusted_key` choose the handful worth
feeding; after the verification, :func:`drop_bad_remembered` removes damaged
memory, :func:`memory_made_gap` finds an ``entry_missing`` only memory caused (the
caller verifies again without it), and :func:`annotate` says where memory was
involved and recomputes the status. The pass itself (it runs a workspace) is
``auditviewer.workspace.memory.verify_with_memory``.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable

from auditviewer.integrity.checkpoints import CheckpointLine
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory.store import (
    SOURCE_PREFIX,
    CheckpointMemory,
    RememberedCheckpoint,
    is_remembered,
)
from auditviewer.integrity.report import (
    FAILURE,
    INCOMPLETE,
    STATUS_ERROR,
    STATUS_FAILED,
    STATUS_INCOMPLETE,
    STATUS_VERIFIED,
    CheckpointResult,
    Finding,
    Report,
)


def named_by_trusted_key(
    lines: Iterable[CheckpointLine], trusted: dict[tuple[str, bytes], VerifierKey]
) -> Iterable[CheckpointLine]:
    """Lines with at least one signature line naming a trusted key (name and key id)."""
    for line in lines:
        checkpoint = line.checkpoint
        if checkpoint is not None and any(
            (s.name, s.key_id) in trusted for s in checkpoint.signatures
        ):
            yield line


def select_remembered(
    lines: list[CheckpointLine], own: list[CheckpointLine], origin: str
) -> list[CheckpointLine]:
    """The remembered checkpoints worth feeding: a handful around the bundle's own, not ten thousand.

    Kept: every remembered note at a size the bundle also signs (a different head
    there is a fork, with both notes), and in each gap between the bundle's own
    sizes (below the first, above the last) the smallest and the largest
    remembered size. The largest below a checkpoint catches any rewrite of the
    entries under it (the chain from the anchor before cannot reach its head);
    the largest overall reveals rollback; the smallest in a gap anchors an export
    that starts or ends inside it. Each note costs a signature check, so feeding
    all of them would cost seconds on every open for nothing more.
    """
    own_sizes = sorted(
        {
            line.checkpoint.size
            for line in own
            if line.checkpoint is not None and line.checkpoint.origin == origin
        }
    )
    sizes = sorted({line.checkpoint.size for line in lines if line.checkpoint is not None})
    chosen = set(own_sizes).intersection(sizes)
    bounds: list[float] = [-1, *own_sizes, float("inf")]
    for lo, hi in itertools.pairwise(bounds):
        inside = sizes[bisect.bisect_right(sizes, lo) : bisect.bisect_left(sizes, hi)]
        if inside:
            chosen.update((inside[0], inside[-1]))
    return [
        line for line in lines if line.checkpoint is not None and line.checkpoint.size in chosen
    ]


def drop_bad_remembered(report: Report, memory: CheckpointMemory, origin: str) -> set[str]:
    """A remembered note a trusted key signed but whose signature fails now is damaged memory.

    verify() never made it an anchor; its finding and result are removed so that the
    bundle is judged as if the note were not there, and memory reports the damage.
    """
    bad = [c for c in report.checkpoints if is_remembered(c) and c.status == "bad_signature"]
    if not bad:
        return set()
    report.checkpoints = [c for c in report.checkpoints if not any(c is b for b in bad)]
    report.findings = [
        f
        for f in report.findings
        if not (f.kind == "bad_signature" and (f.file or "").startswith(SOURCE_PREFIX))
    ]
    for c in bad:
        memory.problems.append(
            f"the remembered checkpoint of {origin!r} at size {c.size} ({c.source}) does not "
            "verify with a trusted key; it is ignored"
        )
    return {c.note for c in bad}


def own_anchor_sizes(report: Report) -> set[int]:
    return {
        c.size
        for c in report.checkpoints
        if not is_remembered(c) and c.status in ("ok", "mismatch")
    }


def memory_made_gap(report: Report, fed: list[CheckpointLine]) -> int | None:
    """The lowest seq of an ``entry_missing`` interval closed by a remembered-only anchor, if any."""
    fed_sizes = {line.checkpoint.size for line in fed if line.checkpoint is not None}
    own = own_anchor_sizes(report)
    starts = [
        f.seq
        for f in report.findings
        if f.kind == "entry_missing"
        and f.seq is not None
        and f.checkpoint is not None
        and f.checkpoint in fed_sizes
        and f.checkpoint not in own
    ]
    return min(starts) if starts else None


def annotate(
    report: Report,
    records: dict[str, RememberedCheckpoint],
    fed: list[CheckpointLine],
    *,
    own_lines: list[CheckpointLine],
    has_integrity_data: bool,
) -> None:
    """Say where memory was involved, add what only memory knows, and recompute the status."""

    def seen(result: CheckpointResult) -> str:
        record = records.get(result.note)
        when = record.first_seen if record is not None else "an earlier verification"
        where = f", in {record.source}" if record is not None and record.source else ""
        return f"first seen {when}{where}"

    remembered_at: dict[int, list[CheckpointResult]] = {}
    for result in report.checkpoints:
        if is_remembered(result):
            remembered_at.setdefault(result.size, []).append(result)
    own_sizes = own_anchor_sizes(report)

    for finding in report.findings:
        size = finding.checkpoint
        if size is None or size not in remembered_at:
            continue
        if finding.kind == "fork":
            finding.evidence = list(dict.fromkeys(finding.evidence))
            ours = remembered_at[size][0]
            finding.message += (
                f"; one of them was remembered from an earlier verification ({seen(ours)}): "
                "this export contradicts a history seen before"
            )
        elif finding.kind == "chain_mismatch" and size not in own_sizes:
            ours = remembered_at[size][0]
            finding.message += (
                f"; the checkpoint at {size} was remembered from an earlier verification "
                f"({seen(ours)}): these entries contradict the history seen then"
            )

    # log_continues: memory's largest size past the export's end is what matters; the
    # generic message verify() wrote for a remembered anchor is replaced by one that
    # says when the log was seen at that size.
    end = report.last_seq + 1 if report.last_seq is not None else None
    fed_results = [r for rs in remembered_at.values() for r in rs if r.status in ("ok", "mismatch")]
    fed_checkpoints = [line.checkpoint for line in fed if line.checkpoint is not None]
    generic = [
        f
        for f in report.findings
        if f.kind == "log_continues"
        and f.checkpoint in remembered_at
        and f.checkpoint not in own_sizes
    ]
    report.findings = [f for f in report.findings if not any(f is g for g in generic)]
    own_beyond = sorted(s for s in own_sizes if end is not None and s > end)
    if generic and own_beyond and end is not None:
        # verify() reports only the first anchor past the end; it was a remembered one,
        # so the bundle's own later checkpoint is said here in verify()'s words.
        report.findings.append(
            Finding(
                kind="log_continues",
                message=(
                    f"a trusted checkpoint at size {own_beyond[0]} shows the log continues "
                    f"past this export's last entry (seq {end - 1})"
                ),
                checkpoint=own_beyond[0],
            )
        )
    if end is not None and fed_checkpoints:
        largest = max(fed_checkpoints, key=lambda c: c.size)
        if largest.size > end and largest.size > max(own_beyond, default=0):
            record = records.get(largest.note)
            when = f" on {record.first_seen}" if record is not None else ""
            report.findings.append(
                Finding(
                    kind="log_continues",
                    message=(
                        f"the log was seen at size {largest.size}{when} (remembered); this export "
                        f"ends at size {end} (last seq {end - 1}): it is older than what was seen, "
                        "or was cut short"
                    ),
                    checkpoint=largest.size,
                )
            )

    if (
        not own_lines
        and has_integrity_data
        and not any(f.kind == "no_checkpoints" for f in report.findings)
    ):
        # verify() saw the remembered lines and so did not say it; the bundle itself still has none.
        report.findings.append(
            Finding(
                kind="no_checkpoints",
                message=(
                    "the bundle holds no checkpoints; only checkpoints remembered from earlier "
                    "verifications can vouch for its entries"
                ),
            )
        )

    # Keep in the report only the remembered checkpoints that took part: those not "ok"
    # (fork, mismatch), and anchors within or just past the entries that the bundle does
    # not already give. Ten thousand agreeing notes from memory would bury the bundle's own.
    keep_largest = max((r.size for r in fed_results), default=None)
    own_heads = {(c.size, c.head) for c in report.checkpoints if not is_remembered(c)}

    def useful(result: CheckpointResult) -> bool:
        if not is_remembered(result) or result.status != "ok":
            return True
        if (result.size, result.head) in own_heads:
            return False
        if result.size == keep_largest and end is not None and result.size > end:
            return True
        return (
            report.first_seq is not None
            and end is not None
            and report.first_seq <= result.size <= end
        )

    report.checkpoints = [c for c in report.checkpoints if useful(c)]
    _restatus(report)


def _restatus(report: Report) -> None:
    """Spec §7's status rule again, after findings were added."""
    if report.status == STATUS_ERROR:
        return
    severities = {f.severity for f in report.findings}
    if FAILURE in severities:
        report.status = STATUS_FAILED
    elif INCOMPLETE in severities or report.verified_entries < report.entries or not report.entries:
        report.status = STATUS_INCOMPLETE
    else:
        report.status = STATUS_VERIFIED


__all__ = [
    "annotate",
    "drop_bad_remembered",
    "memory_made_gap",
    "named_by_trusted_key",
    "own_anchor_sizes",
    "select_remembered",
]
