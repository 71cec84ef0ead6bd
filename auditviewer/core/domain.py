"""The audit log's vocabulary (spec §2): categories, actions, resource types, states."""

from __future__ import annotations

CATEGORIES = (
    "Organization Title",
    "Organization User",
    "Organization Billing",
    "Nakama Deployment",
    "Nakama Deployment Transfer",
    "Nakama Builder",
    "Nakama Builder Trigger",
    "Nakama Builder Configuration",
    "Nakama Builder Transfer",
    "Satori Deployment",
)
ACTIONS = ("Create", "Update", "Delete", "Transfer", "Add", "Reboot", "Export")
RESOURCE_TYPES = (
    "organization",
    "title",
    "user",
    "billing",
    "nakama_deployment",
    "nakama_builder",
    "satori_deployment",
)

#: Per-entry integrity states.
VERIFIED = "verified"
FAILED = "failed"
UNVERIFIED = "unverified"
STATES = (VERIFIED, FAILED, UNVERIFIED)
#: Not an entry's state: a row of the log that is a malformed line, not an entry (spec §2;
#: ``store/malformed.py``). Never verified; the query language's ``status:malformed``.
MALFORMED = "malformed"

#: The dashboard keeps this many days; older entries may exist only in exports.
DASHBOARD_RETENTION_DAYS = 90


def split_event_type(event_type: str) -> tuple[str, str]:
    """``"Nakama Deployment Update"`` → (``"Nakama Deployment"``, ``"Update"``).

    Unknown event types split at their last space, so they are shown as they are.
    """
    event_type = event_type.strip()
    for category in sorted(CATEGORIES, key=len, reverse=True):
        if event_type.startswith(category + " "):
            return category, event_type[len(category) + 1 :]
    if " " in event_type:
        category, action = event_type.rsplit(" ", 1)
        return category, action
    return event_type, ""

#: The origin of the built-in demo bundle; samples add "-sample-…" (auditviewer.demo).
#: Here, not in sample.py, so that the viewer can recognise them without importing it.
DEMO_ORIGIN = "audit.heroiclabs.example/org/acme-games-demo"
