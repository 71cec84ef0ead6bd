"""A sealed workspace: a cached database reused with its verification report, unverified again.

A reopened database file is evidence of nothing by itself: whoever can write the
cache folder can edit it. :mod:`auditviewer.workspace.cache` proves a reused file
row by row against this run's verification of the inputs (``prove_reused``), which
costs as much as a cold open's verification plus reading, hashing and deriving
every stored row again. A *seal* makes that unnecessary when nothing changed.

The secret
    32 random bytes in the user's config folder, beside the trust store
    (``core/paths.py:seal_secret_path``; ``AUDITVIEWER_SEAL_KEY`` names another
    file), created once, with mode 0600 from its creation on, through the one
    atomic writer (``core/atomic.py``), and never in the cache folder. Whoever can
    write the config folder can already add a trusted key to the trust store, so a
    MAC keyed by this secret is as strong as the trust store itself: a writer of
    the cache folder alone cannot forge a seal. A secret that is not a regular file
    of exactly 32 bytes, or that others may read or write (POSIX mode bits), is
    not used: nothing is sealed and nothing sealed is reused.

The seal
    ``workspace-<key>.duckdb.seal`` beside the database: one header line,
    ``auditviewer-seal 2 <HMAC-SHA256 hex>``, then the record (:class:`SealRecord`,
    JSON) whose exact bytes the MAC covers: the application and database format
    versions; the content key (it counts a manifest-listed entry file by its listed
    SHA-256, every other file by its own: a workspace is sealed only when its
    verification found every listed file's bytes as listed, no ``file_hash_mismatch``
    or ``missing_file`` finding); the BLAKE3 of each listed entry file's bytes as the
    verification's readers read and hashed them (``Workspace.entry_blake3``: the
    same bytes whose SHA-256 matched the listing, with no second read); the input
    files' labels (the report and the rows name them); the SHA-256 and size of the
    database file's bytes; the trust inputs, as resolved (every verifier key the
    verification was given, trust store and ``--trust``: :func:`trust_digest`); the
    remembered checkpoints the verification was fed (:func:`memory_digest`); the
    memory limit the load chose; whether the states are in the file's column; and
    the verification report itself, whole (:class:`ReportRecord`).

    A seal is written right after a load's last checkpoint of the file
    (:func:`seal_database`, from ``finish_store``'s callers), for a shared file
    that this run built from inputs it verified, or reused after today's full
    proof; never for a temporary or private file, a report with an error, a load
    with files that failed, nor when the memory changed during the load. It is
    sealed then, not at close: the viewer may be ended by a quit without closing
    (``app.run``), and if DuckDB wrote the file afterwards the digest no longer
    matches and the next opening proves the file instead (a seal is never
    *wrongly* honoured, only sometimes not honoured).

Reopening (:func:`open_sealed`)
    Before anything else, the seal is read (bounded by ``Limits.max_seal_bytes``),
    its MAC checked with :func:`hmac.compare_digest` *before* its record is parsed,
    then the record parsed strictly (``core/strict_json.py``, then a
    ``msgspec.Struct`` refusing unknown fields); versions, content key, labels,
    trust and memory must be this run's; the database file must have no
    write-ahead log beside it and hash to the sealed digest; the content key is
    computed and every listed entry file hashed with BLAKE3 (5.3 GB/s on the
    measuring machine against SHA-256's 1.1, which was the bulk of a sealed reopen's
    time; on a thread, while the database is hashed and opened, Cancel asked between
    reads), and both must be the sealed ones; DuckDB then opens
    the file **read-only** (it can never rewrite it: the bytes stay those sealed,
    so a seal stays valid for every later opening, and two processes may read one
    sealed file at once), and its identity (device, inode, size, times) must be
    what was hashed. The store's states come from the sealed report; the report is
    shown as it was sealed. Only what depends on state outside the inputs is
    applied again: the annotations (attached per session, never in the file), and
    memory — the remembered checkpoints are *part of the seal* (a change of what
    would be fed means verifying again: a fork or ``log_continues`` that memory
    now shows appears), and this report is remembered again as after a full load.
    Anything else — no secret, a secret unreadable, a seal missing, damaged,
    oversized or of another secret, other file bytes, another trust decision,
    another version — takes today's full path (verify and prove), which seals the
    file again. ``auditviewer verify`` never reads a seal: it always verifies the
    bytes.

Soundness is that of the trust store: rows shown as verified on a sealed reopen
are the rows of a file whose bytes are those this machine's app sealed after
verifying (or proving) them with the same keys and memory, from inputs of the same
bytes. Out of scope, as for the full proof: a writer of the cache folder *while*
the workspace is open (DuckDB reads blocks on demand), and anyone who can read the
secret (the user's own config folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from auditviewer import __version__
from auditviewer.core.atomic import write_file
from auditviewer.core.errors import ExportError, StoreError
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.core.paths import seal_secret_path
from auditviewer.core.progress import CancelCheck, Progress
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.integrity.report import Report
from auditviewer.store.store import DATABASE_FORMAT, Store
from auditviewer.workspace.cache import DatabaseChoice, OpenedStore
from auditviewer.workspace.cache_folder import SEAL_SUFFIX
from auditviewer.workspace.content import blake3_of, content_key, sha256_of
from auditviewer.workspace.inputs import Workspace
from auditviewer.workspace.memory import remembered_to_feed
from auditviewer.workspace.seal_record import (
    SealError,
    SealRecord,
    encode_seal,
    read_seal,
    report_of,
    report_record,
)

#: Bytes of the secret.
SECRET_BYTES = 32
#: Findings after which the content key is not the inputs' digest (a listed file's
#: bytes were not as listed), or a file was not read whole: never sealed. Nor are lines
#: that are not entries: the viewer lists them after the entries from the load's own
#: readers (store/malformed.py), which a sealed reopen does not run.
_UNSEALABLE_FINDINGS = frozenset({"file_hash_mismatch", "missing_file", "malformed_entry"})


def seal_path(database: Path) -> Path:
    """The seal beside a database file."""
    return database.with_name(database.name + SEAL_SUFFIX)


# -- the secret ----------------------------------------------------------------------


def read_secret(path: Path | None = None) -> bytes | None:
    """The secret, or None when there is none or it cannot be trusted to be secret."""
    path = path if path is not None else seal_secret_path()
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            data = handle.read(SECRET_BYTES + 1)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or len(data) != SECRET_BYTES:
        return None
    if os.name == "posix" and (info.st_mode & 0o077 or info.st_uid != os.getuid()):
        return None  # readable or writable by others: not a secret
    return data


def secret(*, create: bool) -> bytes | None:
    """The secret; with ``create``, made when there is none yet (32 random bytes, mode 0600)."""
    path = seal_secret_path()
    found = read_secret(path)
    if found is not None or not create or os.path.lexists(path):
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not overwriting: of two processes creating it at once, one wins, and both use it.
        write_file(path, secrets.token_bytes(SECRET_BYTES), overwrite=False, mode=0o600)
    except (OSError, ExportError):
        pass
    return read_secret(path)


# -- what a verdict depends on besides the inputs ------------------------------------


def trust_digest(keys: Iterable[VerifierKey]) -> str:
    """The trust inputs as resolved: every verifier key the verification is given."""
    digest = hashlib.sha256(b"auditviewer-seal trust 1\n")
    for text in sorted({key.to_string() for key in keys}):
        digest.update(text.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


def memory_digest(workspace: Workspace, keys: Iterable[VerifierKey], memory: CheckpointMemory | None) -> str:
    """The remembered checkpoints a verification of ``workspace`` is fed, with what the
    report says of them (when and where first seen); none without memory."""
    digest = hashlib.sha256(b"auditviewer-seal memory 1\n")
    if memory is None:
        return digest.hexdigest()
    remembered, fed = remembered_to_feed(workspace, list(keys), memory)
    records = {record.note: record for record in remembered}
    for line in fed:
        if line.checkpoint is None:
            continue
        record = records.get(line.checkpoint.note)
        for part in (line.checkpoint.note, record.first_seen if record else "", record.source if record else ""):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()


def input_labels(workspace: Workspace) -> list[str]:
    """Every input file as the report and the rows name it."""
    return [container.label(name) for container in workspace.containers for name in container.names()]


@dataclass(frozen=True, slots=True)
class SealContext:
    """What a seal binds besides the files: computed once per load."""

    trust: str
    memory: str
    labels: tuple[str, ...]

    @classmethod
    def of(
        cls, workspace: Workspace, keys: Iterable[VerifierKey], memory: CheckpointMemory | None = None
    ) -> SealContext:
        keys = list(keys)
        return cls(trust_digest(keys), memory_digest(workspace, keys, memory), tuple(input_labels(workspace)))


# -- the record ------------------------------------------------------------------------


# -- the database file ------------------------------------------------------------------


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def file_digest(
    path: Path, *, cancelled: CancelCheck | None = None, progress: Callable[[int], None] | None = None
) -> tuple[str, int, tuple[int, ...]]:
    """SHA-256 of a file's bytes, its size, and its identity when it was opened."""
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        digest = sha256_of(handle, cancelled=cancelled, progress=progress)
        size = handle.tell()
        after = os.fstat(handle.fileno())
    if _identity(before) != _identity(after):
        raise OSError(f"{path} changed while it was hashed")
    return digest, size, _identity(after)


