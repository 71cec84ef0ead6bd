"""Realistic, correctly signed sample audit bundles (spec ``bundle-v1``): the writer.

The demo the application opens on first start, the fixtures of tests and the
bundles of scale tests (ten million entries) all come from here. Everything a
bundle holds is made exactly as an exporter makes it: entries in RFC 8785
canonical form (:mod:`.entries`, from the world of :mod:`.world` and the events
of :mod:`.events`), the hash chain of spec §3, C2SP checkpoints signed with a
demo Ed25519 key at the export's first seq, every 1024 entries and at the last
entry, and a manifest that lists every file with its hash.

Output depends only on the arguments: the same seed gives the same bytes, so
tests can pin the result and the demo key is known in advance.

Generation streams: entries are made, hashed and written in batches, so memory
does not grow with the size of the log. The bundle (a folder, or a zip) appears
at its path through the one atomic writer (``core/atomic.py``): staged beside
it, fsynced, renamed; an error or an interrupt leaves nothing. Qt-free; never
import PySide6 here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from nacl.signing import SigningKey

from auditviewer.core import paths
from auditviewer.core.atomic import atomic_output
from auditviewer.core.domain import DEMO_ORIGIN
from auditviewer.core.errors import ExportError
from auditviewer.core.progress import Progress
from auditviewer.core.times import format_rfc3339, format_rfc3339_ms
from auditviewer.demo.entries import EntryStream
from auditviewer.demo.events import COVERAGE
from auditviewer.demo.world import World
from auditviewer.integrity.chain import ZERO_HEAD, heads, leaf_hashes
from auditviewer.integrity.keys import VerifierKey, valid_key_name
from auditviewer.integrity.notes import checkpoint_text, sign_note

DEFAULT_ORIGIN = DEMO_ORIGIN
# Fixed rather than "now": the bytes must depend on the arguments only.
DEFAULT_EXPORTED_AT = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)


CHECKPOINT_INTERVAL = 1024
PARQUET_ROW_GROUP = 65536
# Entries made, hashed and written per step: small enough to keep memory
# flat, large enough that the per-batch overhead vanishes; divides the row group.
_BATCH = 8192
# Exported entries cover about three months: the dashboard's retention.
_SPAN_MS = 92 * 86_400_000
# The last entry lands this long before exported_at, leaving room for the
# final checkpoint's signing time.
_END_MARGIN_MS = 3_600_000
# Entries before the export (start_seq > 0) are squeezed into at most this
# much earlier history, so a long hidden prefix never reaches back to year 0.
_PREFIX_SPAN_MS = 3 * 365 * 86_400_000

DEMO_ENTRIES = 3000
DEMO_SEED = 1
# Bump when the generator's output changes, so cached demos are regenerated.
DEMO_GENERATION = 1


@dataclass(frozen=True, slots=True)
class SampleResult:
    """What :func:`write_sample_bundle` wrote."""

    path: Path
    verifier_key: str  # the verifier key string that verifies its checkpoints
    entries: int
    origin: str
    first_seq: int = 0
    checkpoints: int = 0


# --------------------------------------------------------------------------
# Keys


def sample_signing_key(seed: int) -> SigningKey:
    """The demo Ed25519 signing key of ``seed``: public knowledge, for samples only."""
    return SigningKey(hashlib.sha256(b"auditviewer-demo" + str(seed).encode("ascii")).digest())


def sample_origin(*, entries: int, seed: int, start_seq: int = 0) -> str:
    """An origin of its own for each distinct sample history.

    Samples of different sizes are different histories (their times are spread
    over the same months), so sharing one origin and key would make any two of
    them look like a forked log to a verifier that remembers checkpoints.
    """
    suffix = f"-sample-{entries}-seed{seed}" + (f"-from{start_seq}" if start_seq else "")
    return DEFAULT_ORIGIN + suffix


def sample_verifier_key(*, seed: int = DEMO_SEED, origin: str = DEFAULT_ORIGIN) -> str:
    """The verifier key string of the bundles written with this seed and origin."""
    public = bytes(sample_signing_key(seed).verify_key)
    return VerifierKey.from_public_key(origin, public).to_string()


# --------------------------------------------------------------------------
# Writing


class _HashingFile:
    """A binary file that hashes and counts what is written, for the manifest."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "xb")  # noqa: SIM115 - closed in close()
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.sha256.update(data)
        self.size += len(data)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        self._file.close()


