"""Where a workspace's database lives: memory for small inputs, a reusable file for large ones.

A large workspace's database is kept in the cache folder under a name derived
from the *content* of its inputs (SHA-256 of every file), the format version
of the database and the application version, so opening the same exports
again reuses it. Anything wrong with a cached file — corrupt, truncated, from
an older version, locked by another process, or a full disk — never stops a
load: the file is set aside or a private one is used, or the workspace falls
back to memory, and the caller is told why in one line.

A reopened file is evidence of nothing: whoever can write the cache folder
can edit it. So a reused database is *proven* before any of its rows is
shown (:func:`prove_reused`): this run's verification pass records every
row it read (:class:`ReadRows`: seq, leaf hash, file and line, already
computed by the readers), and the file must hold exactly those rows, in the
same order, with display columns that its own text gives, states cleared,
and no object a workspace database never has. On any difference the file is
set aside and the workspace loaded afresh (:func:`rebuild`).

The file's half of the proof (:func:`read_stored`: every stored row read back,
the leaf hash of its stored bytes computed by the C extension, its display
columns derived again from its text by DuckDB) needs nothing from this run, so
it runs on a thread of its own while the inputs are verified
(:class:`ProofReading`); both halves reduce the rows to a SHA-256 digest per
column (:class:`_RowDigest`), and the proof compares the two. Measured at 1M
entries: the file's half costs about 2.5 CPU s (reading 0.9, hashing 0.6,
deriving the display columns 1.1), as much as verifying the inputs. Overlapped,
the two take one core each where two are free; on the shared 2-core machine the
project is measured on, the warm reopen took as long either way (6.1-6.3 s: wall
time equalled CPU time) for 150-170 MB more peak RSS. It cannot cost less and
stay sound: a display column is only known to be its text's by deriving it
again, and a leaf only by hashing it — without another trust anchor. That anchor
is the *seal* (:mod:`auditviewer.workspace.seal`): a MAC keyed by a secret
beside the trust store over the inputs' bytes, the file's bytes, the keys, the
remembered checkpoints fed and the report; a sealed file is reopened read-only
with its report, neither verified nor proven again. The proof here is the path
for everything else (no seal, a seal that does not hold), which seals the file
again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from auditviewer.core.errors import StoreError
from auditviewer.core.native import NATIVE
from auditviewer.input.containers import gzip_inflated_size
from auditviewer.input.formats.batches import LeafBatch, leaf_hashes
from auditviewer.store.store import Store
from auditviewer.workspace import cache_folder
from auditviewer.workspace.content import content_key
from auditviewer.workspace.inputs import Workspace

#: Inputs at least this large (bytes of entry text, uncompressed: see entry_text_bytes)
#: get a database file.
ON_DISK_BYTES = 256 * 1024 * 1024
#: Keep at least this much free space beyond the expected size of a new file.
FREE_SPACE_MARGIN = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DatabaseChoice:
    """Where to put the store, and what a person should be told about it."""

    database: str | Path  # ":memory:" or a file
    reusable: bool  # an existing, complete file for the same content may be reopened
    notice: str | None = None
    key: str | None = None
    #: A file for this workspace only, removed on close (see cache_folder.detach).
    temporary: bool = False


@dataclass(slots=True)
class OpenedStore:
    """A store ready for loading, or reopened already full (``reused``)."""

    store: Store
    reused: bool
    key: str | None
    notices: list[str]
    #: For a reused file: the rows this run reads, which the file must prove it holds.
    read: ReadRows | None = field(default=None)
    #: For a reused file: its half of the proof, read while verifying (see :class:`ProofReading`).
    stored: ProofReading | None = field(default=None)
    #: The file: reused (set aside by :func:`rebuild` when it fails its proof), or
    #: being built (removed if loading fails: nothing partial is left behind).
    path: Path | None = None
    #: The shared file for this content (not a temporary or private one): sealed after
    #: loading, so that the next opening may reuse it without a proof (workspace/seal.py).
    shared: bool = False

    @property
    def on_disk(self) -> bool:
        return self.key is not None

    def batch_handler(
        self, store_batch: Callable[[LeafBatch], None]
    ) -> Callable[[LeafBatch], None] | None:
        """What the verification pass hands each batch to: ``store_batch`` for a
        store being filled; for a reused one, the record it must be proven against."""
        if not self.reused:
            return store_batch
        if self.read is None:
            self.read = ReadRows()
        if self.stored is None:
            self.stored = ProofReading(self.store)
        return self.read.add


#: What a database file takes per byte of entry file, from measured upper bounds with a
#: margin (``benchmarks/bench_open.py`` with and without ``--sample``, ``bench_scale.py
#: --on-disk``): of uncompressed
#: JSON lines, 0.08 (benchmark entries) to 0.14 (realistic sample entries, 1M), so 0.25;
#: of compressed files (Parquet, ``.jsonl.gz``), 0.44 (benchmark) to 0.90 (realistic
#: sample, 3M Parquet), so 1.25. The text is stored compressed with zstd, and the
#: display columns are short and repetitive.
DATABASE_PER_TEXT_BYTE = 0.25
DATABASE_PER_COMPRESSED_BYTE = 1.25
#: What a database file takes whatever it holds (an empty one: 0.5 MiB).
DATABASE_FLOOR_BYTES = 1024 * 1024


def expected_database_bytes(workspace: Workspace) -> int:
    """How large the database of ``workspace`` is expected to grow (an upper estimate):
    for the free-space check and the cache folder's limit."""
    expected = float(DATABASE_FLOOR_BYTES)
    for entry in workspace.entry_files:
        lower = entry.name.lower()
        compressed = lower.endswith((".parquet", ".gz"))
        per_byte = DATABASE_PER_COMPRESSED_BYTE if compressed else DATABASE_PER_TEXT_BYTE
        expected += per_byte * entry.container.size(entry.name)
    return int(expected)