# -- sealing --------------------------------------------------------------------------


def listed_entry_digests(workspace: Workspace) -> dict[str, str] | None:
    """The BLAKE3 of every manifest-listed entry file as this run's readers hashed it
    (beside the SHA-256 its listing was checked by); None when one was not read whole."""
    digests: dict[str, str] = {}
    for entry in workspace.entry_files:
        if entry.expected is None:
            continue  # counted in the content key by its own SHA-256
        digest = workspace.entry_blake3.get(entry.label)
        if digest is None:
            return None
        digests[entry.label] = digest
    return digests


def seal_database(
    opened: OpenedStore, report: Report, context: SealContext | None, workspace: Workspace
) -> bool:
    """Seal ``opened``'s file after its load's last checkpoint (see the module docstring);
    True when a seal was written. Never raises for a seal that cannot be written."""
    path, key = opened.path, opened.key
    if (
        context is None
        or not opened.shared
        or path is None
        or key is None
        or report.status == "error"
        or workspace.file_errors
        or any(f.kind in _UNSEALABLE_FINDINGS for f in report.findings)
    ):
        return False
    target = seal_path(path)
    with contextlib.suppress(OSError):
        target.unlink(missing_ok=True)  # an older seal names other bytes
    if path.with_name(path.name + ".wal").exists():
        return False
    secret_key = secret(create=True)
    if secret_key is None:
        return False
    fast = listed_entry_digests(workspace)
    if fast is None:
        return False
    try:
        sha, size, _ = file_digest(path)
        record = SealRecord(
            app=__version__,
            database_format=DATABASE_FORMAT,
            key=key,
            labels=list(context.labels),
            database_sha256=sha,
            database_size=size,
            trust=context.trust,
            memory=context.memory,
            memory_limit=opened.store.memory_limit,
            states_in_file=opened.store.states_in_file,
            report=report_record(report),
            entry_blake3=fast,
        )
        data = encode_seal(record, secret_key)
        if len(data) > DEFAULT_LIMITS.max_seal_bytes:
            return False
        write_file(target, data)
    except (OSError, ExportError, msgspec.EncodeError):
        return False
    return True


