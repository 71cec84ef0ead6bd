"""Spec §7: from the collected leaves and the checkpoints to a :class:`Report`, in phases.

:func:`verify` reads as the spec's steps, each a function of its own:

1. :func:`_merge_leaves` — included entries and proof leaves as one seq → hash
   list (a proof disagreeing with an entry is ``seq_conflict``);
2. :func:`_judge_anchors` — each checkpoint judged (``integrity/checkpoints.py``) and the
   trusted ones grouped by size into anchors (two heads for one size: ``fork``);
3. :func:`_walk_intervals` — every pair of consecutive anchors: verified, failed
   (``chain_mismatch``, ``entry_missing``) or unverified (``missing_anchor``),
   then the unsigned tail and ``log_continues``;
4. :func:`_check_untrusted` — untrusted checkpoints say whether they agree;
5. :func:`_status` — per-entry state runs, counts and the status.

The leaves come from :class:`~auditviewer.integrity.leaves.LeafCollector`
(``integrity/leaves.py``), the time regressions from
:class:`~auditviewer.integrity.time_watch.TimeWatch`. Only leaf hashes are
kept, never the leaves.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditviewer.core.domain import FAILED, UNVERIFIED, VERIFIED
from auditviewer.core.native import NATIVE
from auditviewer.integrity.chain import ZERO_HEAD, extend, extend_runs, heads
from auditviewer.integrity.checkpoints import CheckpointLine, judge_checkpoint, judgement_finding
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.leaves import LeafCollector, joined_hashes
from auditviewer.integrity.report import (
    FAILURE,
    INCOMPLETE,
    STATUS_FAILED,
    STATUS_INCOMPLETE,
    STATUS_VERIFIED,
    CheckpointResult,
    Finding,
    FindingBudget,
    Report,
    b64,
)


@dataclass(slots=True)
class _Anchor:
    size: int
    head: bytes
    result: CheckpointResult | None


def verify(
    collector: LeafCollector,
    checkpoint_lines: list[CheckpointLine],
    trusted_keys: Iterable[VerifierKey],
    *,
    origin: str | None,
    extra_findings: Iterable[Finding] = (),
    has_integrity_data: bool = True,
    judged: Mapping[int, CheckpointResult] | None = None,
) -> Report:
    """Run spec §7 over everything collected and return the report.

    ``judged`` may hold checkpoints already judged by :func:`judge_checkpoints`
    (by ``id()`` of their line), with the same keys and origin. The phases are
    the module's list; each appends its findings in that order.
    """
    trusted = {(k.name, k.key_id): k for k in trusted_keys}
    findings: list[Finding] = list(extra_findings)
    leaves = _merge_leaves(collector, findings)
    results, anchors = _judge_anchors(checkpoint_lines, origin, trusted, judged, findings)
    if not checkpoint_lines and has_integrity_data:
        findings.append(
            Finding(kind="no_checkpoints", message="the bundle holds no checkpoints; nothing can be verified")
        )
    interval_states = _walk_intervals(leaves, anchors, findings)
    _tail(leaves, anchors, has_integrity_data, interval_states, findings)
    _check_untrusted(results, leaves.leaf_range, leaves.all_seqs, anchors)
    return _report(leaves.included, interval_states, collector.failed_seqs, results, findings, origin)


@dataclass(frozen=True, slots=True)
class _Leaves:
    """Phase 1's result: the included entries, and every known leaf (entries and proofs)."""

    included: Sequence[int]  # sorted unique seqs of the entries read
    included_hashes: Sequence[bytes]
    recorded_heads: Mapping[int, bytes]
    all_seqs: Sequence[int]  # sorted: included seqs and proof seqs
    all_hashes: Sequence[bytes]

    def leaf_range(self, lo: int, hi: int) -> Sequence[bytes]:
        """Leaf hashes of seqs lo..hi-1; the caller has checked they are all present."""
        start = bisect.bisect_left(self.all_seqs, lo)
        return self.all_hashes[start : start + (hi - lo)]

    def present(self, lo: int, hi: int) -> int:
        """How many of the seqs lo..hi-1 have a leaf (an entry or a proof's)."""
        return bisect.bisect_left(self.all_seqs, hi) - bisect.bisect_left(self.all_seqs, lo)

    def included_in(self, lo: int, hi: int) -> int:
        """How many of the seqs lo..hi-1 are entries read."""
        return bisect.bisect_left(self.included, hi) - bisect.bisect_left(self.included, lo)


