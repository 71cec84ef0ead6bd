"""The optional C extension (``auditviewer._native``), or None when it is not there.

The extension does the per-entry work of reading and verifying: proving a
leaf a well-formed entry (declining, never misjudging: the Python check in
:mod:`auditviewer.input.formats.entry` decides what it declines), the leaf hashes
and the chain. Callers use it when it is here and fall back to the Python
code otherwise, with the same results. ``AUDITVIEWER_NATIVE=0`` turns it off
(to compare, or to rule it out).

SHA-256 inside the extension: the CPU's SHA instructions where it has code
for them, else OpenSSL's (found in the libcrypto hashlib loaded, so never
slower than hashlib), else portable C; see :func:`choose_sha256`.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("AUDITVIEWER_NATIVE", "1") == "0":
        return None
    try:
        import auditviewer._native as _native
    except ImportError:  # built without a C compiler: the Python code does the work
        return None
    return _native


NATIVE: ModuleType | None = _load()

#: The SHA-256 the leaf hashes and the chain use, as ``sha256_path()`` names it.
SHA_PATHS = {
    "hardware": "C extension, the CPU's SHA instructions",
    "openssl": "C extension, OpenSSL's SHA-256 (hashlib's libcrypto)",
    "portable": "C extension, portable C SHA-256",
    "hashlib": "Python, hashlib",
}


def _openssl_transform() -> int:
    """The address of OpenSSL's ``SHA256_Transform`` in the libcrypto hashlib loaded, or 0.

    Looked up through the ``_hashlib`` module's own handle (the dynamic linker
    searches its dependencies, libcrypto among them), so it is the very
    library hashlib uses, already initialised; nothing is loaded by name (on
    macOS, loading the system's libcrypto by name aborts the process; on
    Windows, where a DLL's own handle does not reach its dependencies, the
    ``libcrypto-*.dll`` beside ``_hashlib.pyd``, already loaded). Where
    hashlib is not OpenSSL's, or the symbol is not exported (a static build),
    the answer is 0 and the portable C is kept.
    """
    try:
        import _hashlib
        import ctypes

    except ImportError:
        return 0
    path = getattr(_hashlib, "__file__", None)
    if not path:
        return 0
    candidates = [path]
    if sys.platform == "win32":  # untested: Windows looks in the DLL itself, libcrypto lies beside it
        import glob

        candidates += sorted(glob.glob(os.path.join(os.path.dirname(path), "libcrypto-*.dll")))
    for candidate in candidates:
        try:
            transform = ctypes.CDLL(candidate).SHA256_Transform
        except (OSError, AttributeError):
            continue
        return int(ctypes.cast(transform, ctypes.c_void_p).value or 0)
    return 0


def choose_sha256(mode: str | None = None) -> str:
    """Choose the SHA-256 of the extension's leaf hashes and chain; returns its ``SHA_PATHS`` key.

    The CPU's SHA instructions when the extension has code for them (x86-64
    built by GCC or Clang, with SHA-NI). Without them the extension's portable
    C is slower than OpenSSL through hashlib, so OpenSSL's block function takes
    over (it picks the best code for the CPU: ARMv8 crypto extensions, AVX2,
    ...): SHA-256 here is never slower than hashlib's. ``mode`` (default: the
    ``AUDITVIEWER_SHA`` variable) forces a path for tests and benchmarks:
    ``openssl`` (as on a CPU without SHA instructions), ``portable`` (to
    compare), ``auto`` or unset.
    """
    if NATIVE is None:
        return "hashlib"
    mode = mode if mode is not None else os.environ.get("AUDITVIEWER_SHA", "auto")
    if mode not in ("openssl", "portable"):
        mode = "auto"  # unset, "auto" or a value this version does not know
    if mode == "auto" and NATIVE.hardware_sha256(True):
        return "hardware"
    NATIVE.hardware_sha256(False)
    if mode != "portable":
        address = _openssl_transform()
        if address:
            return str(NATIVE.openssl_sha256(address))
    return str(NATIVE.sha256_path())


def sha256_path() -> str:
    """The SHA-256 in use now: a key of ``SHA_PATHS``."""
    return "hashlib" if NATIVE is None else str(NATIVE.sha256_path())


if NATIVE is not None and (os.environ.get("AUDITVIEWER_SHA") or not NATIVE.hardware_sha256()):
    choose_sha256()


def keep_freed_memory() -> None:
    """For a short command streaming big files: keep freed memory for reuse.

    Asks glibc's malloc (through the extension) and Arrow's allocator
    (mimalloc, read at its first use: call this before pyarrow is imported)
    to keep freed buffers instead of returning them to the system and
    faulting fresh zeroed pages in again for the next batch. Measured on
    ``verify`` of 1M entries: about 0.3 s less system time; the process holds
    its peak memory until it ends, which a command that ends soon can afford.
    """
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "-1")
    if NATIVE is not None:
        NATIVE.reuse_big_buffers()