# -- reopening ---------------------------------------------------------------------------


@dataclass(slots=True)
class SealedStore:
    """A sealed database reopened read-only, with its sealed report."""

    store: Store
    report: Report
    path: Path
    key: str


def open_sealed(
    choice: DatabaseChoice,
    workspace: Workspace,
    context: SealContext,
    *,
    cancelled: CancelCheck | None = None,
    progress: Progress | None = None,
) -> tuple[SealedStore | None, str | None]:
    """The sealed database of this workspace, reopened read-only with its report; or
    (None, why not) — then today's full path runs. Never raises for a seal's reasons
    (:class:`~auditviewer.core.errors.Cancelled` when ``cancelled`` says so while the
    files are hashed; ``progress(bytes hashed, bytes in all)``)."""
    if not choice.reusable or choice.key is None or choice.temporary:
        return None, "no shared database"
    path = Path(choice.database)
    target = seal_path(path)
    if not path.exists() or not target.exists():
        return None, "no seal"
    secret_key = secret(create=False)
    if secret_key is None:
        return None, "no secret"
    try:
        record = read_seal(target, secret_key)
    except SealError as exc:
        return None, str(exc)
    if record.app != __version__ or record.database_format != DATABASE_FORMAT:
        return None, "sealed by another version"
    if record.key != choice.key or tuple(record.labels) != context.labels:
        return None, "sealed for other files"
    if record.trust != context.trust:
        return None, "sealed under another trust decision"
    if record.memory != context.memory:
        return None, "sealed with other remembered checkpoints"
    if path.with_name(path.name + ".wal").exists():
        return None, "the database has a write-ahead log"
    # The inputs (the bulk: 514 MB at 1M entries) are hashed on a thread while this one
    # hashes the database and opens it: both release the GIL.
    inputs = _InputHashing(workspace, cancelled, progress)
    try:
        sealed, why = _open_checked(path, record, inputs, cancelled)
    finally:
        inputs.stop()
    return sealed, why


