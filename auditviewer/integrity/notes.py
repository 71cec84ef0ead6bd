"""C2SP signed notes and the checkpoint text they carry (spec §4).

A note is ``text`` (ending in a newline), a blank line, then signature lines
``— <name> <base64(key id || signature)>``. A checkpoint's text is origin,
size, base64 head, then optional lines (``time <RFC 3339>``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from auditviewer.core.display import quoted
from auditviewer.core.errors import AuditViewerError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.integrity.keys import VerifierKey, key_id, valid_key_name

SIGNATURE_PREFIX = "\u2014 "
#: The defaults; :class:`auditviewer.core.limits.Limits` (``max_note_bytes``, ``max_signatures``) governs.
MAX_NOTE_BYTES = DEFAULT_LIMITS.max_note_bytes
MAX_SIGNATURES = DEFAULT_LIMITS.max_signatures


class NoteError(AuditViewerError, ValueError):
    """The note or checkpoint text is malformed; the message says how."""


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    @property
    def label(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


@dataclass(frozen=True, slots=True)
class SignerResult:
    """One signature line as judged against the trusted keys."""

    key: str  # name+8hex
    trusted: bool
    valid: bool | None  # None: not checked (no trusted key to check it with)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    head: bytes
    time: str | None
    text: bytes  # the signed text, final newline included
    signatures: tuple[NoteSignature, ...] = field(default=())
    note: str = ""

    @property
    def head_b64(self) -> str:
        return base64.b64encode(self.head).decode()


def parse_note(note: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, tuple[NoteSignature, ...]]:
    """Split a signed note into its text and signature lines.

    Notes over ``limits.max_note_bytes`` or with more than ``limits.max_signatures``
    signature lines are refused (C2SP: verifiers accept at least 16; Go's cap is 100).
    """
    if len(note) > limits.max_note_bytes:  # every character is at least one byte
        raise NoteError(f"note is larger than {limits.max_note_bytes} bytes (limit max_note_bytes)")
    try:
        raw = note.encode("utf-8", errors="strict")
    except UnicodeEncodeError as exc:
        raise NoteError(f"note is not valid Unicode text ({exc.reason} at {exc.start})") from exc
    if len(raw) > limits.max_note_bytes:
        raise NoteError(f"note is larger than {limits.max_note_bytes} bytes (limit max_note_bytes)")
    for ch in note:
        if ch != "\n" and (ord(ch) < 0x20 or ord(ch) == 0x7F):
            raise NoteError(f"note contains control character U+{ord(ch):04X}")
    if not note.endswith("\n"):
        raise NoteError("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text = note[: split + 1]
    sig_lines = note[split + 2 :].split("\n")[:-1]
    if not sig_lines:
        raise NoteError("note has no signature lines")
    signatures: list[NoteSignature] = []
    for line in sig_lines:
        if len(signatures) >= limits.max_signatures:
            raise NoteError(
                f"note has more than {limits.max_signatures} signatures (limit max_signatures)"
            )
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line does not start with '— ': {quoted(line)}")
        parts = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(parts) != 2 or not valid_key_name(parts[0]):
            raise NoteError(f"malformed signature line: {quoted(line)}")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoteError(f"signature of {quoted(parts[0])} is not valid base64") from exc
        if base64.b64encode(blob).decode() != parts[1]:
            # Non-canonical base64 (stray bits before the padding) decodes to the
            # same bytes; refusing it keeps one signature line to one spelling.
            raise NoteError(f"signature of {quoted(parts[0])} is not canonical base64")
        if len(blob) < 5:
            raise NoteError(f"signature of {quoted(parts[0])} is too short")
        signatures.append(NoteSignature(name=parts[0], key_id=blob[:4], signature=blob[4:]))
    return text.encode(), tuple(signatures)


def parse_checkpoint(note: str, *, limits: Limits = DEFAULT_LIMITS) -> Checkpoint:
    """Parse a signed note whose text is a checkpoint; signatures are not checked here."""
    text, signatures = parse_note(note, limits=limits)
    lines = text.decode().split("\n")[:-1]
    if len(lines) < 3:
        raise NoteError("checkpoint text has fewer than 3 lines (origin, size, head)")
    origin, size_text, head_text = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise NoteError(f"checkpoint size {quoted(size_text, 30)} is not a decimal without leading zeros")
    if len(size_text) > 19:
        raise NoteError("checkpoint size is too large")
    try:
        head = base64.b64decode(head_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("checkpoint head is not valid base64") from exc
    if len(head) != 32 or base64.b64encode(head).decode() != head_text:
        raise NoteError("checkpoint head is not the padded base64 of 32 bytes")
    time = None
    for extra in lines[3:]:
        if extra.startswith("time "):
            time = extra[5:]
    return Checkpoint(
        origin=origin,
        size=int(size_text),
        head=head,
        time=time,
        text=text,
        signatures=signatures,
        note=note,
    )


def check_signatures(
    text: bytes, signatures: tuple[NoteSignature, ...], trusted: dict[tuple[str, bytes], VerifierKey]
) -> list[SignerResult]:
    """Judge every signature: ignored if its key is not trusted, else verified with Ed25519.

    Each Ed25519 check costs ~0.1 ms and a note may carry 100 signature lines, so
    identical lines are checked once, and once a trusted signature fails (which
    rejects the whole note) the remaining trusted ones are not checked
    (``valid=None``): a hostile bundle cannot make a note cost 100 checks.
    """
    results = []
    checked: dict[tuple[str, bytes, bytes], bool] = {}
    rejected = False
    for sig in signatures:
        key = trusted.get((sig.name, sig.key_id))
        if key is None:
            results.append(SignerResult(key=sig.label, trusted=False, valid=None))
            continue
        line = (sig.name, sig.key_id, sig.signature)
        valid: bool | None = checked.get(line)
        if valid is None and not rejected:
            try:
                VerifyKey(key.public_key).verify(text, sig.signature)
                valid = True
            except (BadSignatureError, ValueError):
                valid = False
                rejected = True
            checked[line] = valid
        results.append(SignerResult(key=sig.label, trusted=True, valid=valid))
    return results


def checkpoint_text(origin: str, size: int, head: bytes, time: str | None = None) -> str:
    """The text of a checkpoint, final newline included."""
    text = f"{origin}\n{size}\n{base64.b64encode(head).decode()}\n"
    if time:
        text += f"time {time}\n"
    return text


def sign_note(text: str, name: str, signing_key: SigningKey) -> str:
    """A signed note of ``text`` with one signature line by ``signing_key`` under ``name``."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    public = bytes(signing_key.verify_key)
    sig = signing_key.sign(text.encode()).signature
    blob = base64.b64encode(key_id(name, public) + sig).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {blob}\n"
