"""Verifier keys in the C2SP signed-note form, and the key ids they imply.

    key id      = SHA-256(name || 0x0A || 0x01 || public key)[:4]
    verifier key: <name>+<key id as 8 hex digits>+<base64(0x01 || public key)>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from auditviewer.core.display import quoted
from auditviewer.core.errors import TrustStoreError

ED25519_ALGORITHM = 0x01
MAX_KEY_STRING = 1024


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of an Ed25519 key with this name."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_ALGORITHM]) + public_key).digest()[:4]


def valid_key_name(name: str) -> bool:
    """C2SP: a key name is non-empty, printable, and has no whitespace and no ``+``."""
    return bool(name) and all(c.isprintable() and not c.isspace() and c != "+" for c in name)


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A trusted (or merely named) Ed25519 verifier key."""

    name: str
    key_id: bytes
    public_key: bytes

    @property
    def id_hex(self) -> str:
        return self.key_id.hex()

    @property
    def label(self) -> str:
        """``name+8hex``: how reports and the trust store name a key."""
        return f"{self.name}+{self.id_hex}"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public key, grouped for reading aloud when comparing out of band."""
        digest = hashlib.sha256(self.public_key).hexdigest()
        return ":".join(digest[i : i + 4] for i in range(0, 32, 4))

    def to_string(self) -> str:
        material = base64.b64encode(bytes([ED25519_ALGORITHM]) + self.public_key).decode()
        return f"{self.name}+{self.id_hex}+{material}"

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> VerifierKey:
        return cls(name=name, key_id=key_id(name, public_key), public_key=public_key)


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``name+hex+base64``; raises :class:`TrustStoreError` with the reason."""
    text = text.strip()
    if len(text) > MAX_KEY_STRING:
        raise TrustStoreError("verifier key is too long")
    # The name has no '+', the id is hex, so the first two '+' split it;
    # the base64 material may contain '+' itself.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise TrustStoreError(f"not a verifier key (want name+keyid+base64): {quoted(text)}")
    name, hex_id, material = parts
    if not valid_key_name(name):
        raise TrustStoreError(f"invalid key name {quoted(name)}")
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise TrustStoreError(f"key id must be 8 lowercase hex digits, not {quoted(hex_id, 20)}")
    try:
        raw = base64.b64decode(material, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TrustStoreError(f"key material of {quoted(name)} is not valid base64") from exc
    if base64.b64encode(raw).decode() != material:
        raise TrustStoreError(f"key material of {quoted(name)} is not canonical base64")
    if len(raw) != 33 or raw[0] != ED25519_ALGORITHM:
        raise TrustStoreError(f"key {quoted(name)} is not an Ed25519 key (want 0x01 + 32 bytes)")
    public_key = raw[1:]
    expected = key_id(name, public_key)
    if expected.hex() != hex_id:
        raise TrustStoreError(
            f"key id {hex_id} of {quoted(name)} does not match its key material (computed {expected.hex()})"
        )
    return VerifierKey(name=name, key_id=expected, public_key=public_key)
