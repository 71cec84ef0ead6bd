"""Which SHA-256 the extension uses: the CPU's instructions, else OpenSSL's (never slower than hashlib).

The "no hardware" case is forced two ways: ``choose_sha256("openssl")`` /
``AUDITVIEWER_SHA=openssl`` (as on a CPU without SHA instructions), and a
stand-in ``hardware_sha256`` that reports none, which tests the choice itself.
Every path must give hashlib's results.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditviewer.core import native
from auditviewer.core.limits import DEFAULT_LIMITS
from auditviewer.integrity.chain import extend, heads

needs_extension = pytest.mark.skipif(native.NATIVE is None, reason="the SHA-256 choice is the C extension's")

#: What "no hardware path" gives here: OpenSSL's, unless this Python's hashlib does not
#: export it (a statically linked OpenSSL): then the portable code, as before.
#: test_the_openssl_address_is_hashlibs_sha256_transform checks the lookup independently.
WITHOUT_HARDWARE = "openssl" if native._openssl_transform() else "portable"


@pytest.fixture
def restore_sha() -> Iterator[None]:
    yield
    native.choose_sha256("auto")


def _datas() -> list[bytes]:
    rng = random.Random(11)
    return [rng.randbytes(n) for n in [*range(0, 140), 1000, 4095, 65537]]


def _assert_hashes_are_hashlibs() -> None:
    ext: Any = native.NATIVE
    datas = _datas()
    offsets = [0]
    for data in datas:
        offsets.append(offsets[-1] + len(data))
    got = ext.leaf_hashes(b"".join(datas), struct.pack(f"<{len(offsets)}i", *offsets), 0, len(datas), 4)
    assert got == b"".join(hashlib.sha256(b"\x00" + d).digest() for d in datas)
    start = hashlib.sha256(b"start").digest()
    split = [got[i : i + 32] for i in range(0, len(got), 32)]
    assert ext.chain(start, got) == extend(start, split)
    assert ext.chain(start, got, keep_all=True) == b"".join(heads(start, split))
    # the entry check hashes too (declined leaves included)
    text = b"\n".join(d.replace(b"\n", b" ") for d in datas) + b"\n"
    count, leaves, offs, _seqs, hashes, _times, _declined = ext.check_jsonl(
        text, DEFAULT_LIMITS.max_entry_bytes, DEFAULT_LIMITS.max_json_depth
    )
    lines = text.split(b"\n")[:-1]
    assert count == len(lines) and hashes == b"".join(hashlib.sha256(b"\x00" + x).digest() for x in lines)
    assert len(leaves) == sum(len(x) for x in lines) and len(offs) == 4 * (count + 1)


@needs_extension
@pytest.mark.parametrize("mode", ["auto", "openssl", "portable"])
def test_every_path_gives_hashlibs_hashes(mode: str, restore_sha: None) -> None:
    path = native.choose_sha256(mode)
    assert path == native.sha256_path()
    if mode != "auto":
        assert path == (WITHOUT_HARDWARE if mode == "openssl" else mode)
    _assert_hashes_are_hashlibs()


@needs_extension
def test_without_hardware_the_choice_is_openssl(monkeypatch: pytest.MonkeyPatch, restore_sha: None) -> None:
    ext: Any = native.NATIVE
    real = ext.hardware_sha256

    def no_sha_instructions(on: bool | None = None) -> bool:
        real(False)  # what the extension does on a CPU without them: portable
        return False

    monkeypatch.setattr(ext, "hardware_sha256", no_sha_instructions)
    assert native.choose_sha256("auto") == WITHOUT_HARDWARE
    assert native.sha256_path() == WITHOUT_HARDWARE
    _assert_hashes_are_hashlibs()


@needs_extension
def test_openssl_not_found_keeps_the_portable_code(monkeypatch: pytest.MonkeyPatch, restore_sha: None) -> None:
    monkeypatch.setattr(native, "_openssl_transform", lambda: 0)
    assert native.choose_sha256("openssl") == "portable"
    _assert_hashes_are_hashlibs()


@needs_extension
def test_the_openssl_address_is_hashlibs_sha256_transform() -> None:
    import _hashlib
    import ctypes

    address = native._openssl_transform()
    try:
        transform = ctypes.CDLL(_hashlib.__file__).SHA256_Transform
    except AttributeError:  # not exported by this Python's hashlib: nothing to use
        assert address == 0
        return
    assert address and address == ctypes.cast(transform, ctypes.c_void_p).value


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


@needs_extension
def test_environment_switch_and_verify_agree(vectors: Path) -> None:
    show = "from auditviewer.core import native; print(native.sha256_path())"
    assert _run({"AUDITVIEWER_SHA": "openssl"}, "-c", show).stdout.strip() == WITHOUT_HARDWARE
    assert _run({"AUDITVIEWER_SHA": "portable"}, "-c", show).stdout.strip() == "portable"
    assert _run({"AUDITVIEWER_NATIVE": "0"}, "-c", show).stdout.strip() == "hashlib"
    auto = _run({"AUDITVIEWER_SHA": "auto"}, "-c", show).stdout.strip()
    assert auto in ("hardware", "openssl") and _run({"AUDITVIEWER_SHA": "fast"}, "-c", show).stdout.strip() == auto
    bundle = next(p for p in sorted(vectors.iterdir()) if p.is_dir() and (p / "manifest.json").exists())
    verify = ["-m", "auditviewer", "verify", str(bundle), "--json", "--trust", str(vectors / "trusted.keys")]
    reports = {mode: _run({"AUDITVIEWER_SHA": mode}, *verify) for mode in ("auto", "openssl", "portable")}
    outs = {mode: json.loads(r.stdout) for mode, r in reports.items()}
    assert outs["auto"] == outs["openssl"] == outs["portable"]
    assert {r.returncode for r in reports.values()} == {reports["auto"].returncode}


def test_about_names_the_sha_path() -> None:
    from auditviewer.core.about import checking_mode

    assert checking_mode() == (
        native.SHA_PATHS[native.sha256_path()]
        if native.NATIVE is not None
        else "Python (the C extension is not built or is turned off: slower)"
    )