class _InputHashing:
    """On a thread: :func:`content_key` (a listed entry file by its listed SHA-256) and
    the BLAKE3 of each listed entry file's bytes, which the seal binds; :meth:`result`
    waits for both. BLAKE3 ran at 5.3 GB/s here against SHA-256's 1.1 (0.10 s against
    0.46 s for 514 MB): the bulk of a sealed reopen was this SHA-256 pass."""

    def __init__(self, workspace: Workspace, cancelled: CancelCheck | None, progress: Progress | None) -> None:
        import threading

        self._stopped = False
        self._key: str | None = None
        self._digests: dict[str, str] = {}
        self._error: BaseException | None = None
        listed = [entry for entry in workspace.entry_files if entry.expected is not None]
        total = sum(entry.container.size(entry.name) for entry in listed)

        def stop_asked() -> bool:
            return self._stopped or (cancelled is not None and cancelled())

        def run() -> None:
            try:
                self._key = content_key(workspace, cancelled=stop_asked)
                hashed = [0]
                for entry in listed:
                    with entry.container.open_raw(entry.name) as raw:
                        self._digests[entry.label] = blake3_of(
                            raw,
                            cancelled=stop_asked,
                            progress=None if progress is None else (lambda done: progress(done, total)),
                            hashed=hashed,
                        )
            except BaseException as exc:  # handed to the thread that waits for the result
                self._error = exc

        self._thread = threading.Thread(target=run, name="auditviewer-seal-inputs", daemon=True)
        self._thread.start()

    def result(self) -> tuple[str, dict[str, str]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._key is not None
        return self._key, self._digests

    def stop(self) -> None:
        """Stop hashing (the seal failed on another count) and wait for the thread."""
        self._stopped = True
        self._thread.join()


def _open_checked(
    path: Path, record: SealRecord, inputs: _InputHashing, cancelled: CancelCheck | None
) -> tuple[SealedStore | None, str | None]:
    try:
        sha, size, identity = file_digest(path, cancelled=cancelled)
    except OSError as exc:
        return None, f"the database cannot be read ({exc})"
    if sha != record.database_sha256 or size != record.database_size:
        return None, "the database's bytes are not those sealed"
    try:
        store = Store(database=path, existing=True, read_only=True)
    except StoreError as exc:
        return None, f"the database cannot be opened read-only ({exc})"
    try:
        if _identity(os.stat(path)) != identity or store.stored_key() != record.key:
            raise StoreError("the database changed while it was opened")
        try:
            if inputs.result() != (record.key, record.entry_blake3):
                store.close()
                return None, "the files' bytes are not those sealed"
        except OSError as exc:
            store.close()
            return None, f"the files cannot be read ({exc})"
        report = report_of(record.report)
        if record.memory_limit is not None and record.memory_limit != store.memory_limit:
            store.restore_memory_limit(record.memory_limit)
        if not record.states_in_file:
            store.set_states(report.state_ranges)  # a few ranges, kept in the session
        store.lock_down()
    except BaseException as exc:
        store.close()
        if isinstance(exc, OSError | StoreError | ValueError):
            return None, f"the sealed database cannot be used ({exc})"
        raise
    return SealedStore(store, report, path, record.key), None


__all__ = [
    "SECRET_BYTES",
    "SealContext",
    "SealedStore",
    "file_digest",
    "input_labels",
    "listed_entry_digests",
    "memory_digest",
    "open_sealed",
    "read_secret",
    "seal_database",
    "seal_path",
    "secret",
    "trust_digest",
]
