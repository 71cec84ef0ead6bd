"""Times for people: epoch milliseconds shown in UTC or local time. Qt-free."""

from __future__ import annotations

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


def parse_rfc3339_ms(text: str | None) -> int | None:
    """Milliseconds since the epoch of an RFC 3339 time, or None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def rfc3339_utc(moment: datetime | None = None) -> str:
    """The one RFC 3339 form this project writes: UTC, milliseconds, ``Z`` (``2026-09-14T08:31:22.512Z``).

    ``moment`` defaults to now; a naive one is taken as UTC.
    """
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
