"""``auditviewer trust add|list|remove``: the person's trust store of verifier keys.

The store is :class:`auditviewer.integrity.trust.TrustStore`; key names come
from files a person was given, so they are printed through ``printable``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from auditviewer.cli import EXIT_ERROR, EXIT_OK, Parser
from auditviewer.cli.output import printable


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("trust", help="manage the trust store of verifier keys")
    tsub = p.add_subparsers(dest="trust_command", metavar="ACTION", parser_class=Parser)
    t = tsub.add_parser("add", help="trust a verifier key, or every key of a file")
    t.add_argument("key", metavar="KEY_OR_FILE")
    tsub.add_parser("list", help="list trusted keys: name, key id, fingerprint")
    t = tsub.add_parser("remove", help="stop trusting a key")
    t.add_argument("label", metavar="NAME+ID")
    return p


def run(args: argparse.Namespace) -> int:
    from auditviewer.integrity.trust import TrustStore, keys_from_argument

    store = TrustStore()
    if args.trust_command == "add":
        for key in keys_from_argument(args.key):
            added = store.add(key)
            print(
                f"{'trusted' if added else 'already trusted'}: {printable(key.label)}  "
                f"fingerprint {key.fingerprint}"
            )
        return EXIT_OK
    if args.trust_command == "remove":
        key = store.remove(args.label)
        print(f"removed: {printable(key.label)}")
        return EXIT_OK
    if args.trust_command == "list":
        keys = store.keys()
        if not keys:
            print(f"no trusted keys in {printable(str(store.path))}")
        for key in keys:
            print(f"{printable(key.name)}\t{key.id_hex}\t{key.fingerprint}")
        return EXIT_OK
    print("auditviewer trust: say add, list or remove (see --help)", file=sys.stderr)
    return EXIT_ERROR
