"""``checkpoints.jsonl`` read as lines: one ``{"note": "<signed note>"}`` per line.

This module reads the file only — its size in lines, each line's JSON, its
``note`` string and that string's size — and hands the notes on as
:class:`NoteLine`; what a note *says* (its checkpoint text and signatures) is
parsed in :mod:`auditviewer.integrity.checkpoints`, beside the rest of §4, so
that ``input/`` never imports ``integrity/``.

Each line is read by the same strict parser as entries (:func:`strict_loads`): a
duplicate ``note`` key (which one would win?), ``NaN`` or ``Infinity``, or an
unpaired surrogate escape makes the line a ``malformed_checkpoint``.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditviewer.core.errors import LimitError
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.input.formats.entry import StrictJSONError, strict_loads


@dataclass(frozen=True, slots=True)
class NoteLine:
    """One line of a checkpoints file: its signed note, or why the line holds none."""

    source: str
    line: int
    note: str | None
    problem: str | None = None


def read_note_lines(data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS) -> list[NoteLine]:
    """Every line of ``data`` (a checkpoints file named ``label``) as a :class:`NoteLine`.

    Raises :class:`~auditviewer.core.errors.LimitError` when the file holds more than
    ``limits.max_checkpoints`` lines; a bad line is a ``NoteLine`` with a ``problem``.
    """
    out: list[NoteLine] = []
    # Count before splitting: a file of newlines would otherwise become a list of
    # millions of empty lines (8 bytes a line) before the limit is checked.
    count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if count > limits.max_checkpoints:
        raise LimitError(
            f"holds {count} checkpoint lines, more than {limits.max_checkpoints} "
            "(limit max_checkpoints)",
            path=label,
        )
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        if len(raw) > limits.max_note_bytes * 2:
            out.append(
                NoteLine(
                    label,
                    number,
                    None,
                    f"checkpoint line is {len(raw)} bytes, over twice the note limit "
                    f"of {limits.max_note_bytes} bytes (limit max_note_bytes)",
                )
            )
            continue
        try:
            obj = strict_loads(raw.decode("utf-8"), max_depth=limits.max_json_depth)
        except UnicodeDecodeError as exc:
            out.append(NoteLine(label, number, None, f"not JSON (invalid UTF-8 at byte {exc.start})"))
            continue
        except StrictJSONError as exc:
            out.append(NoteLine(label, number, None, f"not a checkpoint line: {exc}"))
            continue
        note = obj.get("note") if isinstance(obj, dict) else None
        if not isinstance(note, str):
            out.append(NoteLine(label, number, None, "line has no string 'note'"))
            continue
        if len(note.encode("utf-8", "surrogatepass")) > limits.max_note_bytes:
            out.append(
                NoteLine(label, number, None, f"note is over {limits.max_note_bytes} bytes (limit max_note_bytes)")
            )
            continue
        out.append(NoteLine(label, number, note))
    return out
