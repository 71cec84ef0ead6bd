"""A workspace: one or more inputs opened together, read as one log.

Knows which files of each input are entries, checkpoints and proofs (from the
manifest, or by name for plain exports), checks the manifest's sizes and
hashes as the bytes stream past, and hands out leaf batches. The union of all
inputs' entries, proofs and checkpoints is what gets verified.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from blake3 import blake3

from auditviewer.core.display import quoted
from auditviewer.core.errors import Cancelled, InputError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.progress import CancelCheck, Progress  # progress(bytes done, bytes in all)
from auditviewer.input.containers import (
    Container,
    HashingReader,
    decompressed,
    open_container,
)
from auditviewer.input.formats.batches import LeafBatch
from auditviewer.input.formats.jsonl import read_jsonl
from auditviewer.input.formats.manifest import Manifest, parse_manifest
from auditviewer.input.formats.parquet import (
    ProofRows,
    open_parquet,
    read_parquet_entries,
    read_proof,
)
from auditviewer.input.formats.plain import is_plain_export, read_plain
from auditviewer.integrity.checkpoints import CheckpointLine, read_checkpoints
from auditviewer.integrity.report import Finding

MANIFEST = "manifest.json"
ENTRY_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")

@dataclass(slots=True)
class EntryFile:
    container: Container
    name: str
    #: Listed in a manifest: (sha256 hex, size) to check while reading.
    expected: tuple[str, int] | None
    plain: bool

    @property
    def label(self) -> str:
        return self.container.label(self.name)


@dataclass(slots=True)
class Workspace:
    paths: list[Path]
    containers: list[Container] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    entry_files: list[EntryFile] = field(default_factory=list)
    checkpoint_lines: list[CheckpointLine] = field(default_factory=list)
    proofs: list[tuple[str, ProofRows]] = field(default_factory=list)
    #: Proof files read but not parsed yet: parsed once every checkpoint is known
    #: (a proof is bounded by the largest checkpointed size, see read_proof).
    pending_proofs: list[tuple[str, bytes]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    limits: Limits = DEFAULT_LIMITS
    #: The viewer sets this: a file that fails mid-read (vanished, unreadable,
    #: truncated) becomes an error for that file and the rest still loads.
    #: The command line leaves it off, so such input is an error (exit 2).
    tolerate_file_errors: bool = False
    #: The errors tolerated, one per file, for the viewer to show.
    file_errors: list[InputError] = field(default_factory=list)
    #: ``annotations`` files (spec §5) whose manifest hash held: (label, bytes), the
    #: investigator's statement, shown apart from the entries (never read as entries).
    annotation_files: list[tuple[str, bytes]] = field(default_factory=list)
    #: Set by a load whose database may be sealed (workspace/loading.py, store_session.py):
    #: the readers then also hash each entry file with BLAKE3, into ``entry_blake3``.
    seal_digests: bool = False
    #: BLAKE3 of each entry file's bytes as this run's readers read and hashed them (label →
    #: hex, beside the SHA-256 the manifest is checked by): what a seal binds the files by,
    #: so that a sealed reopen checks them at BLAKE3's speed (workspace/seal.py).
    entry_blake3: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str | None:
        return self.manifests[0].origin if self.manifests else None

    @property
    def has_integrity_data(self) -> bool:
        return bool(self.manifests)

    @property
    def total_bytes(self) -> int:
        return sum(f.container.size(f.name) for f in self.entry_files)

    def known_entry_count(self) -> int | None:
        """How many entries the entry files hold, when their footers say so (every file
        Parquet on disk: its footer's row count); else None (JSONL, plain exports,
        members of a zip). For progress only: nothing is verified by it."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        total = 0
        for entry_file in self.entry_files:
            path = None if entry_file.plain else entry_file.container.local_path(entry_file.name)
            if path is None or not entry_file.name.lower().endswith(".parquet"):
                return None
            try:
                total += pq.read_metadata(path).num_rows
            except (OSError, pa.ArrowException):
                return None
        return total

    def close(self) -> None:
        for container in self.containers:
            container.close()

    def iter_batches(
        self, *, progress: Progress | None = None, cancelled: CancelCheck | None = None
    ) -> Iterator[LeafBatch]:
        """Leaf batches of every entry file; manifest hash findings are added as files finish."""
        total = max(self.total_bytes, 1)
        done = 0
        for entry_file in self.entry_files:
            try:
                size = entry_file.container.size(entry_file.name)
                at = [0]  # bytes of this file read so far, where the reader can tell
                for batch in _read_entry_file(entry_file, self, at):
                    if cancelled is not None and cancelled():
                        raise Cancelled("loading was cancelled")
                    yield batch
                    if progress is not None:
                        progress(done + min(at[0], size), total)
            except (InputError, OSError) as exc:
                if not self.tolerate_file_errors:
                    if isinstance(exc, OSError):
                        raise InputError(
                            f"cannot be read ({exc.strerror or exc})", path=entry_file.label
                        ) from exc
                    raise
                error = exc if isinstance(exc, InputError) else InputError(
                    f"cannot be read ({exc.strerror or exc})", path=entry_file.label
                )
                self.file_errors.append(error)
                self.findings.append(
                    Finding(
                        kind="missing_file",
                        message=f"{error}; the entries read before the error are kept",
                        file=entry_file.label,
                    )
                )
                size = 0
            done += size
            if progress is not None:
                progress(done, total)


