"""Times: RFC 3339 read and written in one place, and epoch milliseconds shown to people. Qt-free.

**One rule for times read from an input.** Spec §2 says an entry's ``time`` is
RFC 3339 UTC; RFC 3339 §5.6 makes the offset (``Z`` or ``±hh:mm``) part of
every date-time. A time written without one (``2026-09-14T08:31:22``) names
no moment — it could be any of 26 hours — so a careful verifier does not
guess: :func:`parse_rfc3339` returns None for it, exactly as for text that is
no time at all. Everything that reads a time from a bundle goes through it:
the time-regression check (``integrity/verify.py``: such an entry is not
compared, so no ``time_regression`` is claimed from a guess), the plain
exports' ``time`` column (empty), the manifest's ``exported_at`` shown by the
viewer (absent). The store derives its ``time`` column inside DuckDB by the
same rule (the ``time`` column's SQL in ``core/entry_schema.py``: a zone is required), so such
an entry has no time in the table, the histogram or a time filter. The entry
itself stays well formed and is verified like any other: times are opaque to
the chain (docs/verification.md).

The grammar is RFC 3339's, no wider: ``T``, ``t`` or a space between date and
time, seconds required, any fraction, ``Z``/``z`` or ``±hh:mm``. ISO 8601
forms Python's ``fromisoformat`` also takes (``20260914T083122Z``,
``+0000``, no seconds) are not RFC 3339 and are not times here either.

What a *person* types in a search (``time:2026-09-01T12:00``) is another
matter: the query language reads it in the zone the viewer shows
(``query/sql.py``), because the person sees that zone.

:func:`format_rfc3339` is the one way a time is written (manifests, memory
records, export descriptions, CSV cells): UTC with ``Z``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def to_datetime(ms: int, utc: bool) -> datetime:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment if utc else moment.astimezone()


def format_time(ms: int | None, utc: bool, *, millis: bool = False) -> str:
    """``2026-08-10 01:14:41`` (UTC) or the local wall time; ``millis`` adds ``.087``."""
    if ms is None:
        return ""
    try:
        # time.gmtime/localtime and an f-string: several times faster than
        # datetime.strftime, and this runs for every row of every page.
        tm = time.gmtime(ms // 1000) if utc else time.localtime(ms // 1000)
    except (OverflowError, OSError, ValueError):
        return str(ms)
    text = f"{tm[0]:04d}-{tm[1]:02d}-{tm[2]:02d} {tm[3]:02d}:{tm[4]:02d}:{tm[5]:02d}"
    if millis:
        text += f".{ms % 1000:03d}"
    return text


def format_range(start_ms: int, end_ms: int, utc: bool) -> str:
    """``2026-10-09 14:00:00 – 15:00:00``: a span, its end's date left out when shared."""
    start, end = format_time(start_ms, utc), format_time(end_ms, utc)
    if start[:10] == end[:10] and len(end) > 11:
        end = end[11:]
    return f"{start} – {end}"


def zone_name(utc: bool) -> str:
    if utc:
        return "UTC"
    now = datetime.now().astimezone()
    return now.tzname() or "local"


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def parse_rfc3339(text: str | None) -> datetime | None:
    """The moment an RFC 3339 date-time names, in UTC; None for anything else.

    None in particular for a time without an offset (see the module's rule),
    for ISO 8601 forms RFC 3339 does not allow, and for impossible dates.
    """
    if not text:
        return None
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    day, clock, zone = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}{'+00:00' if zone in ('Z', 'z') else zone}")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # no such date; or past year 1 or 9999 in UTC
        return None


def parse_rfc3339_ms(text: str | None) -> int | None:
    """Milliseconds since the epoch of an RFC 3339 time, or None (see :func:`parse_rfc3339`)."""
    moment = parse_rfc3339(text)
    return None if moment is None else int(moment.timestamp() * 1000)


def format_rfc3339(moment: datetime, *, millis: bool = False) -> str:
    """``2026-09-14T08:31:22Z`` (``millis``: ``2026-09-14T08:31:22.512Z``), in UTC.

    A datetime without a zone is refused (``ValueError``): it names no moment.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time without a zone names no moment: {moment.isoformat()}")
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")
    return text.removesuffix("+00:00") + "Z"


def format_rfc3339_ms(ms: int) -> str:
    """Epoch milliseconds as RFC 3339 UTC, to the second: ``2026-09-14T08:31:22Z``."""
    return format_rfc3339(datetime.fromtimestamp(ms // 1000, UTC))


def rfc3339_utc(moment: datetime | None = None) -> str:
    """:func:`format_rfc3339` with milliseconds, of ``moment`` or now (``2026-09-14T08:31:22.512Z``):
    what case work stamps its records with. A time without a zone is refused, as there."""
    return format_rfc3339(moment if moment is not None else datetime.now(UTC), millis=True)


def format_span(ms: int) -> str:
    """A duration in the largest sensible unit: ``3 days``, ``5 h``, ``12 min``."""
    delta = timedelta(milliseconds=ms)
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    if delta >= timedelta(hours=2):
        return f"{int(delta.total_seconds() // 3600)} h"
    if delta >= timedelta(minutes=2):
        return f"{int(delta.total_seconds() // 60)} min"
    return f"{int(delta.total_seconds())} s"
