"""Writing an export (:func:`export_slice`): the selected entries, read back and checked,
as a slice bundle or a plain file, published atomically; and its :class:`ExportSummary`.

A bundle carries a manifest (scope, integrity as the exporter verified it, the
query), its entries, the proof of the intervals they need and the
checkpoints; it is opened and verified before it is published and must
verify exactly the selected entries that verified in the source
(``_self_check``). Large selections are read back in chunks of
``FETCH_CHUNK`` entries (:class:`SelectedEntries`). See docs/export.md.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from auditviewer.core.atomic import SafeFile, atomic_output, check_replaceable
from auditviewer.core.domain import UNVERIFIED, VERIFIED
from auditviewer.core.errors import ExportError
from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.core.times import format_rfc3339, parse_rfc3339
from auditviewer.export.bundle import (
    ANNOTATIONS,
    CHECKPOINTS,
    ENTRIES_JSONL,
    ENTRIES_PARQUET,
    MANIFEST,
    PROOF,
    BundleWriter,
    SlicePlan,
    checkpoints_jsonl,
    entries_parquet,
    proof_parquet,
    write_entries_jsonl,
)
from auditviewer.export.naming import Format, format_for_path
from auditviewer.export.plain import NO_PROOF_NOTE, write_csv, write_jsonl, write_parquet
from auditviewer.export.plan import ExportPlan, plan_selection
from auditviewer.export.selection import SourceArg, select, selection_text, with_source
from auditviewer.export.source import (
    ExportSource,
    check_cancel,
)
from auditviewer.input.formats.entry import loads_opaque
from auditviewer.integrity.keys import VerifierKey


class ExportAnnotations(Protocol):
    """The investigator's annotations an export carries (``casework/annotations.py``'s
    :class:`AnnotationStore` is one): the export names no casework type (it sits below)."""

    def cells(self, seq: int) -> tuple[str, str]:
        """The ``tags`` and ``note`` cells of entry ``seq`` (plain exports)."""
        ...

    def annotations_file(self, seqs: Sequence[int]) -> bytes:
        """Spec §5's JSONL of the annotations of these seqs; empty when there are none (bundles)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSummary:
    """What was written."""

    path: Path
    format: Format
    zipped: bool
    entries: int
    proof_rows: int
    checkpoints: int
    bytes_written: int
    seconds: float
    #: The ``integrity`` object written to the manifest (bundles) or metadata (Parquet).
    integrity: dict[str, Any]
    #: Status of the written slice verified with the exporter's keys (bundles only).
    slice_status: str | None
    plan: ExportPlan
    warnings: tuple[str, ...] = field(default=())

    @property
    def failed_entries(self) -> int:
        return int(self.integrity.get("failed_entries", 0))


def summary_lines(summary: ExportSummary) -> list[str]:
    """The summary for a person at a terminal (warnings are separate: ``summary.warnings``)."""
    kind = {"bundle": "verifiable slice bundle" + (" (zip)" if summary.zipped else " (folder)")}.get(
        summary.format, f"plain {summary.format} (no proof)"
    )
    integrity = summary.integrity
    lines = [
        f"wrote {summary.entries:,} entries to {summary.path}: {kind}",
        f"selection:  {summary.plan.query}",
    ]
    if summary.format == "bundle":
        lines.append(
            f"proof:      {summary.proof_rows:,} leaf hashes of omitted entries, "
            f"{summary.checkpoints} checkpoints"
        )
    lines.append(
        f"integrity:  {integrity['status']} (source {integrity['source_status']}): "
        f"verified {integrity['verified_entries']:,}, failed {integrity['failed_entries']:,}, "
        f"unverified {integrity['unverified_entries']:,}"
    )
    if summary.slice_status is not None:
        lines.append(f"the slice verifies as: {summary.slice_status} (checked before it was put in place)")
    lines.append(f"size:       {summary.bytes_written:,} bytes in {summary.seconds:.2f} s")
    return lines