def entry_text_bytes(workspace: Workspace) -> int:
    """About how many bytes of entry text the store will hold: a Parquet entry file's
    ``entry`` column uncompressed (its footer says), a gzip file's inflated size (its
    trailer says), else the file's size. An in-memory DuckDB table is not compressed:
    1M entries in 93 MB of Parquet (491 MB of text) took the viewer to 1.58 GB in memory."""
    from auditviewer.input.formats.parquet import entry_text_bytes as parquet_text_bytes

    total = 0
    for entry_file in workspace.entry_files:
        size = entry_file.container.size(entry_file.name)
        path = entry_file.container.local_path(entry_file.name)
        name = entry_file.name.lower()
        if path is not None and name.endswith(".parquet") and not entry_file.plain:
            size = max(size, parquet_text_bytes(path) or 0)
        elif path is not None and name.endswith(".gz"):
            size = max(size, gzip_inflated_size(path) or 0)
        total += size
    return total


def choose_database(workspace: Workspace, *, folder: Path | None = None) -> DatabaseChoice:
    """Memory for small workspaces; for large ones the cached file for their content."""
    if entry_text_bytes(workspace) < ON_DISK_BYTES:
        return DatabaseChoice(":memory:", reusable=False)
    folder = folder if folder is not None else cache_folder.folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = _free_bytes(folder)
    except OSError as exc:
        return DatabaseChoice(":memory:", False, f"the cache folder {folder} is unusable ({exc}); kept in memory")
    expected = expected_database_bytes(workspace)
    if free is not None and free < expected + FREE_SPACE_MARGIN:
        return DatabaseChoice(
            ":memory:", False, f"not enough free disk space in {folder} for the workspace database; kept in memory"
        )
    key = content_key(workspace)
    # The folder's limit: room made by evicting least recently opened databases, or a
    # temporary file when it cannot be kept (cache_folder.place).
    placement = cache_folder.place(folder / f"workspace-{key[:32]}.duckdb", key, workspace.paths, expected=expected)
    notice = "; ".join(placement.notices) or None
    if placement.temporary:
        return DatabaseChoice(placement.database, reusable=False, notice=notice, key=key, temporary=True)
    return DatabaseChoice(placement.database, reusable=True, notice=notice, key=key)