def _merge_leaves(collector: LeafCollector, findings: list[Finding]) -> _Leaves:
    """Phase 1: the reader's findings (time regressions, then the collector's, each once),
    and included entries merged with the proofs' leaves; an entry whose bytes disagree
    with the proof's leaf hash is a ``seq_conflict`` (and *failed*)."""
    included, included_hashes, recorded_heads = collector.included()  # may note duplicates
    findings.extend(collector.time_watch.findings())
    seen = {_finding_key(f) for f in findings}
    for f in collector.findings:
        key = _finding_key(f)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    proof = collector.proof_hashes
    for seq, lh in zip(included, included_hashes, strict=True) if proof else ():
        known = proof.get(seq)
        if known is not None and known != lh and seq not in collector.failed_seqs:
            collector.failed_seqs.add(seq)
            findings.append(
                Finding(
                    kind="seq_conflict",
                    message=f"seq {seq}: the entry's bytes do not match the proof's leaf hash",
                    seq=seq,
                )
            )
    all_seqs: Sequence[int]
    all_hashes: Sequence[bytes]
    if proof:
        merged = dict(proof)
        merged.update(zip(included, included_hashes, strict=True))
        all_seqs = sorted(merged)
        all_hashes = [merged[s] for s in all_seqs]
    else:
        all_seqs, all_hashes = included, included_hashes
    return _Leaves(included, included_hashes, recorded_heads, all_seqs, all_hashes)


def _judge_anchors(
    checkpoint_lines: list[CheckpointLine],
    origin: str | None,
    trusted: dict[tuple[str, bytes], VerifierKey],
    judged: Mapping[int, CheckpointResult] | None,
    findings: list[Finding],
) -> tuple[list[CheckpointResult], list[_Anchor]]:
    """Phase 2: every checkpoint judged (``malformed_checkpoint``, ``foreign_checkpoint``,
    ``bad_signature``, ``untrusted_key``), and the trusted ones as anchors by size, the
    empty log's head at 0 first; sizes signed with two heads are a ``fork``, no anchor."""
    results: list[CheckpointResult] = []
    by_size: dict[int, list[CheckpointResult]] = {}
    for line in checkpoint_lines:
        if line.checkpoint is None:
            findings.append(
                Finding(
                    kind="malformed_checkpoint",
                    message=f"{line.source}:{line.line}: {line.problem}",
                    file=line.source,
                    line=line.line,
                )
            )
            continue
        result = judged.get(id(line)) if judged else None
        if result is None:
            result = judge_checkpoint(line, line.checkpoint, origin, trusted)
        results.append(result)
        finding = judgement_finding(result, origin)
        if finding is None:
            by_size.setdefault(result.size, []).append(result)
        else:
            finding.file, finding.line = line.source, line.line
            findings.append(finding)

    anchors: dict[int, _Anchor] = {0: _Anchor(0, ZERO_HEAD, None)}
    for size, group in sorted(by_size.items()):
        distinct = {r.head for r in group}
        if size == 0:
            distinct.add(ZERO_HEAD)
        if len(distinct) > 1:
            for r in group:
                r.status = "fork"
            findings.append(
                Finding(
                    kind="fork",
                    message=(
                        f"{len(distinct)} different heads are signed for size {size}: "
                        "the log was forked or rewritten; both notes are kept as evidence"
                    ),
                    checkpoint=size,
                    evidence=[r.note for r in group],
                )
            )
            if size != 0:
                continue
        if size != 0:
            anchors[size] = _Anchor(size, group[0].head, group[0])
    return results, sorted(anchors.values(), key=lambda a: a.size)


