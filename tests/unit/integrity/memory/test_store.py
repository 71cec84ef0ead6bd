"""The memory's store after the split: records validated by ``MemoryRecord`` (msgspec) behind a
duplicate-key and depth guard, damage reported naming the file and the line, writes through
the one atomic writer (``core/atomic.py``)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from auditviewer.core import atomic
from auditviewer.integrity.memory import CheckpointMemory, file_name
from auditviewer.integrity.memory.store import MemoryRecord
from auditviewer.integrity.report import CheckpointResult, Report, Signer
from tests.helpers.bundle_builder import ORIGIN, checkpoint_text, sign_note, signer

KEY = signer()


def note(size: int) -> str:
    return sign_note(checkpoint_text(ORIGIN, size, bytes([size]) * 32), KEY.name, KEY.key)


def line(size: int, **fields: object) -> str:
    record: dict[str, object] = {
        "note": note(size), "first_seen": "2026-10-02T09:30:00Z",
        "last_seen": "2026-10-03T09:30:00Z", "source": f"bundle/checkpoints.jsonl:{size}",
    }
    record.update(fields)
    return json.dumps(record)


def memory_with(tmp_path: Path, *lines: str) -> tuple[CheckpointMemory, Path]:
    memory = CheckpointMemory(folder=tmp_path / "checkpoints")
    memory.folder.mkdir()
    path = memory.path_for(ORIGIN)
    path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    return memory, path


def test_good_records_read_back_and_an_old_file_without_last_seen_still_reads(tmp_path: Path) -> None:
    first = json.loads(line(16))
    del first["last_seen"]
    memory, _ = memory_with(tmp_path, json.dumps(first), line(32, future_field="kept out"))
    records = memory.records(ORIGIN)
    assert [r.size for r in records] == [16, 32]
    assert records[0].last_seen == records[0].first_seen == "2026-10-02T09:30:00Z"
    assert records[1].source == "bundle/checkpoints.jsonl:32"
    assert memory.take_problems() == []


@pytest.mark.parametrize(
    ("second", "why"),
    [
        # The same key twice: which one a reader keeps would decide the record.
        (line(32)[:-1] + ', "source": "elsewhere"}', "line 2: duplicate key 'source'"),
        (line(32, source=7), "line 2: Expected `str`, got `int` - at `$.source`"),
        (line(32, first_seen="x" * 65), "line 2: Expected `str` of length <= 64"),
        (json.dumps({"first_seen": "t", "source": "s"}), "line 2: Object missing required field `note`"),
        ('{"note": ' + "[" * 100 + "]" * 100 + "}", "line 2: nested deeper than 64 levels"),
        (line(32, note=float("nan")), "line 2: NaN is not valid JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        ("{not json", "line 2: not JSON (Expecting property name enclosed in double quotes, column 2)"),
    ],
)
def test_a_damaged_line_is_set_aside_with_a_message_naming_the_file_and_the_line(
    tmp_path: Path, second: str, why: str
) -> None:
    memory, path = memory_with(tmp_path, line(16), second)
    assert memory.records(ORIGIN) == []
    [problem] = memory.take_problems()
    assert f"remembered checkpoints in {path} are damaged ({why}" in problem
    assert "set aside" in problem
    assert not path.exists() and len(list(memory.folder.glob(f"{path.name}.*.corrupt"))) == 1


def test_memory_record_is_a_struct_of_bounded_strings() -> None:
    import msgspec

    assert issubclass(MemoryRecord, msgspec.Struct)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"note": "n", "first_seen": "t", "source": "s" * 5000}, MemoryRecord)


def _report(size: int) -> Report:
    return Report(
        status="verified", origin=ORIGIN, entries=size, verified_entries=size,
        first_seq=0, last_seq=size - 1,
        checkpoints=[
            CheckpointResult(
                size=size, head=bytes([size]) * 32, origin=ORIGIN, time=None,
                signers=[Signer(key=KEY.verifier_string, trusted=True, valid=True)],
                status="ok", source="bundle/checkpoints.jsonl:1", note=note(size),
            )
        ],
    )


def test_remembering_writes_through_the_atomic_writer_and_a_full_disk_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory, path = memory_with(tmp_path, line(16))
    before = path.read_bytes()

    def full(file: object, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write", full)
    assert memory.remember(_report(32), ORIGIN) == 0
    [problem] = memory.take_problems()
    assert str(path) in problem and "the disk is full" in problem
    assert "this verification is unaffected" in problem
    assert path.read_bytes() == before
    assert [p.name for p in memory.folder.iterdir()] == [file_name(ORIGIN)]  # no partial left

    monkeypatch.undo()
    assert memory.remember(_report(32), ORIGIN) == 1
    assert [r.size for r in CheckpointMemory(folder=memory.folder).records(ORIGIN)] == [16, 32]
