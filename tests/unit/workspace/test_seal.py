"""A sealed workspace (workspace/seal.py): a cached database reused with its sealed report,
without verifying or proving again, only while its seal holds; anything else is the full path.

Every test builds a bundle large enough (by patching the threshold) to get a cached
database, loads it once (which seals it), changes one thing, and loads again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditviewer.core.limits import Limits
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.memory import CheckpointMemory
from auditviewer.integrity.report import Report
from auditviewer.store.store import Store
from auditviewer.workspace import cache as workspace_cache
from auditviewer.workspace import loading as loading_module
from auditviewer.workspace import seal as seal_module
from auditviewer.workspace import seal_record
from auditviewer.workspace.loading import LoadedWorkspace, load
from auditviewer.workspace.seal import seal_path
from auditviewer.workspace.seal_record import (
    SealError,
    decode_seal,
    encode_seal,
    read_seal,
    report_of,
    report_record,
)
from tests.helpers.bundle_builder import ORIGIN, make_entry, signer, write_bundle

KEY = signer()
OTHER = signer(b"other key")
ROWS = 40
VERIFIED = 32


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    leaves = [make_entry(i) for i in range(ROWS)]
    return write_bundle(tmp_path / "bundle", leaves, checkpoint_sizes=[16, VERIFIED], key=KEY)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(workspace_cache, "ON_DISK_BYTES", 0)
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITVIEWER_CACHE_DIR", str(folder))
    return folder / "workspaces"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How often this run verified the inputs and proved a reused file."""
    counted = {"verify": 0, "prove": 0}
    real_verify, real_prove = loading_module.verify_workspace, loading_module.prove_reused

    def verify(*args: object, **kwargs: object) -> Report:
        counted["verify"] += 1
        return real_verify(*args, **kwargs)  # type: ignore[arg-type]

    def prove(*args: object, **kwargs: object) -> str | None:
        counted["prove"] += 1
        return real_prove(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading_module, "verify_workspace", verify)
    monkeypatch.setattr(loading_module, "prove_reused", prove)
    yield counted


def _database(on_disk: Path) -> Path:
    [database] = sorted(on_disk.glob("*.duckdb"))
    return database


def _sealed_once(bundle: Path, on_disk: Path, keys: list[VerifierKey] | None = None) -> Path:
    with load([bundle], [KEY.verifier] if keys is None else keys) as first:
        assert not first.sealed
    database = _database(on_disk)
    assert seal_path(database).is_file()
    return database


def _rows(loaded: LoadedWorkspace) -> list[dict[str, object]]:
    store = loaded.store
    return store.window(store.create_view(), 0, ROWS + 5, columns=["seq", "state", "actor_email", "leaf"]).to_pylist()


def _assert_genuine(loaded: LoadedWorkspace) -> None:
    rows = _rows(loaded)
    assert [row["seq"] for row in rows] == list(range(ROWS))
    for row in rows:
        assert row["leaf"] == make_entry(int(row["seq"])).decode()  # type: ignore[call-overload]
        assert row["state"] == ("verified" if int(row["seq"]) < VERIFIED else "unverified")  # type: ignore[call-overload]


def _secret_file(tmp_path: Path) -> Path:
    """The secret (the config folder of this test: tests/conftest.py)."""
    from auditviewer.core.paths import config_dir, seal_secret_path

    assert seal_secret_path() == config_dir() / "workspace-seal.key"
    return seal_secret_path()


# -- the sealed path ----------------------------------------------------------------------


def test_a_sealed_workspace_reopens_with_its_report_without_verifying_or_proving(
    bundle: Path, on_disk: Path, calls: dict[str, int]
) -> None:
    with load([bundle], [KEY.verifier]) as first:
        report = first.report
    assert calls == {"verify": 1, "prove": 0}
    database = _database(on_disk)
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    with load([bundle], [KEY.verifier]) as again:
        assert again.sealed and again.notices == []
        assert again.report == report  # the whole report: findings, checkpoints, notes, states
        _assert_genuine(again)
    assert calls == {"verify": 1, "prove": 0}  # nothing verified or proven again
    # Opened read-only: the file's bytes are those sealed, so the seal holds next time too.
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    with load([bundle], [KEY.verifier]) as third:
        assert third.sealed


def test_the_report_survives_the_seal_whole() -> None:
    from auditviewer.workspace.inputs import open_workspace
    from auditviewer.workspace.verification import verify_workspace
    from tests.helpers.vectors import VECTORS

    workspace = open_workspace([VECTORS / "modified-entry"])
    try:
        report = verify_workspace(workspace, [])
    finally:
        workspace.close()
    assert report.findings and report.checkpoints
    assert report_of(report_record(report)) == report