def open_store(choice: DatabaseChoice) -> OpenedStore:
    """Reopen the cached database for this content, or start one; never fails for cache reasons.

    A damaged, incomplete or old-format file is set aside and rebuilt; a file
    locked by another process is left to it and a private file is used; a file
    that cannot be created at all falls back to memory.
    """
    notices = [choice.notice] if choice.notice else []
    if choice.temporary:
        try:
            store = Store(database=choice.database)
        except StoreError as exc:
            notices.append(f"cannot create a temporary workspace database ({exc}); kept in memory")
            return OpenedStore(Store(), False, None, notices)
        cache_folder.detach(Path(choice.database))
        # On disk like a cache file (a full disk falls back to memory), but never reused.
        return OpenedStore(store, False, choice.key, notices, path=Path(choice.database))
    if not choice.reusable or choice.key is None:
        return OpenedStore(Store(database=choice.database), False, None, notices)
    path = Path(choice.database)
    if path.exists():
        try:
            store = Store(database=path, existing=True)
        except StoreError as exc:
            if _is_lock_error(exc):
                notices.append("another window or process is using this workspace's database; building a private one")
                private = _fresh(private_database(path.parent), choice.key, notices)
                if private.path is not None:
                    cache_folder.detach(private.path)  # this process's only: gone once closed
                return private
            aside = set_aside(path)
            notices.append(
                f"the cached workspace database was unusable ({exc}); "
                + (f"set aside as {aside.name} and rebuilt" if aside else "rebuilt")
            )
        else:
            if store.stored_key() == choice.key:
                return OpenedStore(store, True, choice.key, notices, path=path, shared=True)
            store.close()
            set_aside(path)
            notices.append("the cached workspace database belonged to other content; rebuilt")
    return _fresh(path, choice.key, notices, shared=True)


def _fresh(path: Path, key: str, notices: list[str], *, shared: bool = False) -> OpenedStore:
    try:
        path.unlink(missing_ok=True)
        _remove_seal(path)
        return OpenedStore(Store(database=path), False, key, notices, path=path, shared=shared)
    except (StoreError, OSError) as exc:
        notices.append(f"cannot create the workspace database in {path.parent} ({exc}); kept in memory")
        return OpenedStore(Store(), False, None, notices)


def _remove_seal(path: Path) -> None:
    """A database's seal goes when its file is rebuilt or set aside: it names other bytes."""
    with contextlib.suppress(OSError):
        path.with_name(path.name + cache_folder.SEAL_SUFFIX).unlink(missing_ok=True)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text or "in use" in text or "resource temporarily unavailable" in text


def private_database(folder: Path | None = None) -> Path:
    """A fresh, unshared file: when the shared one is locked by another process."""
    return cache_folder.temporary_database(folder, prefix=cache_folder.PRIVATE_PREFIX)


def set_aside(path: Path) -> Path | None:
    """Move a damaged database file out of the way (kept for inspection); None if impossible."""
    target = path.with_name(path.name + f".damaged-{uuid.uuid4().hex[:8]}")
    _remove_seal(path)
    try:
        os.replace(path, target)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, target.with_name(target.name + ".wal"))
    except OSError:
        return None
    return target


def _free_bytes(folder: Path) -> int | None:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return stats.f_bavail * stats.f_frsize


class ReadRows:
    """Every row one verification pass read, in order: seq, leaf hash, file, line.

    Kept as Arrow arrays (about 50 bytes a row, the leaf hashes the readers
    computed anyway), from which :meth:`expected` gives the rows a store
    loaded from these batches holds, in its rid order.
    """

    def __init__(self) -> None:
        self._seqs: list[pa.Array] = []
        self._hashes: list[pa.Array] = []
        self._lines: list[pa.Array] = []
        self._sources: list[pa.Array] = []
        self._names: dict[str, int] = {}

    def add(self, batch: LeafBatch) -> None:
        table = batch.table
        rows = table.num_rows
        if rows == 0:
            return
        index = self._names.setdefault(batch.source, len(self._names))
        self._seqs.append(table.column("seq"))
        self._hashes.append(table.column("leaf_hash"))
        self._lines.append(table.column("line"))
        self._sources.append(pa.repeat(pa.scalar(index, pa.int32()), rows))

    @property
    def source_names(self) -> list[str]:
        return list(self._names)

    def expected(self) -> pa.Table:
        """The rows a store loaded from these batches holds, in rid order: identical
        entries (seq and bytes) folded to the first read, then stably sorted by seq
        (what :meth:`Store.finish` does)."""
        table = pa.table(
            {
                "seq": _concat(self._seqs, pa.int64()),
                "hash": _concat(self._hashes, pa.binary(32)),
                "line": _concat(self._lines, pa.int64()),
                "source": _concat(self._sources, pa.int32()),
            }
        )
        seq = table.column("seq")
        if table.num_rows < 2 or pc.all(pc.greater(seq[1:], seq[:-1])).as_py():
            return table
        order = pa.array(range(table.num_rows), pa.int64())
        table = table.append_column("order", order)
        firsts = table.group_by(["seq", "hash"], use_threads=False).aggregate([("order", "min")])
        table = table.filter(pc.is_in(table.column("order"), value_set=firsts.column("order_min")))
        return table.sort_by([("seq", "ascending"), ("order", "ascending")]).drop_columns(["order"])


