"""Checkpoints as a bundle's ``checkpoints.jsonl`` gives them (spec §4), and each one judged.

``input/formats/checkpoints.py`` reads the file into note lines; each note is
parsed here by :func:`auditviewer.integrity.notes.parse_checkpoint` into a
:class:`CheckpointLine` (the checkpoint memory stores them too). A line that
holds no checkpoint keeps its ``problem``, reported as ``malformed_checkpoint``
naming file and line. :func:`judge_checkpoints` judges each one against the
trusted keys and the log's origin (``ok``, ``untrusted``, ``bad_signature``,
``foreign``) — it needs no entry, so it may run while the entries are read —
and :func:`judgement_finding` says what one that cannot be an anchor means;
``integrity/verify.py`` then ties the anchors to the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditviewer.core.display import quoted
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.formats.checkpoints import NoteLine, read_note_lines
from auditviewer.integrity.keys import VerifierKey
from auditviewer.integrity.notes import Checkpoint, NoteError, check_signatures, parse_checkpoint
from auditviewer.integrity.report import CheckpointResult, Finding, Signer


@dataclass(frozen=True, slots=True)
class CheckpointLine:
    """A checkpoint as read from a file, or why it could not be read."""

    source: str
    line: int
    checkpoint: Checkpoint | None
    problem: str | None = None


def checkpoint_lines(notes: Iterable[NoteLine], *, limits: Limits = DEFAULT_LIMITS) -> list[CheckpointLine]:
    """Each note line's checkpoint, parsed; a line without one keeps its problem."""
    out: list[CheckpointLine] = []
    for line in notes:
        if line.note is None:
            out.append(CheckpointLine(line.source, line.line, None, line.problem))
            continue
        try:
            out.append(CheckpointLine(line.source, line.line, parse_checkpoint(line.note, limits=limits)))
        except NoteError as exc:
            out.append(CheckpointLine(line.source, line.line, None, str(exc)))
    return out


def read_checkpoints(data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS) -> list[CheckpointLine]:
    """A checkpoints file (``label`` names it in problems) read and parsed, line by line."""
    return checkpoint_lines(read_note_lines(data, label=label, limits=limits), limits=limits)


def judge_checkpoints(
    checkpoint_lines: Iterable[CheckpointLine], trusted_keys: Iterable[VerifierKey], *, origin: str | None
) -> dict[int, CheckpointResult]:
    """Every well-formed checkpoint judged (signatures checked), by ``id()`` of its line.

    Needs no entry, so callers may run it while the entries are read (see
    :func:`auditviewer.workspace.verification.verify_workspace`) and hand it to :func:`verify`.
    """
    trusted = {(k.name, k.key_id): k for k in trusted_keys}
    return {
        id(line): judge_checkpoint(line, line.checkpoint, origin, trusted)
        for line in checkpoint_lines
        if line.checkpoint is not None
    }


def judge_checkpoint(
    line: CheckpointLine,
    checkpoint: Checkpoint,
    origin: str | None,
    trusted: dict[tuple[str, bytes], VerifierKey],
) -> CheckpointResult:
    signers = [
        Signer(key=s.key, trusted=s.trusted, valid=s.valid)
        for s in check_signatures(checkpoint.text, checkpoint.signatures, trusted)
    ]
    if origin is not None and checkpoint.origin != origin:
        status = "foreign"
    elif any(s.trusted and s.valid is False for s in signers):
        status = "bad_signature"
    elif any(s.trusted and s.valid for s in signers):
        status = "ok"
    else:
        status = "untrusted"
    return CheckpointResult(
        size=checkpoint.size,
        head=checkpoint.head,
        origin=checkpoint.origin,
        time=checkpoint.time,
        signers=signers,
        status=status,
        source=f"{line.source}:{line.line}",
        note=checkpoint.note,
    )


def judgement_finding(result: CheckpointResult, origin: str | None) -> Finding | None:
    """The finding a judged checkpoint that cannot be an anchor makes; None for one that can."""
    if result.status == "foreign":
        return Finding(
            kind="foreign_checkpoint",
            message=(
                f"checkpoint at size {result.size} is for origin {quoted(result.origin)}, "
                f"not this log's {quoted(origin)}; it verifies nothing"
            ),
            checkpoint=result.size,
        )
    if result.status == "bad_signature":
        bad = ", ".join(s.key for s in result.signers if s.trusted and s.valid is False)
        return Finding(
            kind="bad_signature",
            message=(
                f"checkpoint at size {result.size}: the signature by trusted key {bad} "
                "does not verify; the whole checkpoint is rejected"
            ),
            checkpoint=result.size,
        )
    if result.status == "untrusted":
        keys = ", ".join(s.key for s in result.signers) or "no key"
        return Finding(
            kind="untrusted_key",
            message=(
                f"checkpoint at size {result.size} is signed only by keys you do not trust "
                f"({keys}); compare the key out of band before trusting it"
            ),
            checkpoint=result.size,
        )
    return None