def test_many_state_ranges_are_read_from_the_sealed_file(
    on_disk: Path, tmp_path: Path, calls: dict[str, int]
) -> None:
    """Over 16 state ranges are written into the file's column before it is sealed; a
    sealed reopen (read-only: it could not write them) reads them from there."""
    leaves = [make_entry(i) for i in range(60)]
    sizes = list(range(3, 61, 3))
    edited = {5, 11, 17, 23, 29, 35, 41, 47, 53}
    for seq in edited:
        leaves[seq] = make_entry(seq, note="edited")
    good = [make_entry(i) for i in range(60)]
    bundle = write_bundle(tmp_path / "ranges", leaves, checkpoint_sizes=sizes, key=KEY, all_leaves=good)
    with load([bundle], [KEY.verifier]) as first:
        states = first.store.window(first.store.create_view(), 0, 60, columns=["seq", "state"]).to_pylist()
        assert len(first.report.state_ranges) > 16
    with load([bundle], [KEY.verifier]) as again:
        assert again.sealed
        assert again.store.window(again.store.create_view(), 0, 60, columns=["seq", "state"]).to_pylist() == states
    assert calls["verify"] == 1


# -- the database file changed --------------------------------------------------------------


def test_one_byte_of_the_database_changed_runs_the_full_proof(
    bundle: Path, on_disk: Path, calls: dict[str, int]
) -> None:
    database = _sealed_once(bundle, on_disk)
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        _assert_genuine(again)  # rebuilt or proven: never the changed bytes shown as verified
    assert calls["verify"] == 2


def test_an_edited_row_behind_an_intact_seal_is_proven_and_never_shown(
    bundle: Path, on_disk: Path, calls: dict[str, int]
) -> None:
    import duckdb

    database = _sealed_once(bundle, on_disk)
    con = duckdb.connect(str(database))
    con.execute("UPDATE entries SET actor_email = 'mallory@evil.example' WHERE seq = 3")
    con.execute("CHECKPOINT")
    con.close()
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        assert calls["prove"] == 1 and calls["verify"] >= 2  # the full path: verified and proven
        assert any("did not match the files" in notice for notice in again.notices)
        assert all("mallory" not in str(row["actor_email"]) for row in _rows(again))
        _assert_genuine(again)


def test_a_write_ahead_log_beside_the_database_is_not_sealed_bytes(bundle: Path, on_disk: Path) -> None:
    from auditviewer.workspace.inputs import open_workspace

    database = _sealed_once(bundle, on_disk)
    workspace = open_workspace([bundle])
    try:
        choice = workspace_cache.choose_database(workspace)
        context = seal_module.SealContext.of(workspace, [KEY.verifier])
        # (Opening sweeps a log left by a process gone: made after that, as if by another.)
        database.with_name(database.name + ".wal").write_bytes(b"")
        sealed, why = seal_module.open_sealed(choice, workspace, context)
        assert sealed is None and why is not None and "write-ahead log" in why
    finally:
        workspace.close()


@pytest.mark.parametrize("same_size", [True, False])
def test_an_input_file_changed_is_verified_again(bundle: Path, on_disk: Path, same_size: bool) -> None:
    """Its manifest listing still names the old bytes (so the database found is the same
    one when the size is): the seal binds the files' own bytes."""
    _sealed_once(bundle, on_disk)
    [entries] = sorted((bundle / "entries").iterdir())
    data = entries.read_bytes()
    assert b"Update" in data
    entries.write_bytes(data.replace(b"Update", b"UPDATE" if same_size else b"Updated", 1))
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        assert any(f.kind == "file_hash_mismatch" for f in again.report.findings)
        assert again.report.verified_entries < VERIFIED
    assert len(list(on_disk.glob("*.duckdb"))) == (1 if same_size else 2)
    if same_size:  # the seal found is removed, and such a load is never sealed
        assert not list(on_disk.glob("*.seal"))


