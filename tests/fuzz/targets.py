"""Fuzz targets: each takes the raw bytes of one untrusted input and runs it through the code
that reads it, the way the application would.

A target returns normally, or raises one of the documented domain exceptions
(:class:`auditviewer.core.errors.AuditViewerError` and subclasses), which it swallows.
Anything else escaping a target is a finding. Targets also check properties
that must hold for every input (see each docstring).

Shared by the hypothesis suite (tests/fuzz/test_fuzz.py) and the long-running
harness (tools/fuzz.py, atheris or a mutation loop). :data:`SEEDS` gives valid
inputs of each kind to mutate from.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import gzip
import hashlib
import io
import json
import random
import re
import shutil
import signal
import tempfile
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from auditviewer.core.errors import AuditViewerError, QueryError
from auditviewer.input.formats.manifest import parse_manifest
from auditviewer.integrity.chain import ZERO_HEAD, leaf_hash
from auditviewer.integrity.keys import parse_verifier_key
from auditviewer.integrity.notes import (
    check_signatures,
    checkpoint_text,
    parse_checkpoint,
    sign_note,
)
from auditviewer.integrity.report import Report
from auditviewer.query.sql import compile_query
from auditviewer.store.store import Filter, Store
from auditviewer.workspace.inputs import open_workspace
from auditviewer.workspace.loading import load
from auditviewer.workspace.verification import verify_workspace
from tests.helpers.bundle_builder import (
    ORIGIN,
    heads_of,
    make_entry,
    make_manifest,
    manifest_file,
    signer,
)

KEY = signer(b"fuzz")
OTHER_KEY = signer(b"fuzz-other", name="witness.example/w1")
TRUSTED = {(KEY.name, KEY.verifier.key_id): KEY.verifier}

#: What a target may raise: the domain exceptions, which every caller handles.
ALLOWED = (AuditViewerError,)

#: Per example: wall-clock bound and traced Python heap bound (inputs are at most ~64 KiB).
TIME_LIMIT_S = 20.0
MEMORY_LIMIT = 96 << 20


#: What the last input led to: "ok" or the shape of its domain error (the mutate engine
#: keeps inputs that lead somewhere new).
last_outcome = "ok"


def _shape(exc: BaseException) -> str:
    text = getattr(exc, "reason", None) or str(exc)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "_", text)
    return f"{type(exc).__name__}: {re.sub(r'[0-9]+', 'N', text)[:60]}"


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    """Swallow the domain exceptions (the documented outcome for bad input), noting which."""
    global last_outcome
    last_outcome = "ok"
    try:
        yield
    except ALLOWED as exc:
        last_outcome = _shape(exc)


def known_bug(exc: BaseException) -> str | None:
    """The reproducer (tests/fuzz/test_regressions.py, xfail) of a known, unfixed bug ``exc`` is,
    so that the CI fuzz tests stay green on it; the long harness still reports it.

    None are known now: the Parquet overflow reproducers pass since formats/parquet.py
    checks column types.
    """
    return None


class Hang(Exception):
    """An example ran past TIME_LIMIT_S (raised from a SIGALRM handler)."""


@contextlib.contextmanager
def bounded(
    seconds: float = TIME_LIMIT_S, memory: int | None = MEMORY_LIMIT, *, alarm: bool = True
) -> Iterator[None]:
    """Fail the example if it runs longer than ``seconds`` or its traced peak passes ``memory``.

    ``alarm`` interrupts a hang with SIGALRM (main thread, POSIX); leave it off where
    something else owns SIGALRM (libFuzzer's -timeout).
    """
    use_alarm = (
        alarm
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN)
    )

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"example still running after {seconds} s")

    if use_alarm:
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    tracing = memory is not None and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1] if tracing else 0
        if tracing:
            tracemalloc.stop()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"example took {elapsed:.1f} s"
    if memory is not None:
        assert peak < memory, f"example peaked at {peak >> 20} MiB of Python heap"


# ---------------------------------------------------------------------------
# Building valid inputs (seeds)


def _leaves(n: int, start: int = 0) -> list[bytes]:
    return [make_entry(i) for i in range(start, start + n)]


def _checkpoint_lines(log: list[bytes], sizes: list[int], origin: str = ORIGIN) -> bytes:
    heads = heads_of(log)
    lines = []
    for size in sizes:
        head = heads[size - 1] if size else ZERO_HEAD
        note = sign_note(
            checkpoint_text(origin, size, head, "2026-10-01T00:00:00Z"), KEY.name, KEY.key
        )
        lines.append(json.dumps({"note": note}))
    return ("\n".join(lines) + "\n").encode()


def _manifest(files: dict[str, tuple[bytes, str]], origin: str = ORIGIN) -> bytes:
    return json.dumps(
        make_manifest(
            [manifest_file(path, role, data) for path, (data, role) in files.items()],
            origin=origin,
            keys=[KEY.verifier_string],
            organization={"id": "org_f", "name": "Fuzz"},
            query="actor:user1@example.com",
        ),
        indent=1,
    ).encode()


def _parquet(columns: dict[str, pa.Array | list[object]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


LOG = _leaves(12)
CHECKPOINTS = _checkpoint_lines(LOG, [4, 8, 12])
ENTRIES_JSONL = b"".join(leaf + b"\n" for leaf in LOG)
ENTRIES_PARQUET = _parquet(
    {
        "seq": pa.array(range(12), pa.int64()),
        "entry": [leaf.decode() for leaf in LOG],
        "head": heads_of(LOG),
    }
)
PROOF_PARQUET = _parquet(
    {"seq": pa.array([4, 5, 6, 7], pa.int64()), "leaf_hash": [leaf_hash(leaf) for leaf in LOG[4:8]]}
)
MANIFEST = _manifest(
    {
        "entries/part-00000.jsonl": (ENTRIES_JSONL, "entries"),
        "checkpoints.jsonl": (CHECKPOINTS, "checkpoints"),
    }
)


def _dashboard_rows() -> list[dict[str, object]]:
    return [
        {
            "timestamp": f"2026-09-0{1 + i}T10:00:00Z",
            "event_type": "Nakama Deployment Update",
            "metadata": {
                "email": f"u{i}@example.com",
                "resource": "dragon",
                "image": {"after": "3.22"},
            },
        }
        for i in range(3)
    ]


def _csv(rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO()
    out.write("timestamp,event_type,metadata,seq\n")
    for i, row in enumerate(rows):
        meta = json.dumps(row["metadata"]).replace('"', '""')
        out.write(f'{row["timestamp"]},{row["event_type"]},"{meta}",{i}\n')
    return out.getvalue().encode()


def _note_seeds() -> list[bytes]:
    text = checkpoint_text(ORIGIN, 12, heads_of(LOG)[-1], "2026-10-01T00:00:00Z")
    note = sign_note(text, KEY.name, KEY.key)
    witness = sign_note(text, OTHER_KEY.name, OTHER_KEY.key).rsplit("\n\n", 1)[1]
    return [note.encode(), (note + witness).encode(), (note + witness * 20).encode()]


# ---------------------------------------------------------------------------
# Targets


class _Workdir:
    """One scratch folder per process, emptied for each example."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="auditviewer-fuzz-"))
        self.count = 0
        atexit.register(shutil.rmtree, self.root, ignore_errors=True)

    def fresh(self) -> Path:
        self.count += 1
        folder = self.root / f"ex{self.count % 2}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        return folder


@functools.cache
def _workdir() -> _Workdir:
    return _Workdir()


#: Share of examples that also go through the store (DuckDB) — a store costs ~0.1 s an
#: example; the long harness sets it to 1.
STORE_SHARE = 0.25


def _check_report(report: Report) -> None:
    assert report.status in {"verified", "failed", "incomplete", "error"}
    assert 0 <= report.verified_entries <= report.entries
    assert sum(report.state_counts.values()) == report.entries


def _load_and_show(path: Path, data: bytes) -> None:
    """What the viewer does with a path: open, verify, store, then show a window of rows.

    Without the store (see STORE_SHARE) it is what ``auditviewer verify`` does.
    """
    share = int.from_bytes(hashlib.sha256(data).digest()[:4], "big") / 2**32
    if share >= STORE_SHARE:
        workspace = open_workspace([path])
        try:
            _check_report(verify_workspace(workspace, [KEY.verifier, OTHER_KEY.verifier]))
        finally:
            workspace.close()
        return
    loaded = load([path], [KEY.verifier, OTHER_KEY.verifier])
    with loaded:
        _check_report(loaded.report)
        store = loaded.store
        view = store.create_view(Filter(query="actor:* OR -seq:0..3"))
        store.window(view, 0, 50)
        store.facet_counts(Filter(), "actor_email")
        store.scope_tree()
        store.histogram(Filter(), 20)


def _bundle(files: dict[str, bytes], manifest_files: dict[str, tuple[bytes, str]]) -> Path:
    folder = _workdir().fresh()
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / "manifest.json").write_bytes(_manifest(manifest_files))
    return folder