class _JsonlSink:
    """``entries/part-00000.jsonl``: one leaf a line, hashed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = _HashingFile(path)

    def add(self, first_seq: int, lines: list[str], leaves: list[bytes], hs: list[bytes]) -> None:
        self._file.write(b"\n".join(leaves) + b"\n")

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.abort()

    def digest(self) -> tuple[str, int]:
        return self._file.sha256.hexdigest(), self._file.size


class _ParquetSink:
    """``entries/part-00000.parquet``: seq, entry and recorded head, in row groups of 64k."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa  # deferred: the JSONL demo should not pay for pyarrow's import
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self._schema = pa.schema(
            [("seq", pa.int64()), ("entry", pa.string()), ("head", pa.binary())]
        )
        self._writer = pq.ParquetWriter(
            path,
            self._schema,
            compression="zstd",
            # Entries and heads are unique: dictionaries and min/max stats only cost.
            use_dictionary=["seq"],
            write_statistics=["seq"],
        )
        # Batches are held as Arrow data until a row group is full: compact,
        # where the Python strings of a whole row group would cost several times more.
        self._pending: list[Any] = []
        self._rows = 0

    def add(self, first_seq: int, lines: list[str], leaves: list[bytes], hs: list[bytes]) -> None:
        pa = self._pa
        n = len(lines)
        self._pending.append(
            pa.record_batch(
                [
                    pa.array(range(first_seq, first_seq + n), type=pa.int64()),
                    pa.array(lines, type=pa.string()),
                    pa.array(hs, type=pa.binary()),
                ],
                schema=self._schema,
            )
        )
        self._rows += n
        if self._rows >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            table = self._pa.Table.from_batches(self._pending, schema=self._schema)
            self._writer.write_table(table, row_group_size=PARQUET_ROW_GROUP)
        self._pending, self._rows = [], 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()

    def abort(self) -> None:
        self._pending = []
        with contextlib.suppress(Exception):
            self._writer.close()

    def digest(self) -> tuple[str, int]:
        return _file_digest(self.path)


def _file_digest(path: Path) -> tuple[str, int]:
    """sha256 hex and size of a file, fsynced first so the rename publishes it whole."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
        f.seek(0)
        while chunk := f.read(1 << 22):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _rfc3339_seconds(ms: int) -> str:
    return format_rfc3339_ms(ms)


class _Signer:
    """Signs the checkpoints of one export; times follow the entries they cover."""

    def __init__(self, *, seed: int, origin: str, end_ms: int) -> None:
        self.key = sample_signing_key(seed)
        self.origin = origin
        self.rng = random.Random(f"auditviewer-sample-checkpoints:{seed}")
        self.end_ms = end_ms
        self.last_ms = 0
        self.notes: list[str] = []

    def sign(self, size: int, head: bytes, after_ms: int) -> None:
        # Signed a little after the entry it covers: a log signs on a timer, not per entry.
        t = min(max(after_ms + self.rng.randrange(1000, 600_000), self.last_ms), self.end_ms)
        self.last_ms = t
        text = checkpoint_text(self.origin, size, head, _rfc3339_seconds(t))
        self.notes.append(sign_note(text, self.origin, self.key))


def _checkpoint_sizes(lo: int, hi: int, last: int) -> Iterator[int]:
    """Checkpoint sizes in (lo, hi]: multiples of the interval, and ``last``."""
    k = (lo // CHECKPOINT_INTERVAL + 1) * CHECKPOINT_INTERVAL
    while k <= hi:
        yield k
        k += CHECKPOINT_INTERVAL
    if lo < last <= hi and last % CHECKPOINT_INTERVAL:
        yield last


_DateTime = tuple[int, int, int, int, int, int]


def _zip_dir(src: Path, dest: Path, *, folder: str, date_time: _DateTime) -> None:
    """Zip ``src`` into ``dest`` under one top-level ``folder``; fixed dates keep it reproducible."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    with zipfile.ZipFile(dest, "x", allowZip64=True) as zf:
        for path in files:
            rel = path.relative_to(src).as_posix()
            info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=date_time)
            info.external_attr = 0o644 << 16
            info.file_size = path.stat().st_size  # lets zipfile choose ZIP64 up front
            if path.suffix == ".parquet":
                info.compress_type = zipfile.ZIP_STORED  # already compressed
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                # Level 1: JSON text still shrinks ~5x, several times faster than the default.
                # Python 3.13 renamed the (slotted) attribute.
                level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
                setattr(info, level, 1)
            with open(path, "rb") as f, zf.open(info, "w") as w:
                shutil.copyfileobj(f, w, 1 << 22)
    with open(dest, "rb+") as f:
        os.fsync(f.fileno())