def _concat(chunks: list[pa.Array], kind: pa.DataType) -> pa.Array:
    if not chunks:
        return pa.array([], kind)
    return pa.chunked_array(chunks, kind).combine_chunks()


def _hashes_of(leaves: pa.Array) -> pa.Array:
    """Leaf hashes (spec §3) of an Arrow binary array, by the C extension when it is there."""
    rows = len(leaves)
    if NATIVE is not None and rows:
        width = 8 if pa.types.is_large_binary(leaves.type) else 4
        _, offsets, data = leaves.buffers()
        digest = NATIVE.leaf_hashes(data if data is not None else pa.py_buffer(b""), offsets, leaves.offset, rows, width)
    else:
        digest = leaf_hashes(leaves.to_pylist())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(32), rows, [None, pa.py_buffer(digest)])


class CacheMismatch(StoreError):
    """A reused database failed :func:`prove_reused`; the message says how."""


def _exact_bytes(rows: pa.Table) -> pa.Array:
    """The stored bytes of each row: its text's UTF-8, or the bytes kept where they differ."""
    text = rows.column("leaf").combine_chunks().cast(pa.binary())
    kept = rows.column("leaf_bytes").combine_chunks()
    if kept.null_count == len(kept):
        return text
    return pc.if_else(pc.is_null(kept), text, kept)


#: What a missing line is digested as (with a flag saying it is missing).
_NO_LINE = -(2**63)


class _RowDigest:
    """SHA-256 over rows' seq, leaf hash, line and file, one digest per column fed with
    the columns' raw values, so that the same rows give the same digest however they
    are cut into batches. A file counts as the place of its first row among the files
    (:class:`_FirstSeen`), so rows match by position whatever the files' labels."""

    def __init__(self) -> None:
        self._columns = [hashlib.sha256() for _ in range(5)]
        self.rows = 0

    def add(self, seq: pa.Array, hashes: pa.Array, line: pa.Array, file: pa.Array) -> None:
        line = line.cast(pa.int64())
        values = (
            seq.cast(pa.int64()),
            hashes,
            pc.fill_null(line, _NO_LINE),
            pc.is_null(line).cast(pa.uint8()),  # a missing line is not any line
            file,
        )
        for digest, column, width in zip(self._columns, values, (8, 32, 8, 1, 4), strict=True):
            digest.update(_raw(column, width))
        self.rows += len(seq)

    def value(self) -> bytes:
        return b"".join(digest.digest() for digest in self._columns)


def _raw(values: pa.Array | pa.ChunkedArray, width: int) -> memoryview:
    """The values of a fixed-width Arrow array without nulls, as bytes."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if array.null_count:
        raise StoreError("a stored row lacks a value it must have")
    buffer = array.buffers()[1]
    if buffer is None or len(array) == 0:
        return memoryview(b"")
    start = array.offset * width
    return memoryview(buffer)[start : start + len(array) * width]


class _FirstSeen:
    """Numbers values by their first appearance (a missing one is -1)."""

    def __init__(self) -> None:
        self.order: list[object] = []
        self._known: set[object] = set()

    def indices(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        for value in pc.unique(values).to_pylist():  # in order of first appearance
            if value not in self._known:
                self._known.add(value)
                self.order.append(value)
        array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        found = pc.index_in(array, value_set=pa.array(self.order, array.type), skip_nulls=True)
        return pc.fill_null(found, -1).cast(pa.int32())


@dataclass(frozen=True, slots=True)
class StoredRows:
    """What a reused file holds, read before this run's rows are known (see :class:`ProofReading`)."""

    problem: str | None
    rows: int = 0
    digest: bytes = b""
    #: The files' labels in the order of their first rows.
    labels: tuple[str | None, ...] = ()