def run_manifest(data: bytes) -> None:
    """manifest.json bytes: parse_manifest, then the whole bundle opened with this manifest.

    Property: a parsed manifest lists each path once, none leaving the bundle.
    """
    with domain_errors():
        manifest = parse_manifest(data, label="fuzz/manifest.json")
    if last_outcome != "ok":
        return
    paths = [f.path for f in manifest.files]
    assert len(paths) == len(set(paths))
    assert all(not p.startswith("/") and ".." not in p.split("/") for p in paths)
    folder = _workdir().fresh()
    (folder / "entries").mkdir()
    (folder / "entries" / "part-00000.jsonl").write_bytes(ENTRIES_JSONL)
    (folder / "checkpoints.jsonl").write_bytes(CHECKPOINTS)
    (folder / "manifest.json").write_bytes(data)
    with domain_errors():
        _load_and_show(folder, data)


def run_jsonl(data: bytes) -> None:
    """An entries file (``.jsonl``; first byte odd: ``.jsonl.gz``), with valid signed checkpoints.

    If ``data`` holds ``SPLIT``, what follows it replaces checkpoints.jsonl.
    """
    entries, _, checkpoints = data.partition(SPLIT)
    if not _:
        checkpoints = CHECKPOINTS
    name = "entries/part-00000.jsonl"
    if entries[:1] and entries[0] & 1:
        name += ".gz"
        entries = gzip.compress(entries[1:], compresslevel=1)
    files = {name: entries, "checkpoints.jsonl": checkpoints}
    folder = _bundle(
        files, {name: (entries, "entries"), "checkpoints.jsonl": (checkpoints, "checkpoints")}
    )
    with domain_errors():
        _load_and_show(folder, data)


