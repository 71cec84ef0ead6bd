"""The inputs' content key, which names a workspace database (and a seal binds), and
the stream hashes.

:func:`content_key` hashes every input file, a manifest-listed entry file by its listed
SHA-256. :func:`sha256_of` and :func:`blake3_of` read a stream into one buffer, with a
cancel check between reads: the first for the key and a database file's digest, the
second for a seal's check of the listed entry files (``workspace/seal.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import BinaryIO, Protocol

from blake3 import blake3

from auditviewer import __version__
from auditviewer.core.errors import Cancelled
from auditviewer.core.progress import CancelCheck
from auditviewer.store.store import DATABASE_FORMAT
from auditviewer.workspace.inputs import Workspace


def content_key(
    workspace: Workspace,
    *,
    cancelled: CancelCheck | None = None,
    progress: Callable[[int], None] | None = None,
) -> str:
    """SHA-256 over every input file's name and content, plus the formats' versions.

    An entry file its manifest lists (with its size as listed) counts by the
    SHA-256 the manifest gives, not by hashing it here: the verification pass
    hashes it anyway and reports a difference, and reading a 1M-entry export twice
    cost 1.2 s of every open. This is sound because the key only *finds* a
    database: a reused one must still prove it holds exactly the rows this run
    read and verified (:func:`prove_reused`), whatever its name; a file whose bytes
    differ from its manifest gives other rows, fails that proof, and is rebuilt. A
    sealed workspace checks such files by the BLAKE3 its seal holds instead
    (``workspace/seal.py``). ``cancelled`` is asked between reads of the files hashed
    here, ``progress`` told the bytes hashed so far.
    """
    hashed = [0]
    digest = hashlib.sha256(f"auditviewer {__version__} db{DATABASE_FORMAT}\n".encode())
    declared = {
        (id(entry.container), entry.name): entry.expected
        for entry in workspace.entry_files
        if entry.expected is not None
    }
    for container in workspace.containers:
        for name in container.names():
            listed = declared.get((id(container), name))
            if listed is not None and listed[1] == container.size(name):
                digest.update(f"{name}\0listed {listed[0]}\n".encode())
                continue
            with container.open_raw(name) as raw:
                file_digest = sha256_of(raw, cancelled=cancelled, progress=progress, hashed=hashed)
            digest.update(f"{name}\0{file_digest}\n".encode())
    return digest.hexdigest()


#: Bytes read into one buffer at a time while hashing (between two cancel checks).
HASH_CHUNK = 1024 * 1024


class _Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> object: ...

    def hexdigest(self) -> str: ...


def sha256_of(
    raw: BinaryIO,
    *,
    cancelled: CancelCheck | None = None,
    progress: Callable[[int], None] | None = None,
    hashed: list[int] | None = None,
) -> str:
    """SHA-256 of a stream's bytes, read into one buffer (as ``hashlib.file_digest``
    does; the GIL is released while hashing): faster than reading chunks of 8 MiB, a new
    bytes object each. ``cancelled`` is asked before every HASH_CHUNK (about 1 ms of
    hashing); ``hashed[0]`` counts the bytes, reported to ``progress``."""
    return _stream_digest(hashlib.sha256(), raw, cancelled=cancelled, progress=progress, hashed=hashed)


def blake3_of(
    raw: BinaryIO,
    *,
    cancelled: CancelCheck | None = None,
    progress: Callable[[int], None] | None = None,
    hashed: list[int] | None = None,
) -> str:
    """BLAKE3 of a stream's bytes, as :func:`sha256_of` reads them (what a seal binds an
    input file by: ``Workspace.entry_blake3``)."""
    return _stream_digest(blake3(), raw, cancelled=cancelled, progress=progress, hashed=hashed)


def _stream_digest(
    digest: _Hasher,
    raw: BinaryIO,
    *,
    cancelled: CancelCheck | None,
    progress: Callable[[int], None] | None,
    hashed: list[int] | None,
) -> str:
    count = hashed if hashed is not None else [0]
    readinto = getattr(raw, "readinto", None)
    buffer = bytearray(HASH_CHUNK)
    view = memoryview(buffer)
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled("loading was cancelled")
        if readinto is not None:
            size = readinto(buffer)
            chunk: bytes | memoryview = view[:size] if size else b""
        else:
            chunk = raw.read(HASH_CHUNK)
        if not chunk:
            return digest.hexdigest()
        digest.update(chunk)
        count[0] += len(chunk)
        if progress is not None:
            progress(count[0])


__all__ = ["HASH_CHUNK", "blake3_of", "content_key", "sha256_of"]
