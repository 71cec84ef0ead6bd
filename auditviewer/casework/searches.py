"""Search history (per log origin) and saved searches (by name), kept like annotations.

::

    <data_dir>/casework/<sha256(origin) hex>.history.jsonl   newest last, at most 100
    {"query": "actor:hana@*", "time": "2026-11-20T10:00:00.000Z"}
    <data_dir>/casework/saved-searches.jsonl                  one line per name
    {"name": "bucket changes", "query": "…", "time_start": "<RFC 3339>"|null,
     "time_end": "<RFC 3339>"|null, "scope": null|{"type": "resource", "resource_type": "…",
     "resource_id": "…"}|{"type": "title", "id": "…"}, "origin": "…"|null, "time": "…"}

The history is per origin (what one searched in *this* log), deduplicated (a
query run again moves to the front), newest first, :data:`HISTORY_DEPTH` long.
Saved searches are one list for all logs, so that ``auditviewer query PATH
--saved NAME`` finds the name before anything is read; each remembers the origin
it was saved on, for people. Both files go through :mod:`auditviewer.casework.files`:
a lock around read-merge-write, the one atomic writer, a damaged file set aside
with the lines that parse kept, and a message naming the file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditviewer.casework.files import CaseworkFileError, JsonlFile, casework_dir
from auditviewer.core.times import parse_rfc3339_ms, rfc3339_utc
from auditviewer.integrity.memory import file_name
from auditviewer.store.store import Filter, ResourceScope, TitleScope

#: Queries remembered per origin.
HISTORY_DEPTH = 100
_MAX_QUERY_CHARS = 10_000
_MAX_NAME_CHARS = 200


class SavedSearchError(CaseworkFileError):
    """A saved search is unknown or malformed; the message says which, and lists the names."""


def _bad(path: Path, number: int | None, message: str) -> SavedSearchError:
    return SavedSearchError(message, path=str(path), line=number)


def _text(obj: dict[str, Any], name: str, path: Path, number: int | None, *, longest: int, optional: bool = False) -> None:
    value = obj.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > longest:
        raise _bad(path, number, f"{name!r} is not a string of at most {longest:,} characters")


def _time(obj: dict[str, Any], name: str, path: Path, number: int | None, *, optional: bool = False) -> None:
    value = obj.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or parse_rfc3339_ms(value) is None:
        raise _bad(path, number, f"{name!r} is not an RFC 3339 time")


class SearchHistory:
    """The last :data:`HISTORY_DEPTH` queries run on one log, newest first, each once."""

    def __init__(self, origin: str, *, folder: Path | None = None, clock: Callable[[], datetime] | None = None) -> None:
        folder = folder if folder is not None else casework_dir()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._file: JsonlFile[dict[str, Any]] = JsonlFile(
            folder / file_name(origin).replace(".jsonl", ".history.jsonl"), self._check, clock=self._clock
        )

    @property
    def path(self) -> Path:
        return self._file.path

    @property
    def problems(self) -> list[str]:
        return self._file.problems

    def _check(self, obj: dict[str, Any], number: int) -> dict[str, Any]:
        _text(obj, "query", self.path, number, longest=_MAX_QUERY_CHARS)
        _time(obj, "time", self.path, number)
        return obj

    def queries(self) -> list[str]:
        """Newest first."""
        return [str(obj["query"]) for obj in reversed(self._file.read())]

    def add(self, query: str) -> None:
        """Remember ``query`` as the newest (blank queries are not remembered)."""
        query = query.strip()
        if not query or len(query) > _MAX_QUERY_CHARS:
            return
        with self._file.lock():
            kept = [obj for obj in self._file.read() if obj["query"] != query]
            kept.append({"query": query, "time": rfc3339_utc(self._clock())})
            self._file.write(kept[-HISTORY_DEPTH:])

    def clear(self) -> None:
        with self._file.lock():
            self._file.write([])


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A query saved under a name, with its time range and scope."""

    name: str
    query: str
    time_start: str | None = None
    time_end: str | None = None
    #: None, ``{"type": "resource", "resource_type", "resource_id"}`` or ``{"type": "title", "id"}``.
    scope: dict[str, str] | None = None
    origin: str | None = None
    time: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "query": self.query,
            "time_start": self.time_start,
            "time_end": self.time_end,
            "scope": self.scope,
            "origin": self.origin,
            "time": self.time,
        }

    def to_filter(self) -> Filter:
        """The store's :class:`~auditviewer.store.store.Filter` this search stands for."""
        scope: ResourceScope | TitleScope | None = None
        if self.scope and self.scope.get("type") == "resource":
            scope = ResourceScope(type=self.scope["resource_type"], id=self.scope["resource_id"])
        elif self.scope and self.scope.get("type") == "title":
            scope = TitleScope(id=self.scope["id"])

        def moment(text: str | None) -> datetime | None:
            ms = parse_rfc3339_ms(text)
            return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)

        return Filter(query=self.query, scope=scope, time_start=moment(self.time_start), time_end=moment(self.time_end))

    def describe(self) -> str:
        """One line for people: the query, the time range, the scope."""
        parts = [f"query {self.query!r}" if self.query else "every entry"]
        if self.time_start or self.time_end:
            parts.append(f"from {self.time_start or 'the start'} to {self.time_end or 'the end'}")
        if self.scope and self.scope.get("type") == "resource":
            parts.append(f"scope {self.scope['resource_type']} {self.scope['resource_id']}")
        elif self.scope and self.scope.get("type") == "title":
            parts.append(f"scope title {self.scope['id']}")
        return ", ".join(parts)


