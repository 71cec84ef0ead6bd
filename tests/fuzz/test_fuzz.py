"""Property-based fuzzing of everything that reads untrusted bytes (docs/fuzzing.md).

Each test feeds one target of tests/fuzz/targets.py, either with structured
inputs drawn by hypothesis or with byte-level mutations of valid seeds.
Properties, for every input: no exception but the domain ones
(AuditViewerError), no hang (each example bounded in time), bounded memory
(traced Python heap), and the target's own invariants.

``HYPOTHESIS_PROFILE=long`` runs many more examples (tests/fuzz/profiles.py).
"""

from __future__ import annotations

import base64
import io
import json
import random
import string
import warnings
import zipfile
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import targets
from tests.fuzz.profiles import FUZZ, FUZZ_HEAVY
from tests.fuzz.targets import (
    CHECKPOINTS,
    KEY,
    LOG,
    SPLIT,
    bounded,
    mutate,
    seeds,
)
from tests.helpers.bundle_builder import ORIGIN, make_entry

# ---------------------------------------------------------------------------
# Shared strategies

_ints = st.one_of(
    st.integers(-3, 3),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64]),
)
_text = st.text(max_size=40) | st.sampled_from(
    ["", "*", "%", "_", "\\", '"', "\u2014", "\x00", "é", "🦄", "a.b"]
)
json_scalars = st.one_of(
    st.none(), st.booleans(), _ints, st.floats(allow_nan=False, allow_infinity=False), _text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


def _deep(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


entry_objects = st.fixed_dictionaries(
    {},
    optional={
        "seq": _ints | json_values,
        "id": _text | json_values,
        "time": st.sampled_from(["2026-09-14T08:31:22.512Z", "2026-13-45T99:99:99Z", "epoch", ""])
        | json_values,
        "category": st.sampled_from(["Nakama Deployment", "Organization User"]) | json_values,
        "action": st.sampled_from(["Update", "Create", "Reboot"]) | json_values,
        "actor": st.fixed_dictionaries(
            {}, optional={"email": _text | json_values, "type": _text, "name": json_values}
        )
        | json_values,
        "resource": st.none()
        | st.dictionaries(st.sampled_from(["type", "id", "name"]), json_values)
        | json_values,
        "title": st.none() | st.dictionaries(st.sampled_from(["id", "name"]), json_values),
        "metadata": st.dictionaries(_text, json_values, max_size=5)
        | st.builds(_deep, st.integers(0, 200)),
        "extra": json_values,
    },
)


def _dumps(value: Any, style: int) -> bytes:
    if style == 0:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    if style == 1:
        return json.dumps(value, indent=None).encode()
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode(
        "utf-8", "surrogatepass"
    )


jsonl_lines = st.one_of(
    st.sampled_from(LOG),
    st.builds(_dumps, entry_objects, st.integers(0, 2)),
    st.builds(
        lambda seq, meta: make_entry(seq, metadata=meta),
        _ints.filter(lambda n: n >= 0),
        json_values,
    ),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from(
        [b"", b" ", b"{}", b"[]", b"null", b'{"seq":1}', b'{"seq":1,"seq":2}', b"\xef\xbb\xbf{}"]
    ),
)


def _run(target: str, data: bytes) -> None:
    try:
        with bounded():
            targets.TARGETS[target](data)
    except (OverflowError, ValueError) as exc:
        if targets.known_bug(exc) is None:
            raise


def _mutation_test(target: str) -> Any:
    @given(index=st.integers(0, 50), seed=st.integers(0, 2**32), rounds=st.integers(1, 3))
    def test(index: int, seed: int, rounds: int) -> None:
        pool = seeds(target)
        rnd = random.Random(seed)
        data = pool[index % len(pool)]
        for _ in range(rounds):
            data = mutate(data, rnd, others=pool)
        _run(target, data)

    test.__name__ = f"test_{target}_mutated"
    return test


# ---------------------------------------------------------------------------
# manifest.json


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "format": st.sampled_from(["audit-bundle", "other"]) | json_values,
            "version": st.sampled_from([1, 2, True, 1.0, "1"]),
            "origin": st.sampled_from([ORIGIN, "", "a\nb"]) | json_values,
            "organization": json_values,
            "scope": json_values,
            "exported_at": json_values,
            "keys": st.lists(st.sampled_from([KEY.verifier_string, "x+00000000+AA=="]) | _text)
            | json_values,
            "query": json_values,
            "files": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "path": st.sampled_from(
                            [
                                "entries/part-00000.jsonl",
                                "checkpoints.jsonl",
                                "manifest.json",
                                "../x",
                                "/etc/passwd",
                                "a//b",
                                "x.parquet",
                            ]
                        )
                        | _text,
                        "role": st.sampled_from(["entries", "checkpoints", "proof", "other"])
                        | json_values,
                        "sha256": st.sampled_from(["0" * 64, "A" * 64, "xyz"]) | json_values,
                        "size": _ints | json_values,
                    },
                )
                | json_values,
                max_size=6,
            )
            | json_values,
        },
    )
)
def test_manifest_structured(fields: dict[str, Any]) -> None:
    _run("manifest", json.dumps(fields).encode())


