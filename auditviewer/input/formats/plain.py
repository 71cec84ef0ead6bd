"""Plain exports (no manifest): JSON array, JSONL, CSV or Parquet of entries.

They carry no integrity data. Rows in the dashboard's shape
``{timestamp, event_type, metadata}`` are turned into the entry shape so the
viewer shows them in the same columns; rows in the entry shape keep their
stored bytes. Rows without a ``seq`` are numbered by position.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from auditviewer.core.domain import split_event_type
from auditviewer.core.errors import InputError, LimitError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.containers import CHUNK, Container, HashingReader, decompressed
from auditviewer.input.formats.batches import LeafBatch, Problem, add_problem, make_batch
from auditviewer.input.formats.entry import MAX_SEQ, check_leaf, dumps_opaque, loads_opaque
from auditviewer.input.formats.parquet import open_parquet

PLAIN_SUFFIXES = (".json", ".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".parquet")
BATCH = 65_536
_ACTOR_KEYS = ("email", "actor_email")
_RESOURCE_KEYS = ("resource", "resource_name", "name")


def is_plain_export(name: str) -> bool:
    return name.lower().endswith(PLAIN_SUFFIXES)


def canonical(obj: Any) -> bytes:
    # Numbers too long to convert (read as BigNumber) are written back as their digits.
    text = dumps_opaque(obj, sort_keys=True, default=_jsonable)
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (JSON allows "\\ud800"): keep it as an escape, not as invalid UTF-8.
        return dumps_opaque(obj, sort_keys=True, ensure_ascii=True, default=_jsonable).encode()


def _too_deep(value: Any, max_depth: int) -> bool:
    """Whether a parsed JSON value nests deeper than ``max_depth`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _loads(text: str | bytes) -> Any:
    """json.loads for text inside a row (numbers of any length kept as written); too deep to parse is
    ValueError like any other bad JSON."""
    try:
        return loads_opaque(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def normalize(record: dict[str, Any], position: int) -> dict[str, Any]:
    """An entry-shaped object for one plain-export record (dashboard shape converted)."""
    if "event_type" in record and "category" not in record:
        out: dict[str, Any] = {k: v for k, v in record.items() if k not in {"timestamp", "event_type"}}
        category, action = split_event_type(str(record.get("event_type", "")))
        metadata = record.get("metadata")
        if isinstance(metadata, str):
            try:
                metadata = _loads(metadata)
            except ValueError:
                metadata = {"text": metadata}
        metadata = metadata if isinstance(metadata, dict) else {}
        email = next((metadata[k] for k in _ACTOR_KEYS if isinstance(metadata.get(k), str)), None)
        resource = next((metadata[k] for k in _RESOURCE_KEYS if isinstance(metadata.get(k), str)), None)
        out.update(
            seq=record.get("seq", position),
            id=str(record.get("id", f"row-{position + 1}")),
            time=str(record.get("timestamp", "")),
            category=category,
            action=action,
            actor={"email": email, "type": "user"} if email else {"type": "system"},
            resource={"type": None, "id": None, "name": resource} if resource else None,
            title=None,
            metadata=metadata,
        )
        return out
    record = dict(record)
    record.setdefault("seq", position)
    if isinstance(record.get("metadata"), str):
        with contextlib.suppress(ValueError):
            record["metadata"] = _loads(record["metadata"])
    for key in ("actor", "resource", "title"):
        if isinstance(record.get(key), str):
            with contextlib.suppress(ValueError):
                record[key] = _loads(record[key])
    return record


def _records_batches(
    records: Iterator[tuple[int, Any]], *, label: str, limits: Limits
) -> Iterator[LeafBatch]:
    seqs: list[int] = []
    leaves: list[bytes] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for position, (number, record) in enumerate(records):
        if len(problems) >= BATCH:  # a file of bad rows: its problems go on in batches too
            yield make_batch(label, seqs, leaves, lines, problems=problems)
            seqs, leaves, lines, problems = [], [], [], []
        if isinstance(record, _Unreadable):
            add_problem(problems, number, str(record))
            continue
        if isinstance(record, bytes):
            check = check_leaf(record, limits=limits, keep=True)
            if check.value is None and check.seq is None:
                # Not an entry; maybe a dashboard-shaped row (an object too, so it starts with '{').
                try:
                    if record.lstrip(b" \t\r")[:1] != b"{":
                        raise ValueError(check.problem)
                    record = _loads(record)
                except ValueError:
                    add_problem(problems, number, check.problem or "unreadable row")
                    continue
            else:
                seqs.append(check.seq if check.seq is not None else position)
                leaves.append(record)
                lines.append(number)
                continue
        if not isinstance(record, dict):
            problems.append(Problem(number, f"row is a JSON {type(record).__name__}, not an object"))
            continue
        if _too_deep(record, limits.max_json_depth):
            problems.append(Problem(number, f"JSON nested deeper than {limits.max_json_depth} levels (limit max_json_depth)"))
            continue
        entry = normalize(record, position)
        if _too_deep(entry, limits.max_json_depth):
            problems.append(Problem(number, f"JSON nested deeper than {limits.max_json_depth} levels (limit max_json_depth)"))
            continue
        leaf = canonical(entry)
        if len(leaf) > limits.max_entry_bytes:
            problems.append(
                Problem(
                    number,
                    f"entry is {len(leaf)} bytes, over the {limits.max_entry_bytes}-byte limit (limit max_entry_bytes)",
                )
            )
            continue
        seq = entry.get("seq")
        valid_seq = isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= MAX_SEQ
        seqs.append(seq if valid_seq and isinstance(seq, int) else position)
        leaves.append(leaf)
        lines.append(number)
        if len(lines) >= BATCH:
            yield make_batch(label, seqs, leaves, lines, problems=problems)
            seqs, leaves, lines, problems = [], [], [], []
    if lines or problems:
        yield make_batch(label, seqs, leaves, lines, problems=problems)


def read_plain(container: Container, name: str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[LeafBatch]:
    """Leaf batches of one plain export file."""
    label = container.label(name)
    lower = name.lower()
    if lower.endswith(".parquet"):
        yield from _plain_parquet(container, name, label=label, limits=limits)
        return
    with container.open_raw(name) as raw:
        reader = HashingReader(raw)
        stream = decompressed(reader, name=label, gz=lower.endswith(".gz"), limits=limits)
        if lower.endswith(".json"):
            data = _read_all(stream, limit=limits.max_in_memory_member_bytes, label=label)
            try:
                value = loads_opaque(data)
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise InputError(f"is not a JSON array of entries ({exc})", path=label) from exc
            if isinstance(value, dict) and isinstance(value.get("entries"), list):
                value = value["entries"]
            if not isinstance(value, list):
                raise InputError("is not a JSON array of entries", path=label)
            yield from _records_batches(
                ((i + 1, item) for i, item in enumerate(value)), label=label, limits=limits
            )
        elif lower.endswith(".csv"):
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="")  # type: ignore[type-var]
            try:
                rows = csv.DictReader(text)
                yield from _records_batches(_csv_records(rows), label=label, limits=limits)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise InputError(f"is not readable CSV ({exc})", path=label) from exc
        else:
            from auditviewer.input.formats.jsonl import split_lines

            lines = (
                (number, line)
                for number, line in split_lines(stream.read, source=label, limits=limits)
                if line.strip()
            )
            yield from _records_batches(lines, label=label, limits=limits)


def _read_all(stream: Any, *, limit: int, label: str) -> bytes:
    """A whole JSON document, which has to be parsed in one piece, up to ``limit`` bytes."""
    parts = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise LimitError(
                f"is a JSON document over {limit} bytes (limit max_in_memory_member_bytes); "
                "export it as JSONL instead",
                path=label,
            )
        parts.append(chunk)
    return b"".join(parts)


class _Unreadable(str):
    """A row that could not be read at all; its text says why (a ``malformed_entry``)."""


#: Unreadable CSV rows in a row before the file is given up as not CSV at all.
_MAX_BAD_CSV_ROWS = 1000


def _csv_rows(rows: csv.DictReader[str]) -> Iterator[dict[str | Any, str | Any] | _Unreadable]:
    """Rows, with a row the csv module refuses (a field over its 128 KiB field limit, ...)
    as one problem instead of the end of the file."""
    bad = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            bad += 1
            if bad > _MAX_BAD_CSV_ROWS:
                raise
            yield _Unreadable(f"row is not readable CSV ({exc})")
            continue
        bad = 0
        yield row


def _csv_records(rows: csv.DictReader[str]) -> Iterator[tuple[int, Any]]:
    for row in _csv_rows(rows):
        number = rows.line_num
        if isinstance(row, _Unreadable):
            yield number, row
            continue
        entry = row.get("entry")
        if entry:
            yield number, entry.encode()
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
        if "seq" in record:
            try:
                record["seq"] = int(record["seq"])
            except ValueError:
                del record["seq"]
        yield number, record


def _plain_parquet(container: Container, name: str, *, label: str, limits: Limits) -> Iterator[LeafBatch]:
    path = container.local_path(name)
    source: Any = path if path is not None else io.BytesIO(
        container.read_bytes(name, limit=limits.max_in_memory_member_bytes)
    )
    pf = open_parquet(source, label=label)
    has_entry = "entry" in pf.schema_arrow.names
    row = 0

    def records() -> Iterator[tuple[int, Any]]:
        nonlocal row
        for batch in pf.iter_batches(batch_size=BATCH, columns=["entry"] if has_entry else None):
            if has_entry:
                for value in batch.column(0).cast(pa.binary()).to_pylist():
                    row += 1
                    yield row, value if value is not None else b""
            else:
                for item in batch.to_pylist():
                    row += 1
                    yield row, {k: _jsonable(v) for k, v in item.items()}

    try:
        yield from _records_batches(records(), label=label, limits=limits)
    except (pa.ArrowException, OSError, ValueError, OverflowError) as exc:
        raise InputError(f"cannot be read past row {row} ({exc})", path=label) from exc


def _jsonable(value: Any) -> Any:
    """A JSON value for a Parquet cell (also json.dumps' ``default`` for nested ones)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | list | dict) or value is None:
        return value
    return str(value)  # Decimal, timedelta, ...