def _integrity(plan: ExportPlan, *, bundle: bool) -> dict[str, Any]:
    if plan.failed_entries:
        status = "failed"
    elif plan.unverified_entries or (bundle and not plan.anchors_trusted) or not plan.entries:
        status = "incomplete"
    else:
        status = "verified"
    out: dict[str, Any] = {
        "status": status,
        "source_status": plan.source_status,
        "verified_entries": plan.verified_entries,
        "failed_entries": plan.failed_entries,
        "unverified_entries": plan.unverified_entries,
    }
    if bundle:
        out["unsigned_tail_entries"] = plan.unsigned_tail_entries
        out["note"] = (
            "states of the selected entries as the exporter verified them; informational only — "
            "verify this bundle with your own trusted keys"
        )
    else:
        out["proof"] = False
        out["note"] = NO_PROOF_NOTE
    return out


def _scope(source: ExportSource, entries: SelectedEntries) -> dict[str, Any]:
    """Resource scope when the selection is exactly one resource's scoped log, else organization.

    "Exactly" matters: a selection whose entries all name one deployment but
    leave some of its entries out is not that deployment's audit log, and
    labelling it so would mislead.
    """
    organization = {"type": "organization"}
    key: tuple[str, str] | None = None
    name: Any = None
    for _seq, leaf in entries:
        try:
            value = loads_opaque(leaf)
        except (ValueError, RecursionError):
            return organization
        resource = value.get("resource") if isinstance(value, dict) else None
        if not isinstance(resource, dict):
            return organization
        rtype, rid = resource.get("type"), resource.get("id")
        if not isinstance(rtype, str) or not isinstance(rid, str):
            return organization
        if key is None:
            key = (rtype, rid)
        elif key != (rtype, rid):
            return organization
        name = resource.get("name", name)
    if key is None:
        return organization
    if _count_resource(source, key) != len(entries):
        return organization
    resource_obj: dict[str, Any] = {"type": key[0], "id": key[1]}
    if isinstance(name, str):
        resource_obj["name"] = name
    return {"type": "resource", "resource": resource_obj}


def _count_resource(source: ExportSource, key: tuple[str, str]) -> int:
    """Entries of the source naming this resource (distinct seqs)."""
    if source.store is not None:
        from auditviewer.store.store import Filter, ResourceScope

        return len(source.store.seqs(Filter(scope=ResourceScope(type=key[0], id=key[1]))))
    # No store: scan the stored texts; only those that can name it are parsed.
    # An id written with JSON escapes holds a backslash, so the scan never skips it.
    needle = key[1].encode("utf-8")
    leaves: Iterable[bytes] = (
        source.scan_leaves(needle)
        if source.scan_leaves is not None
        else (leaf for _seq, leaf in source.read_entries(list(source.entry_seqs)))
    )
    seqs: set[int] = set()
    for leaf in leaves:
        if needle not in leaf and b"\\" not in leaf:
            continue
        try:
            value = loads_opaque(leaf)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        resource = value.get("resource")
        if isinstance(resource, dict) and (resource.get("type"), resource.get("id")) == key:
            seqs.add(int(value.get("seq", -1)))  # identical duplicates (overlapping inputs) count once
    return len(seqs)


#: Selections up to this many entries are read back once and held in memory; larger ones
#: are read in seq-ordered chunks of this size, once per pass, so memory stays bounded.
FETCH_CHUNK = 200_000