# -- the seal itself ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    ["wrong MAC", "truncated", "payload edited", "empty", "no header"],
)
def test_a_damaged_seal_takes_the_full_path_and_is_sealed_again(
    bundle: Path, on_disk: Path, calls: dict[str, int], damage: str
) -> None:
    database = _sealed_once(bundle, on_disk)
    target = seal_path(database)
    data = target.read_bytes()
    header, _, payload = data.partition(b"\n")
    changed = {
        "wrong MAC": header[:-1] + (b"0" if header[-1:] != b"0" else b"1") + b"\n" + payload,
        "truncated": data[: len(data) // 2],
        "payload edited": header + b"\n" + payload.replace(b'"verified"', b'"verifies"', 1),
        "empty": b"",
        "no header": payload,
    }[damage]
    assert changed != data
    target.write_bytes(changed)
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        _assert_genuine(again)
    assert calls == {"verify": 2, "prove": 1}
    with load([bundle], [KEY.verifier]) as third:  # the full path sealed it again
        assert third.sealed


def test_an_oversized_seal_is_not_read(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = _sealed_once(bundle, on_disk)
    size = seal_path(database).stat().st_size
    for module in (seal_module, seal_record):
        monkeypatch.setattr(module, "DEFAULT_LIMITS", Limits(max_seal_bytes=size - 1))
    with pytest.raises(SealError, match="larger"):
        read_seal(seal_path(database), seal_module.secret(create=False) or b"")
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        _assert_genuine(again)
    assert not seal_path(database).exists()  # and a seal that large is not written either


def test_a_seal_made_with_another_secret_does_not_hold(
    bundle: Path, on_disk: Path, tmp_path: Path
) -> None:
    _sealed_once(bundle, on_disk)
    secret = _secret_file(tmp_path)
    secret.unlink()
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, os.urandom(32))
    os.close(fd)
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
        _assert_genuine(again)


def test_the_first_run_creates_the_secret_beside_the_trust_store_readable_by_its_owner_only(
    bundle: Path, on_disk: Path, tmp_path: Path
) -> None:
    secret = _secret_file(tmp_path)
    assert not secret.exists()
    _sealed_once(bundle, on_disk)
    assert len(secret.read_bytes()) == 32
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not list(on_disk.parent.rglob("*seal.key"))  # never in the cache folder


def test_a_missing_secret_means_no_seal_is_honoured(bundle: Path, on_disk: Path, tmp_path: Path) -> None:
    _sealed_once(bundle, on_disk)
    _secret_file(tmp_path).unlink()
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed  # a new secret is made and the file sealed again
        _assert_genuine(again)
    with load([bundle], [KEY.verifier]) as third:
        assert third.sealed


def test_a_secret_others_may_read_is_not_used(bundle: Path, on_disk: Path, tmp_path: Path) -> None:
    _sealed_once(bundle, on_disk)
    _secret_file(tmp_path).chmod(0o644)
    with load([bundle], [KEY.verifier]) as again:
        assert not again.sealed
    assert not seal_path(_database(on_disk)).exists()  # nor is anything sealed with it


def test_a_seal_record_is_parsed_strictly_after_its_mac() -> None:
    key = os.urandom(32)
    with pytest.raises(SealError, match="MAC"):
        decode_seal(seal_record.HEADER + b"00" * 32 + b"\n{}", key)
    record = encode_seal_payload(key, b'{"app": "x", "app": "y"}')
    with pytest.raises(SealError, match="cannot be read"):
        decode_seal(record, key)  # a duplicate key, even under a valid MAC
    with pytest.raises(SealError, match="cannot be read"):
        decode_seal(encode_seal_payload(key, b'{"app": 1}'), key)


def encode_seal_payload(key: bytes, payload: bytes) -> bytes:
    import hmac

    mac = hmac.new(key, seal_record.HEADER + payload, hashlib.sha256).hexdigest()
    return seal_record.HEADER + mac.encode() + b"\n" + payload


def test_a_seal_with_an_unknown_status_is_refused(bundle: Path, on_disk: Path) -> None:
    database = _sealed_once(bundle, on_disk)
    key = seal_module.secret(create=False)
    assert key is not None
    record = read_seal(seal_path(database), key)
    record.report.status = "fine"
    with pytest.raises(SealError, match="status"):
        decode_seal(encode_seal(record, key), key)


# -- what the verdict depends on besides the files -------------------------------------------------------


def test_a_changed_trust_decision_gives_the_verdict_of_now(bundle: Path, on_disk: Path) -> None:
    _sealed_once(bundle, on_disk)  # the key trusted then
    with load([bundle], []) as untrusted:  # not now
        assert not untrusted.sealed
        assert untrusted.report.verified_entries == 0
        assert any(f.kind == "untrusted_key" for f in untrusted.report.findings)
        assert {row["state"] for row in _rows(untrusted)} == {"unverified"}
    with load([bundle], [KEY.verifier, OTHER.verifier]) as more:  # another set of keys
        assert not more.sealed
        assert more.report.verified_entries == VERIFIED


def test_a_changed_remembered_checkpoint_still_shows_the_fork(tmp_path: Path, on_disk: Path) -> None:
    memory_folder = tmp_path / "memory"
    leaves = [make_entry(i) for i in range(50)]
    rewritten = list(leaves)
    rewritten[20] = make_entry(20, note="rewritten")
    original = write_bundle(tmp_path / "original", leaves, checkpoint_sizes=[16, 32, 50], key=KEY)
    forged = write_bundle(tmp_path / "rewritten", rewritten, checkpoint_sizes=[16, 32, 50], key=KEY)

    with load([forged], [KEY.verifier], memory=CheckpointMemory(folder=memory_folder)) as first:
        assert first.report.status == "verified"  # alone it is self-consistent
    with load([forged], [KEY.verifier], memory=CheckpointMemory(folder=memory_folder)) as sealed:
        assert sealed.sealed  # memory unchanged: the seal holds
    memory = CheckpointMemory(folder=memory_folder)
    with load([original], [KEY.verifier], memory=memory) as seen:
        memory.remember(seen.report, ORIGIN)  # the genuine history is seen meanwhile
    with load([forged], [KEY.verifier], memory=CheckpointMemory(folder=memory_folder)) as again:
        assert not again.sealed
        assert again.report.status == "failed"
        assert {f.checkpoint for f in again.report.findings if f.kind == "fork"} == {32, 50}


def test_verify_never_reads_a_seal(bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditviewer.cli import main

    _sealed_once(bundle, on_disk)

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify read a seal")

    monkeypatch.setattr(seal_module, "open_sealed", refused)
    monkeypatch.setattr(seal_module, "read_seal", refused)
    monkeypatch.setattr(loading_module, "open_sealed", refused)
    assert main(["verify", str(bundle), "--trust", KEY.verifier_string, "--quiet"]) == 3  # incomplete: an unsigned tail


# -- the cache folder --------------------------------------------------------------------------------------


def test_a_seal_goes_with_its_database(bundle: Path, on_disk: Path) -> None:
    from auditviewer.workspace import cache_folder

    database = _sealed_once(bundle, on_disk)
    [entry] = cache_folder.scan(on_disk)
    assert seal_path(database) in entry.files
    cache_folder.remove(entry)
    assert not list(on_disk.iterdir())


def test_a_sealed_file_opened_read_only_cannot_be_written(bundle: Path, on_disk: Path) -> None:
    from auditviewer.core.errors import StoreError

    database = _sealed_once(bundle, on_disk)
    store = Store(database=database, existing=True, read_only=True)
    try:
        with pytest.raises(StoreError):
            store.relabel_sources({"x": "y"})
        store.lock_down()
        assert store.total_count() == ROWS
    finally:
        store.close()


def test_a_zipped_bundle_is_sealed_and_its_members_hashed(tmp_path: Path, on_disk: Path) -> None:
    import zipfile

    folder = write_bundle(tmp_path / "b", [make_entry(i) for i in range(ROWS)], checkpoint_sizes=[16, VERIFIED], key=KEY)
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    with load([archive], [KEY.verifier]) as first:
        assert not first.sealed
    with load([archive], [KEY.verifier]) as again:
        assert again.sealed
        _assert_genuine(again)


# -- the inputs, by BLAKE3 -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["valid-jsonl", "valid-parquet.zip", "file-hash-mismatch"])
def test_the_readers_hash_each_entry_file_with_blake3_only_for_a_seal(name: str, tmp_path: Path) -> None:
    from blake3 import blake3

    from auditviewer.workspace.inputs import open_workspace
    from tests.helpers.vectors import VECTORS

    plain = open_workspace([VECTORS / name])  # as verify reads: no BLAKE3 at all
    try:
        for _ in plain.iter_batches():
            pass
        assert plain.entry_files and plain.entry_blake3 == {}
    finally:
        plain.close()
    workspace = open_workspace([VECTORS / name])
    workspace.seal_digests = True  # as a load whose database may be sealed
    try:
        for _ in workspace.iter_batches():
            pass
        assert workspace.entry_files
        for entry in workspace.entry_files:
            with entry.container.open_raw(entry.name) as raw:
                assert workspace.entry_blake3[entry.label] == blake3(raw.read()).hexdigest()
    finally:
        workspace.close()


def test_a_seal_binds_the_listed_files_by_blake3_and_a_reopen_does_not_sha256_them(
    bundle: Path, on_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blake3 import blake3

    from auditviewer.workspace import content

    database = _sealed_once(bundle, on_disk)
    secret_key = seal_module.secret(create=False)
    assert secret_key is not None
    record = seal_record.read_seal(seal_path(database), secret_key)
    [entries] = sorted((bundle / "entries").iterdir())
    assert list(record.entry_blake3.values()) == [blake3(entries.read_bytes()).hexdigest()]
    sha256_bytes = [0]
    real = content.sha256_of

    def counting(raw: object, **kwargs: object) -> str:
        hashed = [0]
        digest = real(raw, **{**kwargs, "hashed": hashed})  # type: ignore[arg-type]
        sha256_bytes[0] += hashed[0]
        return digest

    monkeypatch.setattr(content, "sha256_of", counting)
    with load([bundle], [KEY.verifier]) as again:
        assert again.sealed
    # The manifest and checkpoints (small) by SHA-256; the entries only by BLAKE3.
    assert sha256_bytes[0] < entries.stat().st_size
