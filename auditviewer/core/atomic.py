"""Atomic output: every export is written beside its target under a temporary name, then renamed.

A cancel, an exception, a full disk or a crash therefore never leaves a
half-written file at the target and never damages a file that was there
before: the old target is only replaced (with ``overwrite``) once the new one
is complete, flushed and fsynced.

Usage::

    with atomic_output(target, overwrite=False, kind="file") as tmp:
        with SafeFile(tmp) as f:   # every byte written goes through SafeFile.write
            f.write(...)
    # published here, or nothing changed if the block raised

``kind="dir"`` stages a folder instead (a bundle written as a folder).
:func:`write_file` is the short form for a small file written whole (the trust
store, the checkpoint memory, a saved report): every such file in the
application goes through it, never a hand-made ``.tmp`` and rename.

Temporary names are ``.partial-<pid>-<random>.<target name>`` in the
target's own folder, so the final rename never crosses filesystems, and the
partial keeps the target's extension (a staged ``.zip`` opens as a zip). A hard
crash (power loss, SIGKILL) can leave such a hidden partial behind; the next
export to the same target removes partials whose process is gone.

Replacing (``overwrite``, the command line's ``--force``) is for a file, or a
folder that is recognisably an earlier bundle export: its ``manifest.json``
says ``audit-bundle`` and lists every other file it holds (and it holds no
link and nothing else). Any other folder is refused with an error, never
deleted (:func:`check_replaceable`): ``--force`` on a mistyped name must not
wipe a folder of someone's files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal

from auditviewer.core.errors import ExportError

PARTIAL_PREFIX = ".partial-"


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    return exc.strerror or str(exc)


class SafeFile:
    """A binary file opened for exclusive creation; the one place export bytes reach the disk.

    Keeping every write in :meth:`write` lets an ``OSError`` (a full disk) be
    reported as an :class:`ExportError` naming the file, and lets tests make
    the disk fail on purpose. It offers what ``zipfile`` and pyarrow need of
    a file object: write, tell, seek, flush, close.
    """

    def __init__(self, path: Path, *, label: str | None = None, mode: int = 0o666) -> None:
        """``mode``: the new file's permission bits (less the umask); a secret's is 0o600,
        set as the file is created, so that it is never readable by others."""
        self.path = path
        self.label = label or str(path)
        try:
            self._file = open(  # noqa: SIM115 - closed in close()
                path, "xb", opener=lambda name, flags: os.open(name, flags, mode)
            )
        except OSError as exc:
            raise ExportError(f"{self.label}: cannot be created ({_describe(exc)})") from exc
        self.closed = False
        self._aborted = False

    # -- what zipfile and pyarrow call
    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._aborted:
            # A writer (zipfile, pyarrow) finishing up after an abort writes into nothing:
            # the file is about to be removed, and a second error would hide the first.
            return len(data)
        try:
            return _write(self._file, data)
        except OSError as exc:
            raise ExportError(f"{self.label}: cannot be written ({_describe(exc)})") from exc

    def tell(self) -> int:
        return 0 if self._aborted else self._file.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return 0 if self._aborted else self._file.seek(offset, whence)

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def flush(self) -> None:
        if self._aborted:
            return
        try:
            self._file.flush()
        except OSError as exc:
            raise ExportError(f"{self.label}: cannot be written ({_describe(exc)})") from exc

    def close(self) -> None:
        """Flush, fsync and close: a published file is whole on disk, not just in the page cache."""
        if self.closed or self._aborted:
            return
        self.closed = True
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise ExportError(f"{self.label}: cannot be written ({_describe(exc)})") from exc
        finally:
            self._file.close()

    def abort(self) -> None:
        """Close without caring about errors (the file is about to be removed)."""
        self.closed = True
        self._aborted = True
        with contextlib.suppress(OSError):
            self._file.close()

    def __enter__(self) -> SafeFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _write(file: object, data: bytes | bytearray | memoryview) -> int:
    """Write to an open file; a module-level function so tests can simulate a failing disk."""
    return file.write(data)  # type: ignore[attr-defined]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs (the owner of a partial file, or of a cache file)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists, it is just not ours
    return True


def sweep_stale_partials(target: Path) -> list[Path]:
    """Remove partials of ``target`` left by processes that no longer run (a hard crash)."""
    removed: list[Path] = []
    suffix = f".{target.name}"
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return removed
    for path in siblings:
        name = path.name
        if not (name.startswith(PARTIAL_PREFIX) and name.endswith(suffix)):
            continue
        middle = name[len(PARTIAL_PREFIX) : -len(suffix)].split("-")
        if len(middle) != 3 or not middle[1].isdigit():
            continue
        if int(middle[1]) == os.getpid() or pid_alive(int(middle[1])):
            continue  # another export is still writing it
        _remove(path)
        removed.append(path)
    return removed


def _partial_name(target: Path, role: str) -> Path:
    return target.with_name(f"{PARTIAL_PREFIX}{role}-{os.getpid()}-{secrets.token_hex(4)}.{target.name}")


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; some platforms cannot open folders, which is fine to skip."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirnames, _filenames in os.walk(root):
        _fsync_dir(Path(dirpath))


_MANIFEST = "manifest.json"
#: Entries looked at in a folder to replace before refusing (an export holds few files).
_MAX_REPLACED_ENTRIES = 100_000


def check_replaceable(target: Path) -> None:
    """Raise :class:`ExportError` unless an existing ``target`` may be replaced:
    a file or a link (itself, never what it points to), an empty folder, or a
    folder that is an earlier bundle export (see the module's docstring)."""
    if not os.path.lexists(target) or target.is_symlink() or not target.is_dir():
        return
    problem = _not_an_export(target)
    if problem is not None:
        raise ExportError(
            f"{target}: is a folder that is not an earlier export ({problem}); "
            "not replaced, even with --force: choose another name, or remove it yourself"
        )


def _not_an_export(folder: Path) -> str | None:
    from auditviewer.core.limits import DEFAULT_LIMITS

    try:
        if not any(folder.iterdir()):
            return None
        manifest = folder / _MANIFEST
        if manifest.is_symlink() or not manifest.is_file():
            return "it holds no manifest.json"
        if manifest.stat().st_size > DEFAULT_LIMITS.max_manifest_bytes:
            return "its manifest.json is too large"
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError) as exc:
        return f"its manifest.json cannot be read: {_describe(exc) if isinstance(exc, OSError) else exc}"
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("format") != "audit-bundle" or not isinstance(files, list):
        return "its manifest.json is not a bundle's"
    listed = {_MANIFEST}
    folders: set[str] = set()
    for item in files:
        path = item.get("path") if isinstance(item, dict) else None
        if not isinstance(path, str):
            return "its manifest.json is not a bundle's"
        listed.add(path)
        parts = path.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder).as_posix()
        for name in [*dirnames, *filenames]:
            seen += 1
            if seen > _MAX_REPLACED_ENTRIES:
                return "it holds too many files"
            relative = name if base == "." else f"{base}/{name}"
            path = Path(dirpath, name)
            if path.is_symlink():
                return f"it holds a link, {relative}"
            if name in dirnames and relative not in folders:
                return f"it holds a folder the manifest does not list, {relative}"
            if name in filenames and (relative not in listed or not path.is_file()):
                return f"it holds a file the manifest does not list, {relative}"
    return None