def read_stored(store: Store) -> StoredRows:
    """Everything the proof needs from the file: its catalog checked, its display columns
    and kept bytes checked against its own text, and a digest of its rows' seqs, leaf
    hashes of the stored bytes, lines and files, in rid order."""
    problem = store.catalog_problem()
    if problem is not None:
        return StoredRows(problem)
    return _read_stored(store)


def _read_stored(store: Store) -> StoredRows:
    digest = _RowDigest()
    labels = _FirstSeen()
    for batch in store.stored_rows():  # in rid order
        digest.add(
            batch.column("seq").combine_chunks(),
            _hashes_of(_exact_bytes(batch)),
            batch.column("line").combine_chunks(),
            labels.indices(batch.column("source")),
        )
        differing = store.derived_mismatches(batch)
        if differing:
            return StoredRows(f"{differing} row(s) have display columns their entry text does not give")
    # Rids dense (so rid order is position order); display columns of small entries.
    problem = store.derived_problem()
    if problem is not None:
        return StoredRows(problem)
    return StoredRows(None, digest.rows, digest.value(), tuple(labels.order))  # type: ignore[arg-type]


class ProofReading:
    """:func:`read_stored` on a thread of its own, started when verification starts.

    The file's half of the proof (reading and hashing every stored row in DuckDB and
    the C extension, both with the GIL released) needs nothing from this run, so it
    runs while the inputs are read and verified; the comparison after the pass is
    of two digests. Nothing of the store is shown before :func:`prove_reused`.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._result: StoredRows | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="auditviewer-cache-proof", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = read_stored(self._store)
        except BaseException as exc:  # handed to the thread that waits for the result
            self._error = exc

    def result(self) -> StoredRows:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def prove_reused(store: Store, read: ReadRows | None, stored: ProofReading | None = None) -> str | None:
    """Why the reopened ``store`` does not hold exactly the rows ``read`` (None: it does).

    ``stored``: the file's half, read while verifying (read here if None). On
    success its states are cleared as well, for this run's report to set, and its
    files get this run's labels.
    """
    try:
        return _prove(store, read, stored.result() if stored is not None else read_stored(store))
    except (StoreError, pa.ArrowException) as exc:
        return f"it cannot be read ({exc})"


def _prove(store: Store, read: ReadRows | None, stored: StoredRows) -> str | None:
    if stored.problem is not None:
        return stored.problem
    expected = (read or ReadRows()).expected()
    names = read.source_names if read is not None else []
    if stored.rows != expected.num_rows:
        more = stored.rows > expected.num_rows
        return f"it holds {'more' if more else 'fewer'} rows than the files"
    digest = _RowDigest()
    files = _FirstSeen()
    digest.add(
        expected.column("seq").combine_chunks(),
        expected.column("hash").combine_chunks(),
        expected.column("line").combine_chunks(),
        files.indices(expected.column("source")),
    )
    if digest.value() != stored.digest:
        return "its rows differ from the files' (their seqs, bytes, lines or files)"
    # Equal digests: the i-th file label in the store stands for the i-th file here.
    renamed: dict[str | None, str] = {}
    for label, index in zip(stored.labels, files.order, strict=True):
        name = names[int(index)]  # type: ignore[call-overload]
        if label != name:
            renamed[label] = name
    if None in renamed:
        return "its rows differ from the files' (a row without its file)"
    store.relabel_sources({str(old): new for old, new in renamed.items()})
    store.reset_states()
    return None


def rebuild(opened: OpenedStore, reason: str) -> OpenedStore:
    """A fresh store in place of a reused file that failed :func:`prove_reused` (set aside)."""
    opened.store.close()
    path = opened.path
    notices = [*opened.notices]
    key = opened.key
    if path is None or key is None:
        notices.append(f"the cached workspace database did not match the files ({reason}); rebuilt in memory")
        return OpenedStore(Store(), False, None, notices)
    aside = set_aside(path)
    notices.append(
        f"the cached workspace database did not match the files ({reason}); "
        + (f"set aside as {aside.name} and rebuilt" if aside else "rebuilt")
    )
    return _fresh(path, key, notices, shared=opened.shared)
