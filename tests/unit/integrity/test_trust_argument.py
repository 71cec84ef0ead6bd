"""Issue 11.1 / spec §8: an argument that parses as a verifier key is that key, never a file.

A verifier key string (``name/with/slashes+8hex+base64``) is also a valid
relative path. A forged bundle unpacked beside a file at exactly the genuine
key's path, holding the attacker's key under the same name, must not verify
when the victim passes the genuine key from that folder, and ``trust add``
there must store the genuine key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditviewer.cli import main
from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.trust import TrustStore, keys_from_argument
from tests.helpers.bundle_builder import make_entry, signer, write_bundle

GENUINE = signer(b"genuine")
ATTACKER = signer(b"attacker")  # the same key name (the origin), another key


def _plant(folder: Path) -> str:
    """A forged bundle signed by the attacker, beside a file named like the genuine key."""
    leaves = [make_entry(i, action="Delete") for i in range(5)]
    write_bundle(folder / "bundle", leaves, checkpoint_sizes=[5], key=ATTACKER)
    genuine = GENUINE.verifier_string
    planted = folder / genuine
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(ATTACKER.verifier_string + "\n")
    assert GENUINE.verifier.name == ATTACKER.verifier.name
    assert (folder / genuine).is_file()
    return genuine


def test_trust_key_beside_a_planted_file_of_its_name_is_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    genuine = _plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["verify", "bundle", "--trust", genuine, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["status"] != "verified"
    assert code != 0
    assert report["verified_entries"] == 0
    signers = [s for c in report["checkpoints"] for s in c["signers"]]
    assert signers and not any(s["trusted"] for s in signers)
    # The same key string given directly as the attacker's key does verify: the bundle is otherwise sound.
    assert main(["verify", "bundle", "--trust", ATTACKER.verifier_string]) == 0


def test_trust_add_beside_a_planted_file_stores_the_genuine_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    genuine = _plant(tmp_path)
    store_path = tmp_path / "store" / "trusted.keys"
    monkeypatch.setenv("AUDITVIEWER_TRUST_STORE", str(store_path))
    monkeypatch.chdir(tmp_path)
    assert main(["trust", "add", genuine]) == 0
    assert TrustStore(path=store_path).keys() == [GENUINE.verifier]


def test_keys_from_argument_reads_a_file_only_when_the_argument_is_not_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    genuine = _plant(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert keys_from_argument(genuine) == [GENUINE.verifier]
    # Whitespace around a key is still a key (as the trust store's lines are read).
    assert keys_from_argument(f"  {genuine}\n") == [GENUINE.verifier]
    listing = tmp_path / "keys.txt"
    listing.write_text(f"# keys\n\n{GENUINE.verifier_string}\n")
    assert keys_from_argument("keys.txt") == [GENUINE.verifier]
    with pytest.raises(TrustStoreError, match="neither a verifier key nor a key file"):
        keys_from_argument("no-such-file")
    # Meant as a key but broken (wrong id): the key's own problem is named, not "no such file".
    name, _, material = genuine.split("+", 2)
    with pytest.raises(TrustStoreError, match="does not match its key material"):
        keys_from_argument(f"{name}+00000000+{material}")