class SelectedEntries:
    """The stored bytes of the selected entries, iterated in seq order.

    The first version read of a conflicting seq is the one kept, as in the
    verifier. Every selected seq must be found.
    """

    def __init__(
        self, source: ExportSource, selected: list[int], cancelled: CancelCheck | None, *, chunk: int | None = None
    ) -> None:
        self._source = source
        self._selected = selected
        self._cancelled = cancelled
        self._chunk = max(1, FETCH_CHUNK if chunk is None else chunk)
        self._cached: list[tuple[int, bytes]] | None = None

    def __len__(self) -> int:
        return len(self._selected)

    @property
    def chunk(self) -> int:
        return self._chunk

    def _read(self, seqs: list[int]) -> list[tuple[int, bytes]]:
        found: dict[int, bytes] = {}
        for n, (seq, leaf) in enumerate(self._source.read_entries(seqs)):
            if n % 8192 == 0:
                check_cancel(self._cancelled)
            found.setdefault(seq, leaf)
        missing = [s for s in seqs if s not in found]
        if missing:
            raise ExportError(
                f"{len(missing)} selected entries could not be read back (first: seq {missing[0]})"
            )
        return [(s, found[s]) for s in seqs]

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        if self._cached is not None:
            yield from self._cached
            return
        if len(self._selected) <= self._chunk:
            self._cached = self._read(self._selected)
            yield from self._cached
            return
        for start in range(0, len(self._selected), self._chunk):
            yield from self._read(self._selected[start : start + self._chunk])


def _exported_at(moment: datetime | None) -> str:
    return format_rfc3339(moment or datetime.now(UTC))


def _manifest(
    source: ExportSource,
    *,
    files: list[dict[str, Any]],
    scope: dict[str, Any],
    exported_at: str,
    query_text: str,
    integrity: dict[str, Any],
) -> dict[str, Any]:
    keys: list[str] = []
    for m in source.manifests:
        for k in m.keys:
            if k not in keys:
                keys.append(k)
    organization = next((m.organization for m in source.manifests if m.organization), None)
    manifest: dict[str, Any] = {"format": "audit-bundle", "version": 1, "origin": source.origin}
    if organization:
        manifest["organization"] = organization
    manifest["scope"] = scope
    manifest["exported_at"] = exported_at
    manifest["files"] = files
    if keys:
        manifest["keys"] = keys
    manifest["query"] = query_text
    manifest["integrity"] = integrity
    return manifest