SPLIT = b"\n\x00SPLIT\x00\n"


def run_parquet(data: bytes) -> None:
    """A Parquet file: as the entries file (first byte even) or as the proof of a slice (odd)."""
    as_proof = bool(data[:1]) and data[0] & 1 == 1
    body = data[1:]
    if as_proof:
        entries = b"".join(leaf + b"\n" for leaf in LOG[:4] + LOG[8:])
        files = {
            "entries/e.jsonl": entries,
            "checkpoints.jsonl": CHECKPOINTS,
            "proof.parquet": body,
        }
        listed = {
            "entries/e.jsonl": (entries, "entries"),
            "checkpoints.jsonl": (CHECKPOINTS, "checkpoints"),
            "proof.parquet": (body, "proof"),
        }
    else:
        files = {"entries/e.parquet": body, "checkpoints.jsonl": CHECKPOINTS}
        listed = {
            "entries/e.parquet": (body, "entries"),
            "checkpoints.jsonl": (CHECKPOINTS, "checkpoints"),
        }
    with domain_errors():
        _load_and_show(_bundle(files, listed), data)


def run_notes(data: bytes) -> None:
    """A signed note: parse_checkpoint, then check_signatures against the fuzz key.

    Property: a signature by the trusted key is valid only over the exact text
    the key signed (no parsing trick makes other text verify).
    """
    note = data.decode("utf-8", "surrogateescape")
    with domain_errors():
        checkpoint = parse_checkpoint(note)
    if last_outcome != "ok":
        return
    assert checkpoint.text.endswith(b"\n") and checkpoint.signatures
    assert 0 <= checkpoint.size < 10**19 and len(checkpoint.head) == 32
    for result in check_signatures(checkpoint.text, checkpoint.signatures, TRUSTED):
        if result.valid:
            assert checkpoint.text in _SIGNED_TEXTS, (
                "a trusted signature verified over unsigned text"
            )


