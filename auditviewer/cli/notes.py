"""``auditviewer notes``: the annotations of a log, from the command line, as the viewer keeps them.

    auditviewer notes list   LOG                 every annotation (PATH: flags those made on other content)
    auditviewer notes export LOG [--out FILE]    JSONL in spec §5's shape (an ``annotations`` file)
    auditviewer notes import LOG FILE            validated strictly, all or nothing; duplicates merged
    auditviewer notes add    PATH --seq N ...    star, tag, untag, write a note (on the bytes in PATH)
    auditviewer notes undo   LOG                 undo the last change

``LOG`` is a bundle (folder or .zip: its manifest names the origin) or an origin
string. Every string that came from a file reaches the terminal through
:func:`auditviewer.core.display.visible`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditviewer.core.display import visible
from auditviewer.core.errors import AuditViewerError, InputError

if TYPE_CHECKING:  # imported when a notes action runs: the parser is built for every command
    from auditviewer.casework.annotations import Annotation, AnnotationStore


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``notes`` and its actions on the main parser's subcommands."""
    from auditviewer.cli import Parser

    parser_class = Parser
    p: argparse.ArgumentParser = sub.add_parser("notes", help="annotations (star, tags, notes) of a log: list, export, import, add, undo")
    nsub = p.add_subparsers(dest="notes_command", metavar="ACTION", parser_class=parser_class)
    log_help = "a bundle (folder or .zip) or a log's origin"
    n = nsub.add_parser("list", help="list the annotations of a log (with a bundle: flag those made on other content)")
    n.add_argument("log", metavar="LOG", help=log_help)
    n = nsub.add_parser("export", help="write the annotations as JSONL in the spec's shape")
    n.add_argument("log", metavar="LOG", help=log_help)
    n.add_argument("--out", metavar="FILE", default=None, help="default: standard output")
    n.add_argument("--force", action="store_true", help="replace --out if it exists")
    n = nsub.add_parser("import", help="merge a JSONL file of annotations (all or nothing)")
    n.add_argument("log", metavar="LOG", help=log_help)
    n.add_argument("file", metavar="FILE")
    n = nsub.add_parser("add", help="star, tag or write a note on entries of a bundle")
    n.add_argument("log", metavar="PATH", help="the bundle holding the entries (their bytes are what is annotated)")
    n.add_argument("--seq", type=int, action="append", required=True, help="an entry (repeat for several)")
    n.add_argument("--tag", action="append", default=[], help="add a tag (a word; repeatable)")
    n.add_argument("--untag", action="append", default=[], help="remove a tag (repeatable)")
    n.add_argument("--note", default=None, help="replace the note ('' clears it)")
    star = n.add_mutually_exclusive_group()
    star.add_argument("--star", dest="star", action="store_const", const=True, default=None)
    star.add_argument("--unstar", dest="star", action="store_const", const=False)
    n = nsub.add_parser("undo", help="undo the last change to a log's annotations")
    n.add_argument("log", metavar="LOG", help=log_help)
    return p


def run(args: argparse.Namespace) -> int:
    return run_notes(args)


def origin_of(log: str) -> tuple[str, Path | None]:
    """The origin ``log`` names, and the bundle path when it is one."""
    path = Path(log)
    if not path.exists():
        return log, None
    from auditviewer.workspace.inputs import open_workspace

    workspace = open_workspace([path])
    try:
        origin = workspace.origin
    finally:
        workspace.close()
    if not origin:
        raise InputError("has no manifest, so no origin to keep annotations under", path=str(path))
    return origin, path


def _hashes(path: Path) -> dict[int, list[str]]:
    from auditviewer.casework.entries import leaf_hashes
    from auditviewer.workspace.loading import load

    with load([path], []) as loaded:
        return leaf_hashes(loaded.store)


def _warn(store: AnnotationStore) -> None:
    for problem in store.take_problems():
        print(f"auditviewer: warning: {visible(problem)}", file=sys.stderr)


def _line(a: Annotation, flag: str) -> str:
    from auditviewer.casework.annotations import STAR

    tags = " ".join(visible(t) for t in a.tags if t != STAR)
    star = STAR if a.starred else " "
    fields = [f"{a.seq:>8}", star, a.leaf_hash[:12], visible(a.author), a.time, tags, visible(a.note)]
    return "  ".join(fields) + (f"  [{flag}]" if flag else "")


def run_notes(args: argparse.Namespace) -> int:
    command = args.notes_command
    if command is None:
        print("auditviewer notes: say list, export, import, add or undo (see --help)", file=sys.stderr)
        return 2
    from auditviewer.casework.annotations import AnnotationStore

    origin, path = origin_of(args.log)
    store = AnnotationStore(origin)
    try:
        return _ACTIONS[command](args, store, path)
    finally:
        _warn(store)


def _list(args: argparse.Namespace, store: AnnotationStore, path: Path | None) -> int:
    annotations = store.all()
    hashes = _hashes(path) if path is not None and annotations else None
    if not annotations:
        print(f"no annotations for {visible(store.origin)} (in {store.path})", file=sys.stderr)
    other = 0
    for a in annotations:
        flag = ""
        if hashes is not None:
            present = hashes.get(a.seq)
            if present is None:
                flag = "entry not in this export"
            elif a.leaf_hash not in present:
                flag = "MADE ON OTHER CONTENT: the entry's bytes differ from those annotated"
                other += 1
        print(_line(a, flag))
    if other:
        print(f"auditviewer: {other} annotation(s) were made on other content than this export holds", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, store: AnnotationStore, path: Path | None) -> int:
    from auditviewer.core.atomic import write_file

    data = store.export_bytes()
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    out = Path(args.out)
    write_file(out, data, overwrite=args.force)
    count = data.count(b"\n")
    print(f"wrote {count:,} annotation(s) to {out}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, store: AnnotationStore, path: Path | None) -> int:
    from auditviewer.casework.annotations import parse_annotations
    from auditviewer.casework.files import read_bytes

    source = Path(args.file)
    data = read_bytes(source)
    if data is None:
        raise InputError("does not exist", path=str(source))
    # Every line is checked before anything is merged: a bad line imports nothing.
    annotations = parse_annotations(data, label=str(source))
    result = store.import_annotations(annotations)
    print(
        f"read {len(annotations):,} annotation(s) from {visible(str(source))} "
        f"({result.added + result.replaced + result.unchanged:,} distinct): {result.added:,} new, "
        f"{result.replaced:,} replaced by a later version, {result.unchanged:,} already there"
    )
    return 0


def _add(args: argparse.Namespace, store: AnnotationStore, path: Path | None) -> int:
    if path is None:
        raise AuditViewerError(f"{args.log}: no such bundle (notes add needs the entries, to annotate their bytes)")
    hashes = _hashes(path)
    missing = [seq for seq in args.seq if seq not in hashes]
    if missing:
        raise InputError(f"holds no entry with seq {', '.join(map(str, missing))}", path=str(path))
    entries = [(seq, h) for seq in args.seq for h in hashes[seq]]
    changed = store.annotate(entries, add_tags=args.tag, remove_tags=args.untag, note=args.note, star=args.star)
    print(f"{changed} annotation(s) changed ({store.path})")
    return 0


def _undo(args: argparse.Namespace, store: AnnotationStore, path: Path | None) -> int:
    restored = store.undo()
    if restored is None:
        print("nothing to undo")
    else:
        print(f"undone: {restored} annotation(s) restored")
    return 0


_ACTIONS = {"list": _list, "export": _export, "import": _import, "add": _add, "undo": _undo}