def export_slice(
    source: SourceArg,
    *,
    out: Path,
    seqs: Iterable[int] | None = None,
    query: str | None = None,
    filter: Any = None,
    fmt: str | None = None,
    keys: Iterable[VerifierKey] = (),
    overwrite: bool = False,
    progress: Progress | None = None,
    cancelled: CancelCheck | None = None,
    description: str | None = None,
    exported_at: datetime | None = None,
    self_check: bool = True,
    read_progress: Callable[[int, int], None] | None = None,
    annotations: ExportAnnotations | None = None,
) -> ExportSummary:
    """Export the selected entries of ``source`` to ``out``; nothing is left behind on failure.

    Select by ``seqs``, a ``query`` (search language), a ``filter``
    (:class:`auditviewer.store.store.Filter`: the viewer's filter state), or none of
    them for every entry. ``fmt`` defaults to the one ``out``'s extension
    implies (:func:`format_for_path`).
    ``keys`` are the verifier keys to verify with when ``source`` is paths (an
    opened source brings its own). ``description`` replaces the manifest's
    ``query`` text for explicit seqs. ``self_check`` verifies a bundle before
    publishing it. ``progress`` follows the writing (units: entries written plus proof rows);
    ``read_progress(bytes done, bytes in all)`` the reading of paths. ``annotations``
    (the investigator's, issue 14): a bundle carries those of its entries as an
    ``annotations`` file (spec §5: listed with its hash, outside the proof), CSV and
    Parquet get ``tags`` and ``note`` columns; JSONL holds the entries alone. Raises :class:`ExportError` (e.g. ``out`` exists and not
    ``overwrite``), :class:`~auditviewer.core.errors.Cancelled` or the input's errors.
    """
    started = time.perf_counter()
    out = Path(out)
    chosen, zipped = format_for_path(out, fmt)
    if out.exists() and not overwrite:
        raise ExportError(f"{out}: already exists (use --force to replace it)")
    inputs = source.paths if isinstance(source, ExportSource) else [Path(p) for p in source]
    _refuse_inputs(out, inputs)
    if overwrite:
        check_replaceable(out)  # before any work: only a file or an earlier export
    opened, owned = with_source(source, keys, query or filter is not None, read_progress, cancelled)
    try:
        try:
            selected = select(opened, seqs=seqs, query=query, filter=filter)
            if not selected:
                raise ExportError("the selection is empty: nothing to export")
            query_text = selection_text(opened, selected, query, description, filter)
            plan, slice_plan = plan_selection(opened, selected, chosen, query_text)
        except ExportError as exc:
            # Say which export failed: one line that names the file, as every error here does.
            raise ExportError(f"{out}: not written: {exc}") from exc
        checking = self_check and chosen == "bundle"
        # Units: entries read back, entries written, proof rows, and the self-check's re-reading.
        total = plan.entries * 2 + plan.proof_rows + (plan.entries + plan.proof_rows if checking else 0)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(min(done, total), total)
            check_cancel(cancelled)

        entries = SelectedEntries(opened, selected, cancelled)
        if len(entries) <= entries.chunk:
            for _ in entries:  # read back now (then held), so a missing entry fails early
                pass
        step(len(entries))
        stamp = _exported_at(exported_at)
        bundle = chosen == "bundle"
        integrity = _integrity(plan, bundle=bundle)
        slice_status = None
        if bundle:
            assert slice_plan is not None
            scope = _scope(opened, entries)
            check_cancel(cancelled)
            with atomic_output(out, overwrite=overwrite, kind="file" if zipped else "dir") as staged:
                _write_bundle(
                    staged,
                    zipped=zipped,
                    top=out.stem if zipped else "",
                    source=opened,
                    plan=slice_plan,
                    entries=entries,
                    annotations=annotations.annotations_file(selected) if annotations is not None else b"",
                    manifest_fields={
                        "scope": scope,
                        "exported_at": stamp,
                        "query_text": query_text,
                        "integrity": integrity,
                    },
                    step=step,
                )
                if checking:
                    slice_status = _self_check(staged, opened, selected, cancelled)
                    step(plan.entries + plan.proof_rows)
                size = _size_of(staged)
        else:
            metadata = {
                "format": "auditviewer-plain-export",
                "proof": False,
                "note": NO_PROOF_NOTE,
                "origin": opened.origin,
                "exported_at": stamp,
                "query": query_text,
                "integrity": integrity,
            }
            with atomic_output(out, overwrite=overwrite, kind="file") as staged, SafeFile(
                staged, label=str(out)
            ) as file:
                if chosen == "jsonl":
                    write_jsonl(file, entries, on_rows=step)
                cells = annotations.cells if annotations is not None else None
                if chosen == "parquet":
                    write_parquet(
                        file, entries, state_of=opened.state_of, metadata=metadata, on_rows=step, cells=cells
                    )
                elif chosen != "jsonl":
                    write_csv(file, entries, state_of=opened.state_of, on_rows=step, cells=cells)
                file.flush()
                size = file.tell()
        return ExportSummary(
            path=out,
            format=chosen,
            zipped=zipped,
            entries=len(entries),
            proof_rows=plan.proof_rows,
            checkpoints=plan.checkpoints,
            bytes_written=size,
            seconds=time.perf_counter() - started,
            integrity=integrity,
            slice_status=slice_status,
            plan=plan,
            warnings=plan.warnings,
        )
    finally:
        if owned:
            opened.close()


def _refuse_inputs(out: Path, inputs: Iterable[Path]) -> None:
    """An export never replaces or lands inside one of its own inputs (even with --force)."""
    target = out.resolve()
    for path in inputs:
        source = Path(path).resolve()
        if target == source or target.is_relative_to(source) or source.is_relative_to(target):
            raise ExportError(f"{out}: is, holds or lies inside the input {path}; choose another place")


