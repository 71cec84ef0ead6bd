"""Annotations: a star, tags and a note an investigator puts on entries, kept per log origin.

Where and how (docs/casework.md says the same for people)::

    <data_dir>/casework/<sha256(origin) hex>.jsonl        the annotations, spec §5's shape
    {"seq": 12, "leaf_hash": "<64 hex>", "tags": ["★", "phishing"], "note": "…",
     "author": "hana", "time": "2026-11-20T10:00:00.000Z"}
    <data_dir>/casework/<sha256(origin) hex>.undo.jsonl   the changes that can be undone

Design:

- **Keyed by seq, leaf hash and author.** An annotation names the exact bytes it
  was made on (the entry's leaf hash, spec §3), so it reappears when the same
  entry is opened from another export of the same log, and an annotation whose
  leaf hash is not the entry's is *made on other content* (:meth:`AnnotationStore.for_entry`
  flags it): the log was changed, or it is another log under the same origin —
  evidence either way. One record per person and entry: a colleague's imported
  annotation stands beside one's own, never over it.
- **The star is the tag ``★``** (:data:`STAR`): spec §5 lists the members of an
  annotation and nothing else, so the star travels as a tag and any reader of the
  file sees it.
- **Every change is read-merge-write under a lock** (:mod:`auditviewer.casework.files`):
  the file is read as it is now, the change applied, the file written whole by
  the atomic writer. Two processes adding at once lose nothing; a crash leaves the
  old file or the new one.
- **A damaged file loses nothing**: its bytes are set aside as ``*.corrupt``, the
  lines that parse are kept, and :attr:`AnnotationStore.problems` names the file
  and the first bad line, for the command line and the viewer to show.
- **Undo** is a journal of changes (before and after of each record touched),
  written *before* the change itself: undo restores a record only where it still
  holds what that change wrote, so undoing never overwrites a later change (by
  another process or an import), and a crash between journal and file undoes nothing.
- An annotation with no tags and no note is no annotation: it is removed.

Qt-free: the command line (``auditviewer notes``), the evidence report and the
viewer share this module.
"""

from __future__ import annotations

import getpass
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditviewer.casework.files import (
    CaseworkFileError,
    JsonlFile,
    casework_dir,
    encode_jsonl,
    parse_line,
    split_lines,
)
from auditviewer.core.limits import DEFAULT_LIMITS, Limits
from auditviewer.core.times import parse_rfc3339_ms, rfc3339_utc
from auditviewer.integrity.memory import file_name
from auditviewer.query.sql import STAR_TAG
from auditviewer.store.annotations import AnnotationRow

#: The star, stored as a tag (spec §5 has no member for it); the query language's ``starred:``.
STAR = STAR_TAG
#: The members of one annotation, in the order they are written (spec §5).
MEMBERS = ("seq", "leaf_hash", "tags", "note", "author", "time")
#: Changes kept for undo, per origin, in at most 1/JOURNAL_SHARE of a case-work file's limit.
UNDO_DEPTH, JOURNAL_SHARE = 100, 4

_HEX64 = re.compile(r"[0-9a-f]{64}")
#: One change of one record: before, after (None: absent), and its key.
_Change = tuple["Annotation | None", "Annotation | None", tuple[int, str, str]]
_RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


class AnnotationError(CaseworkFileError):
    """An annotation is not well formed; the message names the file and line (or the argument)."""


def default_author() -> str:
    """``AUDITVIEWER_AUTHOR``, else the operating system's user name, else ``unknown``."""
    name = os.environ.get("AUDITVIEWER_AUTHOR")
    if name:
        return name
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError, ImportError):
        return "unknown"


