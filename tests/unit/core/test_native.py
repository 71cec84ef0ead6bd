"""The C extension (auditviewer._native) against the Python code it stands in for.

Its check may decline a leaf the Python check accepts (the Python check then
judges it), but must never accept one the Python check does not, and must
give the same seq; its SHA-256 (hardware and portable), chain and time
comparison must equal the Python ones byte for byte.

Tests that call the extension itself carry the ``native`` mark and are skipped
(tests/conftest.py) where it is not built or is turned off
(``AUDITVIEWER_NATIVE=0``, CI's second pass); the others compare the two paths
and run either way.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.native import NATIVE
from auditviewer.input.formats import jsonl
from auditviewer.input.formats.batches import check_leaf_array
from auditviewer.input.formats.entry import check_leaf
from auditviewer.integrity.chain import extend, heads

native = NATIVE

BASE_ENTRY = {
    "seq": 5,
    "id": "e1",
    "time": "2026-09-14T08:31:22.512Z",
    "category": "Nakama Deployment",
    "action": "Update",
    "actor": {"email": "a@b.example", "type": "user"},
    "resource": None,
    "title": {"id": "t1", "name": "Tïtle"},
    "metadata": {"x": [1, 2.5, True, None, "é\u2028😀"], "before": {"image": "3.21"}, "after": {"image": "3.22"}},
}


@pytest.mark.skipif(
    os.environ.get("AUDITVIEWER_NATIVE") == "0", reason="the C extension is turned off (AUDITVIEWER_NATIVE=0)"
)
def test_the_extension_is_built() -> None:
    # dev.py installs with a C compiler (every CI machine has one): a missing
    # extension there is a broken build, not a reason to test less.
    assert native is not None, "auditviewer._native was not built (see setup.py)"


def native_check(leaf: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[int, tuple[int, int]]:
    assert native is not None
    seqs, _hashes, times, declined = native.check_leaves(
        leaf, struct.pack("<ii", 0, len(leaf)), 0, 1, 4, limits.max_entry_bytes, limits.max_json_depth
    )
    seq = struct.unpack("<q", seqs)[0]
    assert declined == (seq < 0)
    return seq, struct.unpack("<ii", times)


def assert_never_more_lenient(leaf: bytes, limits: Limits = DEFAULT_LIMITS) -> bool:
    """The native check accepts only what check_leaf accepts, with the same seq; True when it accepted."""
    seq, (start, length) = native_check(leaf, limits)
    if seq < 0:
        return False
    python = check_leaf(leaf, limits=limits)
    assert python.problem is None and python.seq == seq, (leaf[:200], python)
    if start >= 0:
        assert leaf[start : start + length] == json.loads(leaf)["time"].encode()
    return True


def encode(entry: object, style: int) -> bytes:
    if style == 0:
        return json.dumps(entry, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    if style == 1:
        return json.dumps(entry).encode()
    return json.dumps(entry, indent=None, separators=(" , ", " : "), ensure_ascii=True).encode()


# Keys the native check judges itself: it declines keys written with escapes.
keys = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters='"\\'), max_size=6)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)

entries = st.fixed_dictionaries(
    {
        "seq": st.integers(0, 2**63 - 1),
        "id": st.text(max_size=10),
        "time": st.text(max_size=30),
        "category": st.text(max_size=10),
        "action": st.text(max_size=10),
        "actor": st.dictionaries(keys, json_values, max_size=3),
        "metadata": st.dictionaries(keys, json_values, max_size=5),
    },
    optional={
        "resource": st.none() | st.dictionaries(keys, st.text(max_size=5), max_size=3),
        "title": st.none() | st.dictionaries(keys, st.text(max_size=5), max_size=3),
        "extra": json_values,
    },
)


@pytest.mark.native
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(entries, st.integers(0, 2))
def test_well_formed_entries_are_accepted_with_their_seq(entry: dict[str, object], style: int) -> None:
    leaf = encode(entry, style)
    assert assert_never_more_lenient(leaf)
    assert native_check(leaf)[0] == entry["seq"]


@pytest.mark.native
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(entries, st.integers(0, 2), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=4))
def test_damaged_entries_are_never_accepted_wrongly(
    entry: dict[str, object], style: int, edits: list[tuple[int, int, int]]
) -> None:
    leaf = bytearray(encode(entry, style))
    for where, byte, how in edits:
        at = where % (len(leaf) + 1)
        if how == 0 and at < len(leaf):
            leaf[at] = byte
        elif how == 1:
            leaf.insert(at, byte)
        elif at < len(leaf):
            del leaf[at]
    assert_never_more_lenient(bytes(leaf))


def with_(old: bytes, new: bytes) -> bytes:
    leaf = encode(BASE_ENTRY, 0)
    assert old in leaf
    return leaf.replace(old, new, 1)


HOSTILE = [
    b"",
    b"{}",
    b"[]",
    b" " + encode(BASE_ENTRY, 0),
    b"\xef\xbb\xbf" + encode(BASE_ENTRY, 0),
    encode(BASE_ENTRY, 0) + b"x",
    encode(BASE_ENTRY, 0)[:-1],
    with_(b'"seq":5', b'"seq":-1'),
    with_(b'"seq":5', b'"seq":5.0'),
    with_(b'"seq":5', b'"seq":5e0'),
    with_(b'"seq":5', b'"seq":true'),
    with_(b'"seq":5', b'"seq":"5"'),
    with_(b'"seq":5', b'"seq":9223372036854775808'),
    with_(b'"seq":5', b'"seq":05'),
    with_(b'"seq":5', b'"seq":5,"seq":6'),
    with_(b'"seq":5', b'"s\\u0065q":6,"seq":5'),
    with_(b'"x":', b'"x":1,"x":'),
    with_(b'"x":', b'"\\u0078":1,"x":'),
    with_(b'"e1"', b'"e\x01"'),
    with_(b'"e1"', b'"e\x7f"'),
    with_(b'"e1"', b'"\xed\xa0\x80"'),  # an encoded surrogate
    with_(b'"e1"', b'"\xc0\xaf"'),  # overlong
    with_(b'"e1"', b'"\xe0\x80\xaf"'),  # overlong
    with_(b'"e1"', b'"\xf4\x90\x80\x80"'),  # above U+10FFFF
    with_(b'"e1"', b'"\xf0\x9f\x98"'),  # cut short
    with_(b'"e1"', b'"\xff"'),
    with_(b'"e1"', b'"\\x41"'),
    with_(b'"e1"', b'"\\u12"'),
    with_(b'"e1"', b'"\\ud800"'),  # a lone surrogate escape: valid JSON
    with_(b"null", b"NaN"),
    with_(b"null", b"nul"),
    with_(b"2.5", b"Infinity"),
    with_(b"2.5", b"-Infinity"),
    with_(b"2.5", b"1e999"),
    with_(b"2.5", b"1."),
    with_(b"2.5", b".5"),
    with_(b"2.5", b"-"),
    with_(b"2.5", b"1e"),
    with_(b"2.5", b"+1"),
    with_(b"2.5", b"1" * 5000),
    with_(b'"resource":null', b'"resource":[]'),
    with_(b'"resource":null', b'"resource":"r"'),
    with_(b'"resource":null,', b""),
    with_(b'"actor":{"email":"a@b.example","type":"user"},', b""),
    with_(b'"actor":{"email":"a@b.example","type":"user"}', b'"actor":null'),
    with_(b'"metadata":{', b'"metadata":[{'),
    with_(b'"time":"2026', b'"time":"\\u0032026'),
    with_(b'"time":"2026-09-14T08:31:22.512Z"', b'"time":2026'),
    with_(b"[1,", b"[" * 70 + b"1" + b"]" * 70 + b",[1,"),
    with_(b"[1,", b"[1,,"),
    with_(b"[1,", b"[,1,"),
    with_(b'"x":[', b'"x" [' ),
    with_(b"}}", b"},}}"),
    encode(BASE_ENTRY, 0) + b" \t\r",
    encode(BASE_ENTRY, 0) + b"\x00",
    b'{"seq":1' + b',"k":{' * 40 + b"}" * 40 + b"}",
]


@pytest.mark.native
@pytest.mark.parametrize("leaf", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_leaves(leaf: bytes) -> None:
    assert_never_more_lenient(leaf)


@pytest.mark.native
def test_a_canonical_entry_and_its_spaced_form_are_accepted() -> None:
    assert native_check(encode(BASE_ENTRY, 0))[0] == 5
    assert native_check(encode(BASE_ENTRY, 2))[0] == 5



@pytest.mark.native
@pytest.mark.parametrize("tail", [b" ", b"\t", b"\r", b" \t\r", b"\n"])
def test_whitespace_after_the_closing_brace_is_never_accepted(tail: bytes) -> None:
    # Spec §2: a leaf ends with '}'. The extension declines; check_leaf names the problem.
    leaf = encode(BASE_ENTRY, 0) + tail
    assert native_check(leaf)[0] < 0
    problem = check_leaf(leaf).problem
    assert problem is not None and "after the closing" in problem


@pytest.mark.native
def test_limits_are_those_of_the_python_check() -> None:
    leaf = encode({**BASE_ENTRY, "metadata": {"a": [[[["deep"]]]]}}, 0)
    assert native_check(leaf, Limits(max_json_depth=6))[0] == 5  # entry, metadata, 4 lists
    assert native_check(leaf, Limits(max_json_depth=5))[0] == -1
    assert check_leaf(leaf, limits=Limits(max_json_depth=5)).seq is None
    assert native_check(leaf, Limits(max_entry_bytes=len(leaf)))[0] == 5
    assert native_check(leaf, Limits(max_entry_bytes=len(leaf) - 1))[0] == -1


@pytest.mark.native
def test_objects_with_many_keys_are_checked_for_duplicates_or_declined() -> None:
    many = {f"k{i}": i for i in range(300)}
    leaf = encode({**BASE_ENTRY, "metadata": many}, 0)
    assert_never_more_lenient(leaf)
    duplicated = leaf.replace(b'"k299":299', b'"k0":299')
    assert native_check(duplicated)[0] == -1


@pytest.mark.native
def test_objects_with_tens_of_thousands_of_keys_are_judged_in_c() -> None:
    """Past 256 keys an object's keys are sorted and compared: 95,000 keys are accepted
    here (they went to the Python check, which held the GIL for 0.1 s an entry, issue
    17.3), and a duplicate anywhere among them is still declined."""
    many = {f"{index:x}": 0 for index in range(95_000)}
    leaf = encode({**BASE_ENTRY, "metadata": many}, 0)
    assert assert_never_more_lenient(leaf)
    half = {f"{index:x}": 0 for index in range(40_000)}  # twice, under max_entry_bytes
    nested = encode({**BASE_ENTRY, "metadata": {"a": half, "b": {"x": 1, "y": half}}}, 0)
    assert assert_never_more_lenient(nested)
    for old, new in ((b'"17317":0', b'"0":1'), (b'"0":0', b'"17317":1'), (b'"bc00":0', b'"bbff":1')):
        duplicated = leaf.replace(old, new, 1)
        assert duplicated != leaf and native_check(duplicated)[0] == -1, old
        assert check_leaf(duplicated).problem is not None
    # Keys of one length differing in one byte, and keys that are prefixes of others.
    near = {**{f"key{index:06d}": 0 for index in range(1_000)}, **{f"key{index}": 1 for index in range(1_000)}}
    assert assert_never_more_lenient(encode({**BASE_ENTRY, "metadata": near}, 0))


@pytest.mark.native
@pytest.mark.parametrize("hardware", [True, False])
def test_sha256_equals_hashlib(hardware: bool) -> None:
    assert native is not None
    was = native.hardware_sha256()
    try:
        native.hardware_sha256(hardware)
        rng = random.Random(7)
        datas = [bytes(rng.randrange(256) for _ in range(n)) for n in [*range(0, 200), 1000, 4095, 65537]]
        offsets = [0]
        for data in datas:
            offsets.append(offsets[-1] + len(data))
        got = native.leaf_hashes(b"".join(datas), struct.pack(f"<{len(offsets)}i", *offsets), 0, len(datas), 4)
        assert got == b"".join(hashlib.sha256(b"\x00" + d).digest() for d in datas)
        start = hashlib.sha256(b"start").digest()
        assert native.chain(start, got) == extend(start, [got[i : i + 32] for i in range(0, len(got), 32)])
        assert native.chain(start, got, keep_all=True) == b"".join(
            heads(start, [got[i : i + 32] for i in range(0, len(got), 32)])
        )
    finally:
        native.hardware_sha256(was)


@pytest.mark.native
def test_check_jsonl_splits_lines_as_split_does() -> None:
    assert native is not None
    good = [encode({**BASE_ENTRY, "seq": i}, i % 3) for i in range(50)]
    for segment in [
        b"",
        b"\n",
        b"\n\n",
        b"\n".join(good) + b"\n",
        b"\n".join(good),
        b"\n".join(good) + b"\n\n",
        b"\n".join([*good[:3], b"", b"not json", *good[3:]]) + b"\n",
    ]:
        lines = segment.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        count, data, offsets, seqs, hashes, _times, declined = native.check_jsonl(segment, 1 << 20, 64)
        assert count == len(lines)
        ends = struct.unpack(f"<{count + 1}i", offsets)
        assert [data[a:b] for a, b in itertools.pairwise(ends)] == lines
        assert hashes == b"".join(hashlib.sha256(b"\x00" + line).digest() for line in lines)
        expected = [check_leaf(line).seq if line and check_leaf(line).problem is None else -1 for line in lines]
        assert list(struct.unpack(f"<{count}q", seqs)) == expected
        assert declined == expected.count(-1)


@pytest.mark.native
def test_offsets_that_do_not_fit_the_data_are_refused() -> None:
    assert native is not None
    with pytest.raises(ValueError):
        native.check_leaves(b"abc", struct.pack("<ii", 0, 4), 0, 1, 4, 100, 8)
    with pytest.raises(ValueError):
        native.check_leaves(b"abc", struct.pack("<ii", 2, 1), 0, 1, 4, 100, 8)
    with pytest.raises(ValueError):
        native.check_leaves(b"abc", struct.pack("<ii", 0, 3), 0, 2, 4, 100, 8)
    with pytest.raises(ValueError):
        native.leaf_hashes(b"abc", struct.pack("<ii", -1, 3), 0, 1, 4)
    with pytest.raises(ValueError):
        native.chain(b"short", b"")


@pytest.mark.native
def test_check_leaf_array_reads_sliced_and_large_arrays() -> None:
    leaves = [encode({**BASE_ENTRY, "seq": i}, 0) for i in range(10)] + [b"nope"]
    for kind in (pa.binary(), pa.large_binary()):
        array = pa.array(leaves, kind).slice(3, 8)
        seqs, hashes, _times, declined = check_leaf_array(array, DEFAULT_LIMITS)
        assert seqs.to_pylist() == [3, 4, 5, 6, 7, 8, 9, -1]
        assert declined == 1
        assert hashes == b"".join(hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves[3:])


def read_all(path: Path, **kwargs: object) -> tuple[list[object], list[object]]:
    with path.open("rb") as f:
        batches = list(jsonl.read_jsonl(f.read, source="e.jsonl", **kwargs))  # type: ignore[arg-type]
    rows = [row for b in batches for row in b.table.to_pylist()]
    problems = [p for b in batches for p in b.problems]
    return rows, problems


def test_native_and_python_readers_give_the_same_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    lines = []
    for i in range(3000):
        leaf = encode({**BASE_ENTRY, "seq": i, "id": f"e{i}"}, i % 3)
        roll = rng.random()
        if roll < 0.01:
            leaf = leaf.replace(b'"seq"', b'"seq":1,"seq"', 1)
        elif roll < 0.02:
            leaf = b""
        elif roll < 0.03:
            leaf = leaf[: len(leaf) // 2]
        lines.append(leaf)
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\n".join(lines))  # no final newline
    small = {"segment_bytes": 20_000, "batch_lines": 100}
    native_rows, native_problems = read_all(path, workers=2, **small)
    assert native_rows == read_all(path, workers=1, **small)[0]
    monkeypatch.setattr(jsonl, "NATIVE", None)
    python_rows, python_problems = read_all(path, workers=1, **small)
    assert native_rows == python_rows
    assert native_problems == python_problems
    assert len(native_problems) > 30


def brute_time_candidates(seqs: list[int], times: list[str | None], prev: tuple[int, str] | None) -> list[int]:
    out = []
    pairs = [(prev[0], prev[1]) if prev else (-1, None), *zip(seqs, times, strict=True)]
    for i in range(1, len(pairs)):
        (s0, t0), (s1, t1) = pairs[i - 1], pairs[i]
        if t0 is None or t1 is None or s0 < 0 or s1 != s0 + 1:
            continue
        a, b = t1.encode(), t0.encode()
        if len(a) != len(b) or not a.endswith(b"Z") or not b.endswith(b"Z"):
            out.append(-i)  # -(index + 1): to be compared as datetimes
        elif a < b:
            out.append(i - 1)
    return out


@pytest.mark.native
@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.one_of(st.none(), st.sampled_from(["2026-01-01T00:00:0%dZ", "2026-01-01T00:00:%02dZ", "x%d"]))),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_time_candidates_match_a_plain_comparison(rows: list[tuple[int, str | None]], with_prev: bool) -> None:
    assert native is not None
    seqs, times, leaves = [], [], []
    seq = 10
    for step, pattern in rows:
        seq += 1 if step else 2
        text = pattern % (step * 3) if pattern else None
        # An escaped time (ensure_ascii writes é as \u00e9) is not compared: its span is -1.
        leaf = encode({**BASE_ENTRY, "seq": seq, "time": text}, 0) if text else encode({**BASE_ENTRY, "seq": seq, "time": "\u00e9"}, 1)
        seqs.append(seq)
        times.append(text)
        leaves.append(leaf)
    array = pa.array(leaves, pa.binary())
    seq_array, _hashes, spans, _declined = check_leaf_array(array, DEFAULT_LIMITS)
    prev = (seqs[0] - 1, "2026-01-01T00:00:05Z") if with_prev else None
    _, offsets, data = array.buffers()
    got = native.time_candidates(
        data, offsets, 0, len(leaves), 4, spans, seq_array.buffers()[1], prev[0] if prev else -1,
        prev[1].encode() if prev else None,
    )
    expected = brute_time_candidates(seqs, times, prev)
    assert got == expected


def test_verify_reports_the_same_with_and_without_the_extension(tmp_path: Path) -> None:
    vectors = Path(__file__).resolve().parents[2] / "vectors" / "data"
    cases = sorted(p for p in vectors.iterdir() if p.is_dir())
    assert cases
    outputs = {}
    for flag in ("1", "0"):
        env = dict(os.environ, AUDITVIEWER_NATIVE=flag)
        outputs[flag] = [
            subprocess.run(
                [sys.executable, "-m", "auditviewer", "verify", str(case), "--json"],
                capture_output=True,
                env=env,
                check=False,
            ).stdout
            for case in cases
        ]
    assert outputs["1"] == outputs["0"]


def time_findings(path: Path) -> list[tuple[object, ...]]:
    from auditviewer.integrity.time_watch import TimeWatch

    watch = TimeWatch()
    with path.open("rb") as f:
        for batch in jsonl.read_jsonl(f.read, source="t.jsonl", segment_bytes=2_000, batch_lines=7):
            watch.add(batch.table.column(0), batch.table.column(1), batch.times)
    return [(f.kind, f.message, f.seq) for f in watch.findings()]


def test_time_regressions_are_found_the_same_with_and_without_the_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = [
        "2026-01-01T00:00:02Z", "2026-01-01T00:00:01Z",  # earlier, same length
        "2026-01-01T00:00:01.5Z", "2026-01-01T00:00:01Z",  # earlier, another length
        "2026-01-01T00:00:00.250Z", "2026-01-01T00:00:00.3Z",  # later, another length
        "2026-01-01T01:00:00+01:00", "2026-01-01T00:30:00Z",  # an offset: compared as datetimes
        "not a time", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z",
    ] * 30
    lines = [encode({**BASE_ENTRY, "seq": i, "time": t}, 0) for i, t in enumerate(times)]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with_extension = time_findings(path)
    monkeypatch.setattr(jsonl, "NATIVE", None)
    assert time_findings(path) == with_extension
    assert len(with_extension) == 101  # 100 named, then "and N more"
    assert "seq 3 has time 2026-01-01T00:00:01Z" in str(with_extension[1][1])


def read_parquet_all(path: Path, **kwargs: object) -> tuple[list[object], list[object], list[bool]]:
    from auditviewer.input.formats.parquet import read_parquet_entries

    batches = list(read_parquet_entries(path, label="e.parquet", **kwargs))  # type: ignore[arg-type]
    rows = [row for b in batches for row in b.table.to_pylist()]
    return rows, [p for b in batches for p in b.problems], [b.times is not None for b in batches]


@pytest.mark.native
def test_native_and_python_parquet_readers_give_the_same_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    from auditviewer.input.formats import parquet

    rng = random.Random(5)
    seqs, leaves = [], []
    for i in range(4000):
        leaf = encode({**BASE_ENTRY, "seq": i, "id": f"e{i}"}, i % 3)
        roll = rng.random() if i < 1400 else 1.0  # bad rows in the first two row groups only
        if roll < 0.005:
            leaf = leaf[:-3]
        seqs.append(i + 1 if 0.005 <= roll < 0.01 else i)  # the row's seq differs from the entry's
        leaves.append(leaf)
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"seq": pa.array(seqs, pa.int64()), "entry": pa.array(leaves, pa.binary())}), path, row_group_size=700)
    threaded = read_parquet_all(path, workers=2, parallel_min_bytes=0)
    inline = read_parquet_all(path, workers=1)
    assert threaded[:2] == inline[:2]
    assert any(threaded[2]) and not all(threaded[2])  # good batches checked in C, the others in Python
    monkeypatch.setattr(parquet, "NATIVE", None)
    python = read_parquet_all(path, workers=1)
    assert python[:2] == inline[:2]
    assert {p.kind for p in python[1]} == {"malformed_entry", "seq_mismatch"}  # type: ignore[attr-defined]


@settings(max_examples=300)
@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    st.booleans(),
    st.integers(1, 50),
    st.integers(1, 30),
)
def test_pieces_hold_the_lines_split_lines_gives(lines: list[bytes], final_newline: bool, size: int, limit: int) -> None:
    import io

    text = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    limits = Limits(max_entry_bytes=limit)
    expected = [line for _, line in jsonl.split_lines(io.BytesIO(text).read, source="s", limits=limits)]
    got: list[bytes] = []
    for prefix, chunk, start, end in jsonl.iter_pieces(io.BytesIO(text).read, limits=limits, size=size):
        assert b"\n" not in prefix and len(prefix) <= limit + 1
        piece = (prefix + chunk[start:end]).split(b"\n")
        if piece and not piece[-1]:
            piece.pop()
        got.extend(piece)
    # A line over the limit is cut to limit + 1 bytes by both (split_lines when it
    # spans reads, the check otherwise), so compare what the check sees.
    assert [line[: limit + 1] for line in got] == [line[: limit + 1] for line in expected]


@pytest.mark.native
def test_count_lines_counts_like_bytes_count() -> None:
    assert native is not None
    rng = random.Random(12)
    for _ in range(300):
        data = bytes(rng.choice(b"ab\n") for _ in range(rng.randrange(0, 300)))
        start = rng.randrange(0, len(data) + 1)
        end = rng.randrange(start, len(data) + 1)
        assert native.count_lines(data, start, end) == data.count(b"\n", start, end)
    for start, end in ((2, 1), (0, 4), (-1, 2)):
        with pytest.raises(ValueError):
            native.count_lines(b"abc", start, end)


@pytest.mark.native
def test_dense_pieces_are_cut_alike_with_and_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    # _dense_split counts a read's lines (in C when it can) to cut pieces of MAX_PIECE_LINES.
    import io

    text = b"".join(b"x" * (i % 7) + b"\n" for i in range(500))
    monkeypatch.setattr(jsonl, "MAX_PIECE_LINES", 16)
    with_c = list(jsonl.iter_pieces(io.BytesIO(text).read, limits=DEFAULT_LIMITS, size=4096))
    monkeypatch.setattr(jsonl, "NATIVE", None)
    without = list(jsonl.iter_pieces(io.BytesIO(text).read, limits=DEFAULT_LIMITS, size=4096))
    assert [p[2:] for p in with_c] == [p[2:] for p in without]
    assert len(with_c) > 500 // 32  # cut into pieces of about 16 lines, not one per read