def _walk_intervals(leaves: _Leaves, ordered: list[_Anchor], findings: list[Finding]) -> list[tuple[int, int, str]]:
    """Phase 3: each interval [a.size, b.size) between consecutive anchors that holds an
    included entry, judged; returns the intervals' states, ``(lo, hi, state)`` in seq space."""
    interval_states: list[tuple[int, int, str]] = []
    included, all_seqs = leaves.included, leaves.all_seqs
    first_entry = included[0] if included else None
    last_leaf = all_seqs[-1] if all_seqs else -1
    seen_interval_with_entries = False
    present, included_in, leaf_range = leaves.present, leaves.included_in, leaves.leaf_range

    # Every complete interval's chain is recomputed first, all at once (in
    # worker processes for big logs): each starts from its own anchor's head.
    complete = [
        (a, b)
        for a, b in itertools.pairwise(ordered)
        if included_in(a.size, b.size) and present(a.size, b.size) == b.size - a.size
    ]
    computed_heads = _extend_intervals(
        [a.head for a, _ in complete], [(a.size, b.size) for a, b in complete], leaf_range
    )
    for a, b in itertools.pairwise(ordered):
        lo, hi = a.size, b.size
        if included_in(lo, hi) == 0:
            continue
        first_with_entries = not seen_interval_with_entries
        seen_interval_with_entries = True
        if present(lo, hi) == hi - lo:
            computed = computed_heads[lo]
            if computed == b.head:
                interval_states.append((lo, hi, VERIFIED))
                continue
            interval_states.append((lo, hi, FAILED))
            if b.result is not None:
                b.result.status = "mismatch"
            findings.append(_chain_mismatch(leaves.recorded_heads, leaf_range(lo, hi), a, b, computed))
            continue
        # Seqs may be missing only before the export's first entry (in its first
        # interval: §7 missing_anchor) and, our choice (docs/verification.md),
        # after its last one when the closing checkpoint lies beyond the export:
        # those entries are unproven, not missing. Both may hold at once.
        start = first_entry if first_with_entries and first_entry is not None and first_entry > lo else lo
        end = last_leaf + 1 if last_leaf < hi - 1 else hi
        if start < end and present(start, end) == end - start:
            interval_states.append((lo, hi, UNVERIFIED))
            if start > lo:
                findings.append(
                    Finding(
                        kind="missing_anchor",
                        message=(
                            f"the export starts at seq {start} with no signed checkpoint there; "
                            f"entries {start}..{end - 1} cannot be tied to the checkpoint at {hi}"
                        ),
                        seq=start,
                        seq_end=end - 1,
                        checkpoint=hi,
                    )
                )
            if end < hi:
                findings.append(
                    Finding(
                        kind="unsigned_tail",
                        message=(
                            f"entries {start}..{end - 1} come after the last checkpoint the export "
                            f"reaches (size {lo}); the log's checkpoint at {hi} lies beyond the export"
                        ),
                        seq=start,
                        seq_end=end - 1,
                        checkpoint=hi,
                    )
                )
            continue
        missing = _first_missing(all_seqs, lo, hi)
        interval_states.append((lo, hi, FAILED))
        if b.result is not None:
            b.result.status = "mismatch"
        findings.append(
            Finding(
                kind="entry_missing",
                message=(
                    f"{hi - lo - present(lo, hi)} entries of the interval {lo}..{hi - 1} are missing "
                    f"(first: seq {missing}); the interval cannot be checked against the checkpoint at {hi}"
                ),
                seq=lo,
                seq_end=hi - 1,
                checkpoint=hi,
            )
        )
    return interval_states


def _tail(
    leaves: _Leaves,
    ordered: list[_Anchor],
    has_integrity_data: bool,
    interval_states: list[tuple[int, int, str]],
    findings: list[Finding],
) -> None:
    """Phase 3, the end: entries past the last anchor are an ``unsigned_tail`` (*unverified*),
    and a trusted checkpoint past the last entry says ``log_continues``."""
    included = leaves.included
    last_anchor = ordered[-1].size
    tail = [s for s in included[bisect.bisect_left(included, last_anchor) :]]
    if tail:
        interval_states.append((last_anchor, tail[-1] + 1, UNVERIFIED))
    if tail and has_integrity_data:
        findings.append(
            Finding(
                kind="unsigned_tail",
                message=(
                    f"entries {tail[0]}..{tail[-1]} come after the last trusted checkpoint "
                    f"(size {last_anchor}) and are not verified"
                ),
                seq=tail[0],
                seq_end=tail[-1],
                checkpoint=last_anchor if last_anchor else None,
            )
        )
    if included:
        for anchor in ordered:
            if anchor.size > included[-1] + 1 and anchor.result is not None:
                findings.append(
                    Finding(
                        kind="log_continues",
                        message=(
                            f"a trusted checkpoint at size {anchor.size} shows the log continues "
                            f"past this export's last entry (seq {included[-1]})"
                        ),
                        checkpoint=anchor.size,
                    )
                )
                break