def write_sample_bundle(
    out: Path,
    *,
    entries: int = 3000,
    fmt: Literal["jsonl", "parquet"] = "jsonl",
    seed: int = 1,
    zip_: bool = False,
    origin: str = DEFAULT_ORIGIN,
    start_seq: int = 0,
    progress: Progress | None = None,
    overwrite: bool = False,
    exported_at: datetime = DEFAULT_EXPORTED_AT,
    time_regressions: bool = False,
) -> SampleResult:
    """Write a signed sample bundle of ``entries`` entries, seq ``start_seq`` on, to ``out``.

    ``out`` is the bundle directory, or with ``zip_`` the ``.zip`` file (its
    files inside one top-level folder named like it). Everything is written
    beside ``out`` under a temporary name and renamed at the end (``core/atomic.py``),
    so an error or an interrupt leaves no half bundle at ``out``; an existing
    ``out`` raises :class:`FileExistsError` unless ``overwrite``; a failure to
    write raises :class:`OSError` or an :class:`ExportError` naming the file.

    ``progress(done, total)`` is called after each batch; ``total`` counts the
    entries before ``start_seq`` too, which are made (not written) to compute
    the head the first checkpoint commits to. An exception it raises cancels
    the write, cleanly. ``time_regressions`` makes about one entry in 512
    earlier than the one before it, to exercise ``time_regression``.
    """
    out = Path(out)
    if entries < 1:
        raise ValueError("a sample bundle needs at least one entry")
    if start_seq < 0:
        raise ValueError("start_seq must be >= 0")
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown entry format {fmt!r}")
    if not valid_key_name(origin):
        raise ValueError(f"origin {origin!r} is not usable as a key name (spaces or '+')")
    if exported_at.tzinfo is None:
        raise ValueError("exported_at must be timezone-aware")
    if os.path.lexists(out) and not overwrite:
        # Checked again when publishing; here to fail before minutes of work.
        raise FileExistsError(f"{out} already exists")

    out.parent.mkdir(parents=True, exist_ok=True)

    def write_files(folder: Path) -> int:
        return _write_bundle_files(
            folder,
            entries=entries,
            fmt=fmt,
            seed=seed,
            origin=origin,
            start_seq=start_seq,
            progress=progress,
            exported_at=exported_at,
            time_regressions=time_regressions,
        )

    if zip_:
        # The files are made in a scratch folder, then zipped into the staged zip.
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
        try:
            checkpoints = write_files(staging)
            folder = out.name[:-4] if out.name.lower().endswith(".zip") else out.name
            t = exported_at.astimezone(UTC)
            stamp = (t.year, t.month, t.day, t.hour, t.minute, t.second)
            with atomic_output(out, overwrite=overwrite, kind="file") as staged_zip:
                _zip_dir(staging, staged_zip, folder=folder, date_time=stamp)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    else:
        with atomic_output(out, overwrite=overwrite, kind="dir") as bundle:
            checkpoints = write_files(bundle)
    return SampleResult(
        path=out,
        verifier_key=sample_verifier_key(seed=seed, origin=origin),
        entries=entries,
        origin=origin,
        first_seq=start_seq,
        checkpoints=checkpoints,
    )


@dataclass(slots=True)
class _Plan:
    world: World
    stream: EntryStream  # positioned at seq 0, on the timeline of the earlier entries
    start_ms: int  # the export's first entry is no earlier than this
    gap_ms: float  # one exported entry per gap


