"""Case work at scale: annotating, looking up and reporting (issue 14). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_casework.py

Measures, in a temporary data folder: 10,000 annotations added in one change (one
selection) and one at a time (100 changes), lookup of every entry's annotations
(what a table or a report asks), an import of 10,000, and the evidence report of the
3,000-entry conformance vector as HTML and PDF.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITVIEWER_DATA_DIR"] = tmp
        os.environ.setdefault("AUDITVIEWER_TRUST_STORE", os.devnull)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from auditviewer.casework.annotations import AnnotationStore, parse_annotations
        from auditviewer.cli import main as cli

        store = AnnotationStore("bench", author="a")
        entries = [(seq, format(seq, "064x")) for seq in range(10_000)]
        start = time.perf_counter()
        store.annotate(entries, add_tags=["bulk"], note="selected")
        print(f"annotate 10,000 entries in one change: {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        for seq, h in entries[:100]:
            store.annotate([(seq, h)], add_tags=["one"])
        print(f"100 single changes on a file of 10,000: {(time.perf_counter() - start) / 100 * 1000:.1f} ms each")
        start = time.perf_counter()
        fresh = AnnotationStore("bench", author="a")
        hits = sum(len(fresh.for_entry(seq, h)) for seq, h in entries)
        print(f"for_entry on 10,000 entries (file read once): {time.perf_counter() - start:.2f} s ({hits} hits)")
        data = store.export_bytes()
        other = AnnotationStore("bench", author="b")
        start = time.perf_counter()
        other.import_annotations(parse_annotations(data.replace(b'"author":"a"', b'"author":"c"'), label="x"))
        print(f"import 10,000 (parse + merge + write): {time.perf_counter() - start:.2f} s")
        vector = str(ROOT / "tests" / "vectors" / "data" / "valid-jsonl")
        keys = str(ROOT / "tests" / "vectors" / "data" / "trusted.keys")
        for suffix in ("html", "pdf"):
            out = Path(tmp) / f"report.{suffix}"
            start = time.perf_counter()
            cli(["report", vector, "--trust", keys, "--out", str(out), "--force"])
            print(f"report of 3,000 entries as {suffix}: {time.perf_counter() - start:.2f} s, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