def _hash_mismatch(entry_file: EntryFile, digest: str, size: int) -> Finding | None:
    if entry_file.expected is None:
        return None
    want_sha, want_size = entry_file.expected
    if digest == want_sha and size == want_size:
        return None
    return Finding(
        kind="file_hash_mismatch",
        message=(
            f"{entry_file.label}: the manifest lists sha256 {want_sha[:16]}… and {want_size} bytes, "
            f"the file has {digest[:16]}… and {size} bytes"
        ),
        file=entry_file.label,
    )


def _read_entry_file(
    entry_file: EntryFile, workspace: Workspace, at: list[int] | None = None
) -> Iterator[LeafBatch]:
    """The file's leaf batches; ``at[0]`` follows the stored bytes read (JSONL, gzip or not;
    for Parquet on disk, the share of its rows read, in bytes)."""
    container, name, limits = entry_file.container, entry_file.name, workspace.limits
    label = entry_file.label
    lower = name.lower()
    if entry_file.plain:
        yield from read_plain(container, name, limits=limits)
        return
    if lower.endswith(".parquet"):
        path = container.local_path(name)
        if path is not None:
            digest, size, fast_digest = _file_digest(container, name, fast=workspace.seal_digests)
            pf = open_parquet(path, label=label)
            rows = pf.metadata.num_rows  # from the footer: how far through the file, by rows
            pf.close()
            seen = 0
            for batch in read_parquet_entries(path, label=label, limits=limits):
                seen += batch.num_rows
                if at is not None and rows > 0:
                    at[0] = size * min(seen, rows) // rows
                yield batch
        else:
            data = container.read_bytes(name, limit=limits.max_in_memory_member_bytes)
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
            fast_digest = blake3(data).hexdigest() if workspace.seal_digests else None
            yield from read_parquet_entries(io.BytesIO(data), label=label, limits=limits)
    else:
        with container.open_raw(name) as raw:
            reader = HashingReader(raw, fast=workspace.seal_digests)
            stream = decompressed(reader, name=label, gz=lower.endswith(".gz"), limits=limits)
            for batch in read_jsonl(stream.read, source=label, limits=limits):
                if at is not None:
                    at[0] = reader.count
                yield batch
            reader.drain()
            digest, size = reader.sha256.hexdigest(), reader.count
            fast_digest = reader.blake3.hexdigest() if reader.blake3 is not None else None
    if fast_digest is not None:
        workspace.entry_blake3[label] = fast_digest
    finding = _hash_mismatch(entry_file, digest, size)
    if finding is not None:
        workspace.findings.append(finding)


def _normalised(path: str) -> str:
    """Where a non-normal manifest path would point if normalised (only to avoid naming one file twice)."""
    import posixpath

    return posixpath.normpath(path.replace("\\", "/")).lstrip("/")


def _file_digest(container: Container, name: str, *, fast: bool = False) -> tuple[str, int, str | None]:
    """SHA-256, size and (``fast``) BLAKE3 of a file, in one read (see HashingReader)."""
    with container.open_raw(name) as raw:
        reader = HashingReader(raw, fast=fast)
        reader.drain()
    return reader.sha256.hexdigest(), reader.count, reader.blake3.hexdigest() if reader.blake3 is not None else None


def _read_small(container: Container, name: str, limit: int) -> tuple[bytes, str]:
    data = container.read_bytes(name, limit=limit)
    return data, hashlib.sha256(data).hexdigest()


def open_workspace(paths: list[Path], *, limits: Limits = DEFAULT_LIMITS) -> Workspace:
    """Open inputs and read their small parts (manifests, checkpoints, proofs).

    Raises :class:`InputError` for an input that cannot be read at all.
    """
    workspace = Workspace(paths=list(paths), limits=limits)
    try:
        for path in paths:
            container = open_container(path, limits=limits)
            workspace.containers.append(container)
            names = container.names()
            if MANIFEST in names:
                _open_bundle(workspace, container, names)
            else:
                _open_plain(workspace, container, names)
        _read_proofs(workspace)
    except BaseException:
        workspace.close()
        raise
    if not workspace.has_integrity_data:
        workspace.findings.append(
            Finding(
                kind="no_integrity_data",
                message="a plain export without manifest or checkpoints: nothing in it can be verified",
            )
        )
    origins = {m.origin for m in workspace.manifests}
    if len(origins) > 1:
        workspace.findings.append(
            Finding(
                kind="foreign_checkpoint",
                message=(
                    "the inputs come from different logs ("
                    + ", ".join(quoted(o) for o in sorted(origins))
                    + f"); only {quoted(workspace.origin)} is verified"
                ),
            )
        )
    return workspace