def valid_tag(tag: str, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why ``tag`` is not a tag (a free word: no spaces or control characters), or None."""
    if not tag:
        return "a tag is empty"
    if len(tag) > limits.max_tag_chars:
        return f"a tag is longer than {limits.max_tag_chars} characters (max_tag_chars)"
    if any(c.isspace() or not c.isprintable() for c in tag):
        return f"the tag {tag!r} holds a space or an invisible character (a tag is one word)"
    if "*" in tag:
        return f"the tag {tag!r} holds '*' (kept for wildcards in searches)"
    return None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One person's star, tags and note on one entry (identified by seq and leaf hash)."""

    seq: int
    leaf_hash: str
    tags: tuple[str, ...]
    note: str
    author: str
    time: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.seq, self.leaf_hash, self.author)

    @property
    def starred(self) -> bool:
        return STAR in self.tags

    @property
    def empty(self) -> bool:
        return not self.tags and not self.note

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "leaf_hash": self.leaf_hash,
            "tags": list(self.tags),
            "note": self.note,
            "author": self.author,
            "time": self.time,
        }

    @classmethod
    def from_json(
        cls, obj: dict[str, Any], *, label: str, line: int | None, limits: Limits = DEFAULT_LIMITS
    ) -> Annotation:
        """Validate one object strictly (spec §5's members, nothing else); errors name ``label`` and ``line``."""

        def bad(message: str) -> AnnotationError:
            return AnnotationError(message, path=label, line=line)

        unknown = sorted(set(obj) - set(MEMBERS))
        if unknown:
            raise bad(f"unknown member(s) {', '.join(repr(u) for u in unknown)}")
        missing = [m for m in MEMBERS if m not in obj]
        if missing:
            raise bad(f"missing member(s) {', '.join(repr(m) for m in missing)}")
        seq = obj["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or seq >= 1 << 63:
            raise bad("'seq' is not an integer >= 0")
        leaf = obj["leaf_hash"]
        if not isinstance(leaf, str) or not _HEX64.fullmatch(leaf):
            raise bad("'leaf_hash' is not 64 lowercase hex digits")
        tags = obj["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad("'tags' is not a list of strings")
        if len(tags) > limits.max_tags:
            raise bad(f"more than {limits.max_tags} tags (max_tags)")
        for tag in tags:
            why = valid_tag(tag, limits)
            if why:
                raise bad(why)
        note = obj["note"]
        if not isinstance(note, str):
            raise bad("'note' is not a string")
        if len(note) > limits.max_note_chars:
            raise bad(f"'note' is longer than {limits.max_note_chars:,} characters (max_note_chars)")
        author = obj["author"]
        if not isinstance(author, str) or not author or len(author) > 256:
            raise bad("'author' is not a name (1 to 256 characters)")
        moment = obj["time"]
        if not isinstance(moment, str) or not _RFC3339_UTC.fullmatch(moment) or parse_rfc3339_ms(moment) is None:
            raise bad("'time' is not an RFC 3339 UTC time such as 2026-09-14T08:31:22.512Z")
        return cls(
            seq=seq,
            leaf_hash=leaf,
            tags=tuple(dict.fromkeys(tags)),
            note=note,
            author=author,
            time=moment,
        )


@dataclass(frozen=True, slots=True)
class EntryAnnotation:
    """An annotation as shown on an entry: ``other_content`` when made on other bytes."""

    annotation: Annotation
    other_content: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    replaced: int
    unchanged: int


def parse_annotations(
    data: bytes, *, label: str, limits: Limits = DEFAULT_LIMITS
) -> list[Annotation]:
    """Every annotation of a JSONL file, strictly: the first bad line raises, naming ``label`` and line."""
    out = []
    for number, raw in split_lines(data, label=label, limits=limits):
        obj = parse_line(raw, label=label, number=number, limits=limits)
        out.append(Annotation.from_json(obj, label=label, line=number, limits=limits))
    return out


def annotation_cells(found: Sequence[Annotation]) -> tuple[str, str]:
    """An entry's annotations as two plain cells, ``tags`` and ``note`` (the query command's
    output, plain exports, the viewer's Tags column): every tag once, the star first, by
    spaces; every note as ``author: note``, one a line. Raw text: whoever shows it makes
    it visible (``core/display.py``)."""
    tags = dict.fromkeys(t for a in found for t in a.tags)
    ordered = ([STAR] if STAR in tags else []) + [t for t in tags if t != STAR]
    notes = "\n".join(f"{a.author}: {a.note}" for a in found if a.note)
    return " ".join(ordered), notes


def tag_matcher(pattern: str) -> Callable[[str], bool]:
    """A test of tags against ``pattern``: ``*`` matches any run of characters, case ignored."""
    regex = re.compile(
        "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern.casefold())),
        re.DOTALL,
    )
    return lambda tag: regex.fullmatch(tag.casefold()) is not None


def _newer(a: Annotation, b: Annotation) -> Annotation:
    """Of two records of one key, the later (by time; on a tie, the larger, so every merge agrees)."""
    ka = (parse_rfc3339_ms(a.time) or 0, encode_jsonl([a.to_json()]))
    kb = (parse_rfc3339_ms(b.time) or 0, encode_jsonl([b.to_json()]))
    return a if ka >= kb else b


class AnnotationStore:
    """The annotations of one log ``origin``, in ``folder`` (default :func:`casework_dir`)."""

    def __init__(
        self,
        origin: str,
        *,
        folder: Path | None = None,
        author: str | None = None,
        clock: Callable[[], datetime] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.origin = origin
        self.folder = folder if folder is not None else casework_dir()
        self.author = author or default_author()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.limits = limits
        self._cache: tuple[tuple[int, int, int], dict[tuple[int, str, str], Annotation]] | None = None
        path = self.folder / file_name(origin)
        self._file = JsonlFile(
            path,
            lambda obj, line: Annotation.from_json(obj, label=str(path), line=line, limits=limits),
            clock=self._clock,
            limits=limits,
        )
        journal = path.with_suffix(".undo.jsonl")
        # One line per change, holding each record's before and after: a change on a selection of
        # thousands of entries is one long line, so the journal's lines may be as long as its budget.
        journal_limits = replace(limits, max_annotation_line_bytes=limits.max_casework_file_bytes // JOURNAL_SHARE)
        self._journal: JsonlFile[dict[str, Any]] = JsonlFile(
            journal, lambda obj, line: _journal_item(obj, line, journal), clock=self._clock, limits=journal_limits
        )
        self._index: tuple[tuple[int, int, int], dict[int, list[Annotation]]] | None = None

    @property
    def path(self) -> Path:
        return self._file.path

    @property
    def undo_path(self) -> Path:
        return self._journal.path

    @property
    def problems(self) -> list[str]:
        """Damaged files found (and set aside): one message each, naming file and line."""
        return self._file.problems + self._journal.problems

    def take_problems(self) -> list[str]:
        problems = self.problems
        self._file.problems.clear()
        self._journal.problems.clear()
        return problems

    # -- reading

    def _load(self, *, copy: bool = True) -> dict[tuple[int, str, str], Annotation]:
        """The records as the file holds them now; ``copy=False`` for reading only (no copy made)."""
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            stamp = (0, -1, 0)
        if self._cache is not None and self._cache[0] == stamp:
            return dict(self._cache[1]) if copy else self._cache[1]
        records: dict[tuple[int, str, str], Annotation] = {}
        for record in self._file.read():
            known = records.get(record.key)
            records[record.key] = record if known is None else _newer(known, record)
        # Kept under the stamp taken *before* reading: if another process replaced the file
        # meanwhile, the next call sees a newer stamp and reads again (never a stale cache).
        self._cache = (stamp, dict(records)) if stamp[1] >= 0 else None
        return records

    def all(self) -> list[Annotation]:
        """Every annotation of the origin, by seq, then author."""
        return sorted(self._load().values(), key=lambda a: (a.seq, a.author, a.leaf_hash))

    def by_seq(self) -> dict[int, list[Annotation]]:
        """Every annotation by seq (built once per version of the file: a table or a report
        asks for thousands of entries)."""
        records = self._load(copy=False)
        stamp = self._cache[0] if self._cache is not None else None
        if stamp is None or self._index is None or self._index[0] != stamp:
            index: dict[int, list[Annotation]] = {}
            for a in sorted(records.values(), key=lambda a: (a.seq, a.author, a.leaf_hash)):
                index.setdefault(a.seq, []).append(a)
            if stamp is None:
                return index
            self._index = (stamp, index)
        return self._index[1]

    def for_entry(self, seq: int, leaf_hash: str | bytes) -> list[EntryAnnotation]:
        """The annotations of entry ``seq``, each flagged when made on other content than ``leaf_hash``."""
        current = leaf_hash.hex() if isinstance(leaf_hash, bytes) else leaf_hash
        return [
            EntryAnnotation(a, other_content=a.leaf_hash != current)
            for a in self.by_seq().get(seq, [])
        ]

    def find(
        self, *, tag: str | None = None, starred: bool | None = None, note: str | None = None
    ) -> list[Annotation]:
        """Annotations with a tag matching ``tag`` (``*`` wildcards), starred or not, whose note holds ``note``."""
        match = tag_matcher(tag) if tag is not None else None
        needle = note.casefold() if note is not None else None
        out = []
        for a in self.all():
            if match is not None and not any(match(t) for t in a.tags):
                continue
            if starred is not None and a.starred != starred:
                continue
            if needle is not None and needle not in a.note.casefold():
                continue
            out.append(a)
        return out

    def store_rows(self) -> list[AnnotationRow]:
        """Every annotation as the workspace store holds it (the query terms ``tag:``,
        ``starred:``, ``note:``, ``annotated:`` and the Tags facet read that table)."""
        return [
            AnnotationRow(seq=a.seq, leaf_hash=a.leaf_hash, tags=a.tags, note=a.note, author=a.author)
            for a in self.all()
        ]

    def tag_counts(self, prefix: str = "") -> list[tuple[str, int]]:
        """Tags already used (completion), most used first, with how many annotations carry each."""
        counts = Counter(t for a in self.all() for t in a.tags)
        folded = prefix.casefold()
        return sorted(
            ((t, n) for t, n in counts.items() if t.casefold().startswith(folded)),
            key=lambda item: (-item[1], item[0]),
        )

    # -- changing

    def annotate(
        self,
        entries: Iterable[tuple[int, str | bytes]],
        *,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        note: str | None = None,
        star: bool | None = None,
    ) -> int:
        """Change one's own annotation on each (seq, leaf hash): tags added/removed, the note
        replaced (``note``), the star set or cleared. Returns how many records changed."""
        for tag in add_tags:
            why = valid_tag(tag, self.limits)
            if why:
                raise AnnotationError(why, path="--tag")
        if note is not None and len(note) > self.limits.max_note_chars:
            raise AnnotationError(f"longer than {self.limits.max_note_chars:,} characters (max_note_chars)", path="the note")
        keys = [(seq, h.hex() if isinstance(h, bytes) else h) for seq, h in entries]
        for _seq, h in keys:
            if not _HEX64.fullmatch(h):
                raise AnnotationError("not 64 lowercase hex digits", path=f"leaf hash {h[:80]!r}")
        now = rfc3339_utc(self._clock())
        removing = set(remove_tags)
        adding = list(add_tags) + ([STAR] if star else [])
        if star is False:
            removing.add(STAR)

        def change(records: dict[tuple[int, str, str], Annotation]) -> list[_Change]:
            changes: list[_Change] = []
            for seq, h in dict.fromkeys(keys):
                key = (seq, h, self.author)
                old = records.get(key)
                tags = [t for t in (old.tags if old else ()) if t not in removing]
                tags += [t for t in adding if t not in tags]
                if len(tags) > self.limits.max_tags:
                    raise AnnotationError(f"more than {self.limits.max_tags} tags (max_tags)", path=f"entry {seq}")
                new = Annotation(
                    seq=seq,
                    leaf_hash=h,
                    tags=tuple(tags),
                    note=old.note if note is None and old else (note or ""),
                    author=self.author,
                    time=now,
                )
                if old is not None and (old.tags, old.note) == (new.tags, new.note):
                    continue
                if old is None and new.empty:
                    continue
                changes.append((old, None if new.empty else new, key))
            return changes

        return self._apply(change)

    def import_annotations(self, annotations: Iterable[Annotation]) -> ImportResult:
        """Merge annotations (another person's, an export's): one record per entry, leaf hash and
        author, the later time winning; identical ones are duplicates. All in one write."""
        incoming: dict[tuple[int, str, str], Annotation] = {}
        for a in annotations:
            known = incoming.get(a.key)
            incoming[a.key] = a if known is None else _newer(known, a)
        counts = {"added": 0, "replaced": 0, "unchanged": 0}

        def change(records: dict[tuple[int, str, str], Annotation]) -> list[_Change]:
            counts.update(added=0, replaced=0, unchanged=0)
            changes: list[_Change] = []
            for key, a in incoming.items():
                old = records.get(key)
                if old is None:
                    counts["added"] += 1
                    changes.append((None, a, key))
                elif old == a or _newer(old, a) is old:
                    counts["unchanged"] += 1
                else:
                    counts["replaced"] += 1
                    changes.append((old, a, key))
            return changes

        self._apply(change)
        return ImportResult(**counts)

    def undo(self) -> int | None:
        """Undo the last change: None if there is nothing to undo, else how many records were restored.

        A record that something changed since (another process, an import) is left as it is.
        """
        restored = 0
        with self._file.lock():
            journal = self._journal.read()
            if not journal:
                return None
            last = journal.pop()
            records = self._load()
            for item in last.get("records", []):
                try:
                    before = _record_or_none(item.get("before"), self.undo_path, self.limits)
                    after = _record_or_none(item.get("after"), self.undo_path, self.limits)
                except CaseworkFileError:
                    continue
                sample = before or after
                if sample is None:
                    continue
                if records.get(sample.key) != after:
                    continue
                if before is None:
                    records.pop(sample.key, None)
                else:
                    records[sample.key] = before
                restored += 1
            self._journal.write(journal)
            self._write(records)
        return restored

    def can_undo(self) -> bool:
        return bool(self._journal.read())

    # -- what an export carries (``export/write.py``'s ExportAnnotations)

    def cells(self, seq: int) -> tuple[str, str]:
        """The ``tags`` and ``note`` cells of entry ``seq`` in a plain export (:func:`annotation_cells`)."""
        return annotation_cells(self.by_seq().get(seq, []))

    def annotations_file(self, seqs: Sequence[int]) -> bytes:
        """A slice's ``annotations`` file: spec §5's JSONL of the annotations of these seqs
        (everyone's this store holds), empty when none."""
        index = self.by_seq()
        return encode_jsonl(a.to_json() for seq in sorted(set(seqs)) for a in index.get(seq, []))

    def export_bytes(self) -> bytes:
        """Every annotation as JSONL in spec §5's shape (an ``annotations`` file)."""
        return encode_jsonl(a.to_json() for a in self.all())

    # -- files

    def _apply(
        self,
        change: Callable[[dict[tuple[int, str, str], Annotation]], list[_Change]],
    ) -> int:
        with self._file.lock():
            records = self._load()
            changes = change(records)
            if not changes:
                return 0
            journal = self._journal.read()
            journal.append(
                {
                    "time": rfc3339_utc(self._clock()),
                    "records": [
                        {
                            "before": None if old is None else old.to_json(),
                            "after": None if new is None else new.to_json(),
                        }
                        for old, new, _key in changes
                    ],
                }
            )
            # The journal first: a crash before the annotations are written leaves a journal
            # entry whose "after" is nowhere, which undo then skips.
            self._journal.write(_within_budget(journal[-UNDO_DEPTH:], self.limits.max_casework_file_bytes // JOURNAL_SHARE))
            for _old, new, key in changes:
                if new is None:
                    records.pop(key, None)
                else:
                    records[key] = new
            self._write(records)
            return len(changes)

    def _write(self, records: dict[tuple[int, str, str], Annotation]) -> None:
        ordered = sorted(records.values(), key=lambda a: (a.seq, a.author, a.leaf_hash))
        self._cache = None
        self._file.write(a.to_json() for a in ordered)
        try:
            stat = self.path.stat()
        except OSError:
            return
        # What was just written is what the file holds: no need to parse it again.
        self._cache = ((stat.st_mtime_ns, stat.st_size, stat.st_ino), dict(records))


def _within_budget(journal: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The newest changes whose lines fit in ``budget`` bytes (always the newest one): the
    oldest go first, as past :data:`UNDO_DEPTH`; a change too large to undo is not kept."""
    kept: list[dict[str, Any]] = []
    total = 0
    for item in reversed(journal):
        size = len(encode_jsonl([item]))
        if total + size > budget:
            break
        kept.append(item)
        total += size
    return kept[::-1]


def _journal_item(obj: dict[str, Any], line: int, path: Path) -> dict[str, Any]:
    """One undo journal entry: ``{"time", "records": [{"before", "after"}, ...]}`` (records checked on undo)."""
    if not isinstance(obj.get("records"), list) or not all(isinstance(r, dict) for r in obj["records"]):
        raise AnnotationError("not an undo entry", path=str(path), line=line)
    return obj


def _record_or_none(value: Any, path: Path, limits: Limits) -> Annotation | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AnnotationError("an undo record is not an object", path=str(path))
    return Annotation.from_json(value, label=str(path), line=None, limits=limits)


__all__ = [
    "MEMBERS",
    "STAR",
    "Annotation",
    "AnnotationError",
    "AnnotationStore",
    "EntryAnnotation",
    "ImportResult",
    "annotation_cells",
    "default_author",
    "parse_annotations",
    "tag_matcher",
    "valid_tag",
]