def _check_saved(obj: dict[str, Any], path: Path, number: int | None) -> SavedSearch:
    known = {"name", "query", "time_start", "time_end", "scope", "origin", "time"}
    unknown = sorted(set(obj) - known)
    if unknown:
        raise _bad(path, number, f"unknown member(s) {', '.join(map(repr, unknown))}")
    _text(obj, "name", path, number, longest=_MAX_NAME_CHARS)
    if not str(obj["name"]).strip():
        raise _bad(path, number, "'name' is empty")
    _text(obj, "query", path, number, longest=_MAX_QUERY_CHARS)
    _time(obj, "time_start", path, number, optional=True)
    _time(obj, "time_end", path, number, optional=True)
    _text(obj, "origin", path, number, longest=4096, optional=True)
    _time(obj, "time", path, number)
    scope = obj.get("scope")
    if scope is not None:
        shapes = ({"type", "resource_type", "resource_id"}, {"type", "id"})
        if (
            not isinstance(scope, dict)
            or set(scope) not in shapes
            or not all(isinstance(v, str) for v in scope.values())
            or scope["type"] != ("resource" if "resource_id" in scope else "title")
        ):
            raise _bad(path, number, "'scope' is not null, a resource or a title")
    return SavedSearch(
        name=obj["name"],
        query=obj["query"],
        time_start=obj.get("time_start"),
        time_end=obj.get("time_end"),
        scope=scope,
        origin=obj.get("origin"),
        time=obj["time"],
    )


class SavedSearches:
    """Every saved search, by name (one list for all logs)."""

    def __init__(self, *, folder: Path | None = None, clock: Callable[[], datetime] | None = None) -> None:
        folder = folder if folder is not None else casework_dir()
        self._clock = clock or (lambda: datetime.now(UTC))
        path = folder / "saved-searches.jsonl"
        self._file = JsonlFile(path, lambda obj, n: _check_saved(obj, path, n), clock=self._clock)

    @property
    def path(self) -> Path:
        return self._file.path

    @property
    def problems(self) -> list[str]:
        return self._file.problems

    def all(self) -> list[SavedSearch]:
        """By name."""
        return sorted(self._file.read(), key=lambda s: s.name)

    def names(self) -> list[str]:
        return [s.name for s in self.all()]

    def get(self, name: str) -> SavedSearch:
        """The search saved as ``name``; unknown names raise, listing the saved ones."""
        for search in self.all():
            if search.name == name:
                return search
        names = self.names()
        listing = ", ".join(repr(n) for n in names) if names else "none is saved yet"
        raise SavedSearchError(f"no saved search is named {name!r} (saved: {listing})", path=str(self.path))

    def save(self, search: SavedSearch) -> SavedSearch:
        """Save (or replace) ``search`` under its name, stamped now."""
        stamped = SavedSearch(**{**search.to_json(), "time": rfc3339_utc(self._clock())})
        _check_saved(stamped.to_json(), self.path, None)
        with self._file.lock():
            kept = [s.to_json() for s in self._file.read() if s.name != search.name]
            kept.append(stamped.to_json())
            self._file.write(kept)
        return stamped

    def remove(self, name: str) -> bool:
        with self._file.lock():
            searches = self._file.read()
            kept = [s.to_json() for s in searches if s.name != name]
            self._file.write(kept)
        return len(kept) != len(searches)


__all__ = ["HISTORY_DEPTH", "SavedSearch", "SavedSearchError", "SavedSearches", "SearchHistory"]