def _read_proofs(workspace: Workspace) -> None:
    """Parse the proofs, each bounded by the largest size any checkpoint claims: a
    proof holds at most one row per omitted seq below it (issue 11.8: 30M repeated
    rows in a 341 KB file are refused from the footer)."""
    needed = max(
        (line.checkpoint.size for line in workspace.checkpoint_lines if line.checkpoint is not None),
        default=0,
    )
    while workspace.pending_proofs:
        label, raw = workspace.pending_proofs.pop(0)
        workspace.proofs.append(
            (label, read_proof(io.BytesIO(raw), label=label, limits=workspace.limits, needed=needed))
        )


def _open_plain(workspace: Workspace, container: Container, names: list[str]) -> None:
    plain = [n for n in names if is_plain_export(n)]
    if not plain:
        raise InputError(
            "has no manifest.json and no entries file (.json, .jsonl, .jsonl.gz, .csv, .parquet)",
            path=container.display,
        )
    for name in plain:
        workspace.entry_files.append(EntryFile(container, name, None, plain=True))


def _open_bundle(workspace: Workspace, container: Container, names: list[str]) -> None:
    limits = workspace.limits
    manifest_label = container.label(MANIFEST)
    data = container.read_bytes(MANIFEST, limit=limits.max_manifest_bytes)
    manifest = parse_manifest(data, label=manifest_label, limits=limits)
    workspace.manifests.append(manifest)
    present = set(names)
    listed = {f.path for f in manifest.files if f.problem is None}
    # A file listed under a path that is not normal is named by that one finding, not also as unlisted.
    named = {_normalised(f.path) for f in manifest.files if f.problem is not None}
    for extra in sorted(present - listed - named - {MANIFEST}):
        workspace.findings.append(
            Finding(
                kind="unlisted_file",
                message=f"{container.label(extra)} is not listed in the manifest and was not read",
                file=container.label(extra),
            )
        )
    for item in manifest.files:
        label = container.label(item.path)
        if item.problem is not None:
            workspace.findings.append(
                Finding(
                    kind="missing_file",
                    message=(
                        f"{manifest_label}: the {item.role} file is listed as {quoted(item.path)}, which {item.problem}: "
                        "not a normal path inside the bundle, so it was not read"
                    ),
                    file=manifest_label,
                )
            )
            continue
        if item.path not in present:
            workspace.findings.append(
                Finding(kind="missing_file", message=f"{label} is listed in the manifest but absent", file=label)
            )
            continue
        if item.role == "entries":
            if not item.path.lower().endswith(ENTRY_SUFFIXES):
                raise InputError("entries file is not .jsonl, .jsonl.gz or .parquet", path=label)
            workspace.entry_files.append(
                EntryFile(container, item.path, (item.sha256, item.size), plain=False)
            )
            continue
        if item.role == "annotations":
            # The investigator's statement, not the log's: only its hash is checked, it is never
            # read as entries, and a mismatch is a file finding, not tampering with the chain.
            # Kept (bounded) for the viewer only when the hash holds.
            if item.size <= limits.max_in_memory_member_bytes:
                raw, digest = _read_small(container, item.path, limits.max_in_memory_member_bytes)
                size = len(raw)
            else:
                raw = b""
                digest, size, _ = _file_digest(container, item.path)
            if digest == item.sha256 and size == item.size and raw:
                workspace.annotation_files.append((label, raw))
            if digest != item.sha256 or size != item.size:
                workspace.findings.append(
                    Finding(
                        kind="file_hash_mismatch",
                        message=(
                            f"{label}: the manifest lists sha256 {item.sha256[:16]}… and {item.size} bytes, "
                            f"the file has {digest[:16]}… and {size} bytes (annotations: not part of the signed log)"
                        ),
                        file=label,
                    )
                )
            continue
        if item.role == "checkpoints":
            raw, digest = _read_small(container, item.path, limits.max_checkpoints * limits.max_note_bytes)
            workspace.checkpoint_lines.extend(read_checkpoints(raw, label=label, limits=limits))
        else:
            raw, digest = _read_small(container, item.path, limits.max_in_memory_member_bytes)
            workspace.pending_proofs.append((label, raw))
        if digest != item.sha256 or len(raw) != item.size:
            workspace.findings.append(
                Finding(
                    kind="file_hash_mismatch",
                    message=(
                        f"{label}: the manifest lists sha256 {item.sha256[:16]}… and {item.size} bytes, "
                        f"the file has {digest[:16]}… and {len(raw)} bytes"
                    ),
                    file=label,
                )
            )