def _write_bundle(
    staged: Path,
    *,
    zipped: bool,
    top: str,
    source: ExportSource,
    plan: SlicePlan,
    entries: SelectedEntries,
    manifest_fields: dict[str, Any],
    step: Callable[[int], None],
    annotations: bytes = b"",
) -> None:
    date_time = parse_rfc3339(manifest_fields["exported_at"])  # as _exported_at wrote it (UTC)
    zip_file = SafeFile(staged) if zipped else None
    writer = BundleWriter(folder=None if zipped else staged, zip_file=zip_file, top=top, date_time=date_time)
    try:
        large = len(entries) > 1_000_000  # may pass 4 GiB: zip64 from the start
        # Entries JSONL unless a stored entry holds a line break (legal JSON whitespace in a
        # Parquet cell): JSONL would split it and change its bytes, so Parquet keeps it whole.
        # Parquet too when an entry's own seq field disagrees with the row it was read from
        # (seq_mismatch): a JSONL line is placed by its seq field, so it would move.
        mismatched = {f.seq for f in source.report.findings if f.kind == "seq_mismatch" and f.seq is not None}
        if any(seq in mismatched or b"\n" in leaf for seq, leaf in entries):
            with writer.file(ENTRIES_PARQUET, role="entries", large=large) as f:
                f.write(entries_parquet(list(entries)))
            step(len(entries))
        else:
            with writer.file(ENTRIES_JSONL, role="entries", large=large) as f:
                write_entries_jsonl(f, entries, on_rows=step)
        with writer.file(CHECKPOINTS, role="checkpoints") as f:
            f.write(checkpoints_jsonl(plan))
        if plan.proof_seqs:
            with writer.file(PROOF, role="proof", large=len(plan.proof_seqs) > (1 << 25)) as f:
                f.write(proof_parquet(plan))
            step(len(plan.proof_seqs))
        if annotations:
            with writer.file(ANNOTATIONS, role="annotations") as f:
                f.write(annotations)
        manifest = _manifest(
            source,
            files=writer.files,
            scope=manifest_fields["scope"],
            exported_at=manifest_fields["exported_at"],
            query_text=manifest_fields["query_text"],
            integrity=manifest_fields["integrity"],
        )
        with writer.file(MANIFEST, role=None) as f:
            f.write((json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        writer.close()
        if zip_file is not None:
            zip_file.close()
    except BaseException:
        if zip_file is not None:
            zip_file.abort()
            # Let zipfile finish into the aborted file now, not in a destructor later.
            with contextlib.suppress(Exception):
                writer.close()
        raise


def _size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _self_check(
    staged: Path, source: ExportSource, selected: list[int], cancelled: CancelCheck | None = None
) -> str:
    """Verify the written slice with the exporter's keys before it is published.

    It must hold exactly the selected entries, and every one that verified in
    the source must verify in the slice: anything less is a broken proof, and
    nothing is published. (A slice may verify an entry the source did not: a
    seq the source held twice with different bytes is a conflict there, but
    the slice holds only the version that chains to the signed head.)
    """
    from auditviewer.workspace.inputs import open_workspace
    from auditviewer.workspace.verification import verify_workspace

    workspace = open_workspace([staged])
    try:
        report = verify_workspace(workspace, source.keys, cancelled=cancelled)
    finally:
        workspace.close()
    ranges = sorted(report.state_ranges)
    starts = [r[0] for r in ranges]

    def state(seq: int) -> str:
        i = bisect.bisect_right(starts, seq) - 1
        return ranges[i][2] if i >= 0 and ranges[i][0] <= seq <= ranges[i][1] else UNVERIFIED

    lost = [s for s in selected if source.state_of(s) == VERIFIED and state(s) != VERIFIED]
    if report.entries != len(selected) or lost:
        detail = f"seq {lost[0]} and {len(lost) - 1} more no longer verify" if lost else (
            f"it holds {report.entries} entries, not {len(selected)}"
        )
        raise ExportError(
            f"the written slice does not verify as its source did ({detail}); "
            "nothing was written — please report this"
        )
    return report.status