test_manifest_mutated = FUZZ(_mutation_test("manifest"))


# ---------------------------------------------------------------------------
# JSONL entry files (open_workspace + verify_workspace on a bundle folder)


@FUZZ
@given(
    lines=st.lists(jsonl_lines, max_size=30),
    gz=st.booleans(),
    newline=st.booleans(),
    shuffle=st.randoms(),
)
def test_jsonl_structured(
    lines: list[bytes], gz: bool, newline: bool, shuffle: random.Random
) -> None:
    lines = list(LOG) + lines if shuffle.random() < 0.5 else lines
    if shuffle.random() < 0.3:
        shuffle.shuffle(lines)
    body = b"\n".join(lines) + (b"\n" if newline else b"")
    _run("jsonl", (b"\x01" if gz else b"\x00") + body if gz else body)


@FUZZ
@given(
    notes=st.lists(
        st.one_of(
            st.sampled_from(CHECKPOINTS.splitlines()),
            st.builds(lambda v: json.dumps({"note": v}).encode(), json_values),
            st.builds(lambda v: json.dumps(v).encode(), json_values),
            st.binary(max_size=40),
        ),
        max_size=10,
    )
)
def test_jsonl_checkpoints_structured(notes: list[bytes]) -> None:
    _run("jsonl", b"".join(leaf + b"\n" for leaf in LOG) + SPLIT + b"\n".join(notes))


test_jsonl_mutated = FUZZ(_mutation_test("jsonl"))


# ---------------------------------------------------------------------------
# Parquet entry and proof files: random schemas and values


_arrow_columns = {
    "int64": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "int32": (pa.int32(), st.integers(-(2**31), 2**31 - 1)),
    "uint64": (pa.uint64(), st.integers(0, 2**64 - 1)),
    "float": (pa.float64(), st.floats()),
    "string": (
        pa.string(),
        st.sampled_from([leaf.decode() for leaf in LOG]) | st.text(max_size=30),
    ),
    "binary": (pa.binary(), st.sampled_from(LOG) | st.binary(max_size=40)),
    "large_binary": (pa.large_binary(), st.sampled_from(LOG) | st.binary(max_size=40)),
    "fixed32": (pa.binary(32), st.binary(min_size=32, max_size=32)),
    "bool": (pa.bool_(), st.booleans()),
    "timestamp": (pa.timestamp("us"), st.integers(-(2**62), 2**62)),
    "list": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
    "struct": (pa.struct([("a", pa.string())]), st.fixed_dictionaries({"a": st.text(max_size=5)})),
    "null": (pa.null(), st.none()),
}