def _plan(
    *, seed: int, entries: int, start_seq: int, exported_at: datetime, time_regressions: bool
) -> _Plan:
    """The world and the entry stream of the whole log up to the export's end."""
    world = World(random.Random(f"auditviewer-sample-world:{seed}"), exported_at)
    stream = EntryStream(seed=seed, world=world, time_regressions=time_regressions)
    end_ms = int(exported_at.timestamp() * 1000) - _END_MARGIN_MS
    gap = _SPAN_MS / entries
    start_ms = end_ms - int(gap * entries)
    if entries >= len(COVERAGE):
        step = entries // len(COVERAGE)
        stream.forced = {start_seq + k * step + step // 2: ti for k, ti in enumerate(COVERAGE)}
    if start_seq:
        prefix_gap = min(gap, _PREFIX_SPAN_MS / start_seq)
        stream.set_timeline(start_ms=start_ms - int(prefix_gap * start_seq), gap_ms=prefix_gap)
    return _Plan(world=world, stream=stream, start_ms=start_ms, gap_ms=gap)


def _write_bundle_files(
    bundle: Path,
    *,
    entries: int,
    fmt: str,
    seed: int,
    origin: str,
    start_seq: int,
    progress: Progress | None,
    exported_at: datetime,
    time_regressions: bool,
) -> int:
    """Write entries, checkpoints and manifest into ``bundle``; returns the checkpoint count."""
    plan = _plan(
        seed=seed,
        entries=entries,
        start_seq=start_seq,
        exported_at=exported_at,
        time_regressions=time_regressions,
    )
    stream, start_ms, gap = plan.stream, plan.start_ms, plan.gap_ms
    total = start_seq + entries
    last = total  # size of the log after the export's last entry
    signer = _Signer(seed=seed, origin=origin, end_ms=int(exported_at.timestamp() * 1000))

    head = ZERO_HEAD
    if start_seq:
        # The earlier entries are not exported, but the checkpoint at the
        # export's first seq commits to them: make them to hash them.
        done = 0
        while done < start_seq:
            n = min(_BATCH, start_seq - done)
            hs = heads(head, leaf_hashes(line.encode() for line in stream.batch(n)))
            head = hs[-1]
            done += n
            if progress:
                progress(done, total)
        signer.sign(start_seq, head, start_ms)
    stream.set_timeline(start_ms=start_ms, gap_ms=gap)

    def time_after(size: int) -> int:
        # Upper end of the slot of entry size-1: never before that entry.
        return start_ms + int((size - start_seq) * gap)

    (bundle / "entries").mkdir()
    sink: _JsonlSink | _ParquetSink
    if fmt == "jsonl":
        sink = _JsonlSink(bundle / "entries" / "part-00000.jsonl")
    else:
        sink = _ParquetSink(bundle / "entries" / "part-00000.parquet")
    try:
        done = start_seq
        while done < total:
            n = min(_BATCH, total - done)
            lines = stream.batch(n)
            leaves = [line.encode() for line in lines]
            hs = heads(head, leaf_hashes(leaves))
            for size in _checkpoint_sizes(done, done + n, last):
                signer.sign(size, hs[size - done - 1], time_after(size))
            head = hs[-1]
            sink.add(done, lines, leaves, hs)
            done += n
            if progress:
                progress(done, total)
    except BaseException:
        sink.abort()  # the staging folder goes next; just release the file
        raise
    sink.close()
    rel = sink.path.relative_to(bundle).as_posix()
    entries_digest = sink.digest()

    cp_data = "".join(json.dumps({"note": note}) + "\n" for note in signer.notes).encode()
    cp_sink = _HashingFile(bundle / "checkpoints.jsonl")
    cp_sink.write(cp_data)
    cp_sink.close()

    manifest = {
        "format": "audit-bundle",
        "version": 1,
        "origin": origin,
        "organization": plan.world.organization,
        "scope": {"type": "organization"},
        "exported_at": format_rfc3339(exported_at),
        "files": [
            {
                "path": rel,
                "role": "entries",
                "sha256": entries_digest[0],
                "size": entries_digest[1],
            },
            {
                "path": "checkpoints.jsonl",
                "role": "checkpoints",
                "sha256": cp_sink.sha256.hexdigest(),
                "size": cp_sink.size,
            },
        ],
        "keys": [sample_verifier_key(seed=seed, origin=origin)],
    }
    m_sink = _HashingFile(bundle / "manifest.json")
    m_sink.write((json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    m_sink.close()
    return len(signer.notes)


# --------------------------------------------------------------------------
# The demo


def demo_verifier_key() -> str:
    """The verifier key that verifies the demo bundle."""
    return sample_verifier_key(seed=DEMO_SEED, origin=DEFAULT_ORIGIN)


def demo_bundle_path() -> Path:
    """The demo bundle in the cache folder, generated on first use (about a second)."""
    path = paths.cache_dir() / "demo" / f"acme-games-demo-{DEMO_GENERATION}"
    # Bundles appear by rename only, so a manifest means a complete bundle.
    if (path / "manifest.json").is_file():
        return path
    try:
        write_sample_bundle(path, entries=DEMO_ENTRIES, seed=DEMO_SEED, fmt="jsonl")
    except (OSError, ExportError):
        # Another process published it first (or left junk): theirs if complete.
        if (path / "manifest.json").is_file():
            return path
        raise
    return path
