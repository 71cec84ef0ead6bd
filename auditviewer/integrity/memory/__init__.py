"""Remembered checkpoints: what this machine has seen of each log, to catch rollback and forks over time.

The app keeps, per origin, the trusted checkpoints it has verified, and feeds them
into later verifications as extra anchors. Three parts:

- :mod:`.store` — the files (one per log, in the user's data folder), their records
  (``msgspec``-validated), bounded, written atomically, damage set aside and reported;
- :mod:`.anchors` — the algorithm: which remembered checkpoints to feed, and what to
  say about them after the verification;
- :mod:`.evidence` — a fork shown to someone else: both signed notes, and when each
  was first seen.

The verification pass that feeds them, ``verify_with_memory``, runs a workspace and
so lives in ``auditviewer.workspace.memory``. Qt-free: the command line
(``verify --remember``, ``memory list|forget``) and the viewer share this package.
"""

from __future__ import annotations

from auditviewer.integrity.memory.evidence import fork_evidence, write_evidence
from auditviewer.integrity.memory.store import (
    MAX_PER_ORIGIN,
    SOURCE_PREFIX,
    CheckpointMemory,
    CheckpointMemoryError,
    OriginSummary,
    RememberedCheckpoint,
    file_name,
)

__all__ = [
    "MAX_PER_ORIGIN",
    "SOURCE_PREFIX",
    "CheckpointMemory",
    "CheckpointMemoryError",
    "OriginSummary",
    "RememberedCheckpoint",
    "file_name",
    "fork_evidence",
    "write_evidence",
]