@st.composite
def parquet_files(draw: st.DrawFn, proof: bool) -> bytes:
    names = ["seq", "leaf_hash", "extra"] if proof else ["seq", "entry", "head", "extra"]
    present = [
        n
        for n in names
        if draw(st.booleans()) or (n in ("seq", "entry", "leaf_hash") and draw(st.booleans()))
    ]
    rows = draw(st.integers(0, 12))
    columns: dict[str, pa.Array] = {}
    for name in present:
        kind = draw(st.sampled_from(sorted(_arrow_columns)))
        arrow_type, values = _arrow_columns[kind]
        cells = draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        columns[name] = pa.array(cells, arrow_type)
    if not columns:
        columns["x"] = pa.array([1] * rows, pa.int64())
    buffer = io.BytesIO()
    pq.write_table(
        pa.table(columns),
        buffer,
        compression=draw(st.sampled_from(["none", "snappy", "zstd"])),
        row_group_size=draw(st.integers(1, 8)),
    )
    return buffer.getvalue()


@FUZZ_HEAVY
@given(data=parquet_files(proof=False))
def test_parquet_entries_structured(data: bytes) -> None:
    _run("parquet", b"\x00" + data)


@FUZZ_HEAVY
@given(data=parquet_files(proof=True))
def test_parquet_proof_structured(data: bytes) -> None:
    _run("parquet", b"\x01" + data)


test_parquet_mutated = FUZZ(_mutation_test("parquet"))


# ---------------------------------------------------------------------------
# Signed notes and verifier keys

_b64 = st.binary(max_size=80).map(lambda b: base64.b64encode(b).decode())
_names = st.sampled_from([KEY.name, "witness.example/w1", "a", "a+b", "a b", ""]) | st.text(
    max_size=10
)


@st.composite
def note_texts(draw: st.DrawFn) -> str:
    lines = [
        draw(st.sampled_from([ORIGIN, ""]) | st.text(max_size=20)),
        draw(
            st.sampled_from(["0", "12", "012", "-1", "99999999999999999999", "١٢"])
            | st.text(max_size=5)
        ),
        draw(_b64 | st.sampled_from([base64.b64encode(b"\0" * 32).decode()])),
    ]
    lines += draw(
        st.lists(
            st.sampled_from(["time 2026-10-01T00:00:00Z", "time", ""]) | st.text(max_size=15),
            max_size=3,
        )
    )
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        # A correctly signed text: the property checks that only it verifies.
        from auditviewer.integrity.notes import sign_note

        targets._SIGNED_TEXTS.add(text.encode("utf-8", "surrogatepass"))
        try:
            note = sign_note(text, KEY.name, KEY.key)
        except UnicodeEncodeError:
            note = text + "\n"
    else:
        note = text + "\n"
    sig_lines = draw(
        st.lists(
            st.builds(lambda n, b: f"\u2014 {n} {b}", _names, _b64) | st.text(max_size=30),
            max_size=4,
        )
    )
    return note + "".join(line + "\n" for line in sig_lines)