def _report(
    included: Sequence[int],
    interval_states: list[tuple[int, int, str]],
    failed_seqs: set[int],
    results: list[CheckpointResult],
    findings: list[Finding],
    origin: str | None,
) -> Report:
    """Phase 5: per-entry state runs and counts, the status (§7: failed if any failure;
    else incomplete if any entry is not verified or an incomplete finding stands)."""
    state_ranges = _state_ranges(included, interval_states, failed_seqs)
    state_counts = {VERIFIED: 0, FAILED: 0, UNVERIFIED: 0}
    for lo, hi, state in state_ranges:
        state_counts[state] += bisect.bisect_right(included, hi) - bisect.bisect_left(included, lo)
    verified_entries = state_counts[VERIFIED]
    severities = {f.severity for f in findings}
    if FAILURE in severities:
        status = STATUS_FAILED
    elif INCOMPLETE in severities or verified_entries < len(included) or not included:
        status = STATUS_INCOMPLETE
    else:
        status = STATUS_VERIFIED
    return Report(
        status=status,
        origin=origin,
        entries=len(included),
        verified_entries=verified_entries,
        first_seq=included[0] if included else None,
        last_seq=included[-1] if included else None,
        checkpoints=sorted(results, key=lambda r: r.size),
        findings=list(FindingBudget(findings)),  # every source together, bounded per kind
        state_ranges=state_ranges,
        state_counts=state_counts,
    )


#: Recomputing more chain steps than this is split between worker processes
#: (about 0.3 s of hashing on a loaded machine: worth more than starting one).
PARALLEL_CHAIN_STEPS = 524_288


def _extend_intervals(
    starts: list[bytes], intervals: list[tuple[int, int]], leaf_range: Callable[[int, int], Sequence[bytes]]
) -> dict[int, bytes]:
    """The head computed over each interval [lo, hi) from its start head, by lo."""
    from auditviewer.input.formats import parallel

    total = sum(hi - lo for lo, hi in intervals)
    workers = parallel.worker_count() if total > PARALLEL_CHAIN_STEPS else 1
    if NATIVE is not None:  # SHA-NI in C, the GIL released: threads, not worker processes
        native = NATIVE
        chain_jobs = [(head, joined_hashes(leaf_range(lo, hi))) for head, (lo, hi) in zip(starts, intervals, strict=True)]
        threads = parallel.thread_count() if total > PARALLEL_CHAIN_STEPS else 1
        if threads > 1 and len(chain_jobs) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=threads) as pool:
                heads_ = list(pool.map(lambda job: native.chain(*job), chain_jobs))
        else:
            heads_ = [native.chain(*job) for job in chain_jobs]
        return {lo: head for (lo, _), head in zip(intervals, heads_, strict=True)}
    if workers <= 1 or len(intervals) < 2:
        return {lo: extend(head, leaf_range(lo, hi)) for head, (lo, hi) in zip(starts, intervals, strict=True)}
    # Cut the intervals into one group per worker with about as many steps each.
    jobs: list[tuple[list[bytes], list[int], bytes]] = []
    share = total / workers
    group_starts: list[bytes] = []
    counts: list[int] = []
    parts: list[bytes] = []
    done = 0
    for head, (lo, hi) in zip(starts, intervals, strict=True):
        group_starts.append(head)
        counts.append(hi - lo)
        parts.append(bytes(joined_hashes(leaf_range(lo, hi))))
        done += hi - lo
        if done >= share * (len(jobs) + 1) and len(jobs) < workers - 1:
            jobs.append((group_starts, counts, b"".join(parts)))
            group_starts, counts, parts = [], [], []
    if counts:
        jobs.append((group_starts, counts, b"".join(parts)))
    heads = [h for result in parallel.split_map(extend_runs, jobs, workers=workers) for h in result]
    return {lo: head for (lo, _), head in zip(intervals, heads, strict=True)}


def _finding_key(f: Finding) -> tuple[object, ...]:
    """What makes two findings equal (Finding holds a list, so it is not hashable itself)."""
    return (f.kind, f.message, f.seq, f.seq_end, f.checkpoint, f.expected, f.computed, f.file, f.line, tuple(f.evidence))


def _first_missing(all_seqs: Sequence[int], lo: int, hi: int) -> int:
    start = bisect.bisect_left(all_seqs, lo)
    expected = lo
    for seq in all_seqs[start:]:
        if seq != expected or seq >= hi:
            return expected
        expected += 1
    return expected