_SIGNED_TEXTS = {
    checkpoint_text(ORIGIN, 12, heads_of(LOG)[-1], "2026-10-01T00:00:00Z").encode()
} | {
    checkpoint_text(ORIGIN, size, heads_of(LOG)[size - 1], "2026-10-01T00:00:00Z").encode()
    for size in (4, 8, 12)
}


def run_keys(data: bytes) -> None:
    """A verifier key string. Property: a key that parses prints back as the same string."""
    text = data.decode("utf-8", "surrogateescape")
    with domain_errors():
        key = parse_verifier_key(text)
    if last_outcome != "ok":
        return
    assert key.to_string() == text.strip()
    assert len(key.public_key) == 32 and len(key.key_id) == 4


# -- query -------------------------------------------------------------------

_SQL_WORDS = frozenset(
    {
        "coalesce", "contains", "lower", "regexp_matches", "try", "ILIKE", "ESCAPE", "false", "TRUE", "AND", "OR", "NOT", "json_extract_string",
        "metadata", "leaf", "state", "seq", "time", "category", "action", "event_type", "actor_email",
        "actor_name", "resource_id", "resource_name", "resource_type", "title_id", "title_name", "id",
    }
)  # fmt: skip


@functools.cache
def _query_store() -> tuple[Store, int]:
    store = Store()
    leaves = _leaves(20)
    leaves.append(make_entry(20, metadata={"a.b": {'c"d': "x%_\\*y"}, "": 1, "~/": ["é", None]}))
    leaves.append(
        make_entry(21, actor={"type": "system"}, resource=None, title=None, time="not a time")
    )
    leaves.append(b'{"seq":22,"not":"an entry"}')
    leaves.append(b"\xff\xfe not utf-8")
    table = pa.table(
        {"seq": pa.array(range(len(leaves)), pa.int64()), "leaf": pa.array(leaves, pa.binary())}
    )
    store.append(table)
    store.finish()
    store.set_states([(0, 9, "verified"), (10, 15, "failed")])
    store.lock_down()
    return store, len(leaves)


def check_sql_is_ours(where: str, params: list[object]) -> None:
    """No text the person typed reaches the SQL: only our words, operators and placeholders."""
    assert where.count("?") == len(params), (where, params)
    assert where.replace("'\\'", "").count("'") == 0, where
    assert ";" not in where and "--" not in where and "/*" not in where, where
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", where))
    assert words <= _SQL_WORDS, words - _SQL_WORDS


def run_query(data: bytes) -> None:
    """A search query: compile_query, then run it on a small locked-down store.

    Properties: the SQL is ours alone (see check_sql_is_ours); running it raises
    no store error; a query and its negation partition the entries.
    """
    text = data.decode("utf-8", "surrogateescape")  # lone surrogates: QueryError, not a store error
    with domain_errors():
        compiled = compile_query(text, tz=UTC)
    if last_outcome != "ok":
        return
    check_sql_is_ours(compiled.where, compiled.params)
    store, total = _query_store()
    matched = store.count_matching(Filter(query=text))
    assert 0 <= matched <= total
    if text.strip():
        try:
            negated = store.count_matching(Filter(query=f"-({text})"))
        except QueryError:
            return
        assert matched + negated == total, (text, matched, negated)


# -- plain exports and zips ------------------------------------------------------

_PLAIN_KINDS = (".json", ".csv", ".jsonl", ".parquet")


def run_plain(data: bytes) -> None:
    """A plain export: first byte picks JSON array, CSV, JSONL or Parquet; the rest is the file."""
    if not data:
        return
    suffix = _PLAIN_KINDS[data[0] % len(_PLAIN_KINDS)]
    path = _workdir().fresh() / f"export{suffix}"
    path.write_bytes(data[1:])
    with domain_errors():
        _load_and_show(path, data)


def run_zip(data: bytes) -> None:
    """A bundle zip (its central directory, names, sizes and compression are all untrusted)."""
    path = _workdir().fresh() / "bundle.zip"
    path.write_bytes(data)
    with domain_errors():
        _load_and_show(path, data)


def _zip_seed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("bundle/manifest.json", MANIFEST)
        z.writestr("bundle/entries/part-00000.jsonl", ENTRIES_JSONL)
        z.writestr("bundle/checkpoints.jsonl", CHECKPOINTS)
    return buffer.getvalue()


