"""Checkpoints as a bundle's ``checkpoints.jsonl`` gives them (spec §4): one per line, or why not.

``input/formats/checkpoints.py`` reads the file into note lines; each note is
parsed here by :func:`auditviewer.integrity.notes.parse_checkpoint` into a
:class:`CheckpointLine`, which ``verify`` judges (signatures, heads) and the
checkpoint memory stores. A line that holds no checkpoint keeps its ``problem``,
reported as ``malformed_checkpoint`` naming file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.formats.checkpoints import NoteLine, read_note_lines
from auditviewer.integrity.notes import Checkpoint, NoteError, parse_checkpoint


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