def publish(staged: Path, target: Path, *, overwrite: bool) -> None:
    """Move a finished file or folder to ``target``; an existing target only with ``overwrite``.

    Files replace files atomically (``os.replace``). A folder, or a change of
    kind, cannot be swapped in one rename, so the old target is first renamed
    aside, the new one renamed in, and only then the old one deleted: at no
    moment is ``target`` a mix of both, and if the second rename fails the old
    one is put back.
    """
    exists = os.path.lexists(target)
    if exists and not overwrite:
        raise ExportError(f"{target}: already exists (use --force to replace it)")
    if not exists:
        if staged.is_dir():
            # rename() would silently replace an empty folder created meanwhile; one more check.
            if os.path.lexists(target):
                raise ExportError(f"{target}: already exists (use --force to replace it)")
            os.rename(staged, target)
        else:
            try:
                # link() refuses an existing target, so a racing writer is never clobbered.
                os.link(staged, target)
            except FileExistsError as exc:
                raise ExportError(f"{target}: already exists (use --force to replace it)") from exc
            except OSError:
                os.rename(staged, target)  # no hard links here (some network shares)
            else:
                staged.unlink()
        _fsync_dir(target.parent)
        return
    check_replaceable(target)
    if staged.is_file() and target.is_file() and not target.is_symlink():
        os.replace(staged, target)
        _fsync_dir(target.parent)
        return
    aside = _partial_name(target, "old")
    os.rename(target, aside)
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _fsync_dir(target.parent)
    _remove(aside)


@contextlib.contextmanager
def atomic_output(
    target: Path, *, overwrite: bool, kind: Literal["file", "dir"] = "file"
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; publish it when the block completes.

    For ``kind="file"`` the yielded path does not exist yet (open it with
    :class:`SafeFile`); for ``kind="dir"`` it is an empty folder. If the block
    raises — including :class:`~auditviewer.core.errors.Cancelled` and
    ``KeyboardInterrupt`` — the temporary is removed and ``target`` is left
    exactly as it was.
    """
    target = Path(target)
    if os.path.lexists(target) and not overwrite:
        # Checked again when publishing; here so that no work is wasted.
        raise ExportError(f"{target}: already exists (use --force to replace it)")
    if overwrite:
        check_replaceable(target)  # checked again when publishing; here so no work is wasted
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"{parent}: the folder to write into does not exist")
    sweep_stale_partials(target)
    staged = _partial_name(target, "new")
    try:
        if kind == "dir":
            try:
                staged.mkdir(mode=0o755)
            except OSError as exc:
                raise ExportError(f"{parent}: cannot write here ({_describe(exc)})") from exc
        yield staged
        if kind == "dir":
            if not staged.is_dir():
                raise ExportError(f"{target}: the export produced no folder")
            _fsync_tree(staged)
        elif not staged.is_file():
            raise ExportError(f"{target}: the export produced no file")
        try:
            publish(staged, target, overwrite=overwrite)
        except OSError as exc:
            raise ExportError(f"{target}: cannot be put in place ({_describe(exc)})") from exc
    except BaseException:
        _remove(staged)
        raise


def write_file(
    target: Path, data: bytes, *, label: str | None = None, overwrite: bool = True, mode: int = 0o666
) -> None:
    """Put ``data`` at ``target`` (a new file, or replacing a file unless not ``overwrite``) atomically.

    Staged beside ``target``, fsynced, renamed: a reader sees the old bytes or
    the new ones, never a mix, and a failure leaves ``target`` as it was. Raises
    :class:`~auditviewer.core.errors.ExportError` naming ``label`` (default:
    the target's path) on any failure to write. ``mode``: the file's permission bits
    (less the umask), from its creation on (0o600 for a secret).
    """
    target = Path(target)
    with atomic_output(target, overwrite=overwrite) as tmp, SafeFile(tmp, label=label or str(target), mode=mode) as handle:
        handle.write(data)


__all__ = [
    "PARTIAL_PREFIX",
    "SafeFile",
    "atomic_output",
    "check_replaceable",
    "publish",
    "sweep_stale_partials",
    "write_file",
]