TARGETS: dict[str, Callable[[bytes], None]] = {
    "manifest": run_manifest,
    "jsonl": run_jsonl,
    "parquet": run_parquet,
    "notes": run_notes,
    "keys": run_keys,
    "query": run_query,
    "plain": run_plain,
    "zip": run_zip,
}


@functools.cache
def seeds(target: str) -> list[bytes]:
    """Valid (and near-valid) inputs of each target, to mutate from."""
    rows = _dashboard_rows()
    entry_rows = [json.loads(leaf) for leaf in LOG[:3]]
    table: dict[str, list[bytes]] = {
        "manifest": [MANIFEST],
        "jsonl": [
            ENTRIES_JSONL,
            b"\x01" + ENTRIES_JSONL,
            ENTRIES_JSONL + SPLIT + CHECKPOINTS,
            b"".join(leaf + b"\n" for leaf in LOG[2:]),
        ],
        "parquet": [b"\x00" + ENTRIES_PARQUET, b"\x01" + PROOF_PARQUET],
        "notes": _note_seeds(),
        "keys": [KEY.verifier_string.encode(), OTHER_KEY.verifier_string.encode()],
        "query": [
            q.encode()
            for q in (
                'dragon "image rollback"',
                'actor:user1@* category:"Nakama*" -status:failed',
                "seq:100..200 time:>=2026-09-01 (a OR b) c",
                'meta.image.after:*3.22* meta."a.b"."c\\"d":x*',
                "time:2026-09-01T12:00+02:00..2026-09-02 seq:>5 seq:<=7",
            )
        ],
        "plain": [
            b"\x00" + json.dumps(rows).encode(),
            b"\x00" + json.dumps({"entries": entry_rows}).encode(),
            b"\x01" + _csv(rows),
            b"\x02" + b"".join(json.dumps(r).encode() + b"\n" for r in rows),
            b"\x02" + ENTRIES_JSONL,
            b"\x03" + ENTRIES_PARQUET,
            b"\x03"
            + _parquet(
                {"timestamp": ["2026-09-01T00:00:00Z"], "event_type": ["A B"], "metadata": ["{}"]}
            ),
        ],
        "zip": [_zip_seed()],
    }
    return table[target]


# ---------------------------------------------------------------------------
# Byte-level mutation (the fallback harness, and hypothesis' mutation tests)

_TOKENS = [
    b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b"\n", b"\n\n", b"\x00", b"\xff", b"\xe2\x80\x94 ",
    b"-1", b"0", b"18446744073709551616", b"1e999", b"NaN", b"null", b"true", b'"seq"', b'"entry"',
    b"\\ud800", b"..", b"/", b"+", b"=", b"*", b"%", b"_", b"'", b";", b"--", b"OR", b"AND", b"(", b")",
    b"meta.", b"time:", b"seq:", b"status:", b'"note":', b"PAR1", b"PK\x03\x04", b"\x1f\x8b",
]  # fmt: skip


def mutate(data: bytes, rnd: random.Random, *, others: list[bytes] | None = None) -> bytes:
    """One to eight random edits: flips, inserts, deletions, duplications, tokens, splices."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(8)
        pos = rnd.randint(0, len(buf))
        if op == 0 and buf:
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 1 and buf:
            i = rnd.randrange(len(buf))
            buf[i] = rnd.randrange(256)
        elif op == 2:
            buf[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        elif op == 3 and buf:
            end = min(len(buf), pos + rnd.randint(1, 64))
            del buf[pos:end]
        elif op == 4 and buf:
            start = rnd.randrange(len(buf))
            chunk = buf[start : start + rnd.randint(1, 256)]
            buf[pos:pos] = chunk * rnd.randint(1, 4)
        elif op == 5:
            buf[pos:pos] = rnd.choice(_TOKENS)
        elif op == 6 and others:
            other = rnd.choice(others)
            if other:
                start = rnd.randrange(len(other))
                buf[pos:] = other[start : start + rnd.randint(1, 512)]
        elif op == 7 and buf:
            # An ASCII digit run becomes another number (sizes, seqs, lengths).
            i = rnd.randrange(len(buf))
            buf[i : i + 1] = str(rnd.choice([0, 1, 7, 255, 65536, 2**31, 2**63, 2**64])).encode()
    return bytes(buf[: 1 << 16])


def digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()[:9]).decode()