def _chain_mismatch(
    recorded: Mapping[int, bytes], hashes: Sequence[bytes], a: _Anchor, b: _Anchor, computed: bytes
) -> Finding:
    lo, hi = a.size, b.size
    message = (
        f"entries {lo}..{hi - 1} do not hash to the head signed at size {hi}: "
        "an entry in this interval was changed, added or removed"
    )
    if recorded and any(s in recorded for s in range(lo, hi)):
        for offset, head in enumerate(heads(a.head, hashes)):
            seq = lo + offset
            if seq in recorded and recorded[seq] != head:
                message += f"; the first entry whose recorded head differs is seq {seq}"
                break
    return Finding(
        kind="chain_mismatch",
        message=message,
        seq=lo,
        seq_end=hi - 1,
        checkpoint=hi,
        expected=b.head,
        computed=computed,
    )


def _fold(head: bytes, hashes: Sequence[bytes]) -> bytes:
    """One chain fold: in C when the extension is built (as trusted intervals are
    folded), else in Python. The untrusted check folded in Python always: 1.5x the
    trusted verify of 1M JSONL entries."""
    if NATIVE is not None:
        return bytes(NATIVE.chain(head, joined_hashes(hashes)))
    return extend(head, hashes)


def _check_untrusted(
    results: list[CheckpointResult],
    leaf_range: Callable[[int, int], Sequence[bytes]],
    all_seqs: Sequence[int],
    anchors: list[_Anchor],
) -> None:
    """Untrusted checkpoints verify nothing, but say whether they agree with the chain.

    Each is checked from the nearest point below it whose head is known: the
    trusted anchor, or the head computed for the previous untrusted checkpoint
    above that anchor. Taken in order of size, every leaf is folded at most
    once, so a bundle whose key is not yet trusted costs what a trusted one
    does (before, each checkpoint was folded from its anchor: quadratic, 182 s
    for 1M entries signed every 1,024).
    """
    sizes = [a.size for a in anchors]
    known_size, known_head = -1, b""
    for result in sorted((r for r in results if r.status == "untrusted"), key=lambda r: r.size):
        i = bisect.bisect_right(sizes, result.size) - 1
        start = anchors[i]
        lo, head = start.size, start.head
        if known_size >= lo:
            lo, head = known_size, known_head
        hi = result.size
        count = bisect.bisect_left(all_seqs, hi) - bisect.bisect_left(all_seqs, lo)
        if count != hi - lo:
            continue
        computed = _fold(head, leaf_range(lo, hi))
        known_size, known_head = hi, computed
        result.source += " (agrees with the entries)" if computed == result.head else " (disagrees with the entries)"


def _state_ranges(
    included: Sequence[int], intervals: list[tuple[int, int, str]], failed: set[int]
) -> list[tuple[int, int, str]]:
    """Per-entry states as runs over included seqs: (first, last inclusive, state)."""
    out: list[tuple[int, int, str]] = []

    def push(first: int, last: int, state: str) -> None:
        # Merge runs of the same state when the gap between them holds no included entry.
        if (
            out
            and out[-1][2] == state
            and out[-1][1] < first
            and bisect.bisect_left(included, first) == bisect.bisect_right(included, out[-1][1])
        ):
            out[-1] = (out[-1][0], last, state)
            return
        out.append((first, last, state))

    covered = sorted(intervals)
    failed_sorted = sorted(failed)
    pos = 0
    n = len(included)
    for lo, hi, state in covered:
        start = bisect.bisect_left(included, lo, pos)
        end = bisect.bisect_left(included, hi, start)
        if start > pos:
            # Entries outside every interval: unverified, one run (as many single pushes would merge).
            push(included[pos], included[start - 1], UNVERIFIED)
        if start < end:
            run_start = start
            if state != FAILED:
                first = bisect.bisect_left(failed_sorted, included[start])
                last = bisect.bisect_right(failed_sorted, included[end - 1])
                for seq in failed_sorted[first:last]:
                    idx = bisect.bisect_left(included, seq, start, end)
                    if idx == end or included[idx] != seq:
                        continue  # failed, but not an included entry (a proof's seq)
                    if run_start < idx:
                        push(included[run_start], included[idx - 1], state)
                    push(seq, seq, FAILED)
                    run_start = idx + 1
            if run_start < end:
                push(included[run_start], included[end - 1], state)
        pos = max(pos, end)
    if pos < n:
        push(included[pos], included[-1], UNVERIFIED)
    return out


__all__ = ["LeafCollector", "b64", "verify"]
