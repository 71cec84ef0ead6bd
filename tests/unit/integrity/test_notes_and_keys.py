"""Signed notes and verifier keys, per C2SP and spec §4."""

from __future__ import annotations

import base64

import pytest

from auditviewer.core.errors import TrustStoreError
from auditviewer.integrity.keys import VerifierKey, key_id, parse_verifier_key
from auditviewer.integrity.notes import (
    NoteError,
    check_signatures,
    checkpoint_text,
    parse_checkpoint,
    sign_note,
)
from tests.helpers.bundle_builder import signer
from tests.helpers.vectors import VECTOR_KEY


def test_parse_verifier_key_of_the_vectors() -> None:
    key = parse_verifier_key(VECTOR_KEY)
    assert key.name == "audit.heroiclabs.example/org/acme-games"
    assert key.id_hex == "712495bc"
    assert key.to_string() == VECTOR_KEY
    assert len(key.fingerprint.split(":")) == 8


def test_key_material_may_contain_plus_but_name_may_not() -> None:
    # The vectors' key material itself contains '+', so only the first two split.
    assert "+" in VECTOR_KEY.split("+", 2)[2]
    with pytest.raises(TrustStoreError):
        parse_verifier_key("bad+name+712495bc+" + VECTOR_KEY.split("+", 2)[2])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name",
        "name+zzzzzzzz+AAAA",
        "name+712495bc+not base64!",
        "name+712495bc+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        VECTOR_KEY.replace("712495bc", "712495bd"),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(TrustStoreError):
        parse_verifier_key(text)


def test_sign_and_check_round_trip() -> None:
    s = signer()
    text = checkpoint_text("example.org/log", 10, bytes(range(32)), "2026-01-01T00:00:00Z")
    note = sign_note(text, s.name, s.key)
    cp = parse_checkpoint(note)
    assert (cp.origin, cp.size, cp.head, cp.time) == ("example.org/log", 10, bytes(range(32)), "2026-01-01T00:00:00Z")
    trusted = {(s.name, s.verifier.key_id): s.verifier}
    assert [r.valid for r in check_signatures(cp.text, cp.signatures, trusted)] == [True]


def test_unknown_signer_is_ignored_and_bad_trusted_signature_is_invalid() -> None:
    s, other = signer(b"a"), signer(b"b", name="witness.example")
    text = checkpoint_text("o", 1, bytes(32))
    note = sign_note(text, s.name, s.key)
    # Add a witness signature line (several signatures must be accepted).
    witness_line = sign_note(text, other.name, other.key).split("\n\n", 1)[1]
    cp = parse_checkpoint(note + witness_line)
    assert len(cp.signatures) == 2
    trusted = {(s.name, s.verifier.key_id): s.verifier}
    results = check_signatures(cp.text, cp.signatures, trusted)
    assert [(r.trusted, r.valid) for r in results] == [(True, True), (False, None)]
    tampered = parse_checkpoint(note.replace("\n1\n", "\n2\n"))
    assert [r.valid for r in check_signatures(tampered.text, tampered.signatures, trusted)] == [False]


def test_many_signatures_accepted_up_to_the_limit() -> None:
    s = signer()
    text = checkpoint_text("o", 1, bytes(32))
    line = sign_note(text, s.name, s.key).split("\n\n", 1)[1]
    assert len(parse_checkpoint(text + "\n" + line * 16).signatures) == 16
    with pytest.raises(NoteError):
        parse_checkpoint(text + "\n" + line * 101)


@pytest.mark.parametrize(
    "note",
    [
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n",  # no signatures
        "o\n01\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAA=\n",  # leading zero
        "o\n1\n" + base64.b64encode(bytes(31)).decode() + "\n\n— k AAAAAAA=\n",  # short head
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n- k AAAAAAA=\n",  # not an em dash
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAA=",  # no final newline
        "o\x07\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAA=\n",  # control char
        "o\n\n— k AAAAAAA=\n",  # too few lines
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(note)


def test_key_id_formula() -> None:
    public = bytes(range(32))
    import hashlib

    assert key_id("n", public) == hashlib.sha256(b"n\n\x01" + public).digest()[:4]
    assert VerifierKey.from_public_key("n", public).key_id == key_id("n", public)
