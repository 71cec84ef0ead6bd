"""The trust store: verifier keys the person chose to trust, one per line.

Trust comes only from the person verifying: keys from this file and from
``--trust``; keys named inside a bundle are hints to show, never trust.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditviewer.core.about import APP_NAME
from auditviewer.core.atomic import write_file
from auditviewer.core.display import quoted
from auditviewer.core.errors import ExportError, TrustStoreError
from auditviewer.core.paths import trust_store_path
from auditviewer.integrity.keys import VerifierKey, parse_verifier_key


def parse_key_lines(text: str, *, source: str) -> list[VerifierKey]:
    """Keys of a file in trust-store form: one a line, blank lines and ``#`` comments allowed."""
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            keys.append(parse_verifier_key(line))
        except TrustStoreError as exc:
            raise TrustStoreError(f"{source}:{number}: {exc}") from exc
    return keys


def keys_from_argument(value: str) -> list[VerifierKey]:
    """The keys one "key or file" argument names (``--trust``, ``trust add``): spec §8.

    An argument that parses as a verifier key string is always that key, never a
    file, even where a file of that name exists: a key string is also a valid
    relative path, so a bundle unpacked beside a planted file named after the
    genuine key must not be able to swap in its own key. Only an argument that
    is not a key is read as a file of keys. This is the one place in the
    project that decides between the two; the viewer's paste boxes accept key
    strings only (:func:`parse_verifier_key`) and never read files.
    """
    try:
        return [parse_verifier_key(value)]
    except TrustStoreError as not_a_key:
        candidate = Path(value)
        if not candidate.is_file():
            if value.count("+") >= 2:  # meant as a key: say what is wrong with it
                raise
            raise TrustStoreError(f"{quoted(value)} is neither a verifier key nor a key file") from not_a_key
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustStoreError(f"{value}: not a verifier key, and not a readable key file ({exc})") from exc
    return parse_key_lines(text, source=value)


class TrustStore:
    """The person's trust store file (``AUDITVIEWER_TRUST_STORE`` names another)."""

    def __init__(self, *, path: Path | None = None) -> None:
        self.path = path if path is not None else trust_store_path()

    def keys(self) -> list[VerifierKey]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise TrustStoreError(f"{self.path}: cannot read the trust store ({exc})") from exc
        return parse_key_lines(text, source=str(self.path))

    def add(self, key: VerifierKey) -> bool:
        """Add a key; False when it was already there."""
        current = self.keys()
        if any(k == key for k in current):
            return False
        self._write([*current, key])
        return True

    def remove(self, label: str) -> VerifierKey:
        """Remove the key named ``name+8hex``; raises when there is none."""
        current = self.keys()
        keep = [k for k in current if k.label != label]
        if len(keep) == len(current):
            raise TrustStoreError(f"no key {label!r} in the trust store {self.path}")
        self._write(keep)
        return next(k for k in current if k.label == label)

    def _write(self, keys: list[VerifierKey]) -> None:
        if os.fspath(self.path) == os.devnull:
            raise TrustStoreError("the trust store is disabled (AUDITVIEWER_TRUST_STORE is the null device)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = f"# {APP_NAME} trust store: one verifier key a line\n" + "".join(
            k.to_string() + "\n" for k in keys
        )
        try:
            write_file(self.path, body.encode("utf-8"), label=f"the trust store {self.path}")
        except ExportError as exc:  # the atomic writer names the file
            raise TrustStoreError(str(exc)) from exc