@FUZZ
@given(note=note_texts())
def test_notes_structured(note: str) -> None:
    _run(
        "notes",
        note.encode("utf-8", "surrogateescape")
        if _encodable(note)
        else note.encode("utf-8", "replace"),
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


test_notes_mutated = FUZZ(_mutation_test("notes"))


@FUZZ
@given(
    name=_names,
    key_id=st.text("0123456789abcdefABCDEF", min_size=0, max_size=10),
    material=_b64 | st.text(string.ascii_letters + "+/=", max_size=50),
    spaces=st.sampled_from(["", " ", "\n", "\t"]),
)
def test_keys_structured(name: str, key_id: str, material: str, spaces: str) -> None:
    _run("keys", f"{spaces}{name}+{key_id}+{material}{spaces}".encode("utf-8", "surrogatepass"))


test_keys_mutated = FUZZ(_mutation_test("keys"))


# ---------------------------------------------------------------------------
# The query language: compile, check the SQL is ours, run it on a store

_query_atoms = st.one_of(
    st.sampled_from(
        [
            "dragon", '"image rollback"', "actor:hana@*", 'category:"Nakama*"', "seq:100..200", "seq:5",
            "seq:>=3", "seq:..", "seq:9223372036854775807", "time:>=2026-09-01", "time:2026", "time:2026-02-30",
            "time:9999-12-31..", "time:0001-01-01T00:00-23:59", "status:failed", "status:*", "meta.image.after:*3.22*",
            'meta."a.b"."c\\"d":*', "meta.:x", "meta.a:", "OR", "AND", "-", "(", ")", "-(", "*", "%", "_", "\\",
            "'", "';--", "\"'); DROP TABLE entries; --\"", "\x00", "unknown:field", "type:nakama_deployment",
        ]
    ),
    st.text(max_size=12),
    st.text(alphabet='():-."*\\ ORANDmetaseqtime.%_0123456789', max_size=20),
)  # fmt: skip


@FUZZ
@given(
    atoms=st.lists(_query_atoms, max_size=8),
    joiner=st.sampled_from([" ", "", "  ", " OR ", " AND "]),
)
def test_query_structured(atoms: list[str], joiner: str) -> None:
    _run("query", joiner.join(atoms).encode("utf-8", "surrogatepass"))


test_query_mutated = FUZZ(_mutation_test("query"))


# ---------------------------------------------------------------------------
# Plain exports: JSON array and CSV

dashboard_rows = st.fixed_dictionaries(
    {},
    optional={
        "timestamp": _text | json_values,
        "event_type": st.sampled_from(["Nakama Deployment Update", "", "Nope"]) | json_values,
        "metadata": json_values
        | st.builds(lambda v: json.dumps(v), json_values)
        | st.builds(lambda d: "[" * d + "]" * d, st.integers(0, 5000)),
        "seq": _ints | json_values,
        "id": json_values,
    },
)


@FUZZ
@given(rows=st.lists(dashboard_rows | entry_objects | json_values, max_size=12), wrap=st.booleans())
def test_plain_json_structured(rows: list[Any], wrap: bool) -> None:
    value: Any = {"entries": rows} if wrap else rows
    _run("plain", b"\x00" + json.dumps(value).encode("utf-8", "surrogatepass"))


_csv_cells = st.one_of(
    _text,
    st.builds(lambda v: json.dumps(v), json_values),
    st.sampled_from(["", '"', '""', "\r\n", "=cmd()", "[" * 1000]),
    st.sampled_from(LOG).map(bytes.decode),
)


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["timestamp", "event_type", "metadata", "seq", "entry", "id", "actor", ""])
        | _text,
        min_size=1,
        max_size=6,
    ),
    rows=st.lists(st.lists(_csv_cells, max_size=7), max_size=8),
)
def test_plain_csv_structured(header: list[str], rows: list[list[str]]) -> None:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    _run("plain", b"\x01" + out.getvalue().encode("utf-8", "surrogatepass"))


test_plain_mutated = FUZZ(_mutation_test("plain"))


# ---------------------------------------------------------------------------
# Bundle zips: member names, layout and compression


@FUZZ
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "manifest.json",
                    "entries/part-00000.jsonl",
                    "checkpoints.jsonl",
                    "b/manifest.json",
                    "a/",
                    "x.jsonl.gz",
                ]
            )
            | st.text(max_size=20),
            st.sampled_from([targets.MANIFEST, targets.ENTRIES_JSONL, CHECKPOINTS, b""])
            | st.binary(max_size=50),
        ),
        max_size=6,
    ),
    method=st.sampled_from(
        [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    ),
)
def test_zip_structured(members: list[tuple[str, bytes]], method: int) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression=method) as archive:
        warnings.simplefilter("ignore")  # duplicate names are part of the input
        for name, data in members:
            if not name:
                continue
            try:
                archive.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):
                continue  # names zipfile cannot write ("\x00" becomes empty)
    _run("zip", buffer.getvalue())


test_zip_mutated = FUZZ(_mutation_test("zip"))
