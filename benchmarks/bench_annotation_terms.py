"""The annotation terms (tag:, starred:, note:, annotated:) and the Tags facet at scale (issue 14).

    .venv/bin/python benchmarks/bench_annotation_terms.py [--entries N] [--annotations A] [--repeat R]

A store of N generated entries (``bench_store.generate``, about 400 bytes each) and
A annotations spread over it; prints medians of R runs, each beside a baseline
measured in the same run on the same store: a count with ``actor:hana*`` (a stored
column) and a full-text word (the entry text). Also: replacing the annotations
table whole (what the viewer does after each change) and the Tags facet's counts.
Prints figures; asserts nothing. Note the load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditviewer.store.store import AnnotationRow, Filter, Store
from benchmarks.bench_store import arrow_entries, generate, load_store


def median_ms(action: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "entries.jsonl"
        generate(path, args.entries)
        store: Store = load_store(arrow_entries(path), 65_536)
    rng = random.Random(3)
    seqs = rng.sample(range(args.entries), args.annotations)
    rows = [
        AnnotationRow(
            seq=seq, leaf_hash="ab" * 32,
            tags=tuple(t for t in (f"case-{i % 20}", "★" if i % 7 == 0 else "") if t),
            note="bucket made public" if i % 3 == 0 else "", author="hana",
        )
        for i, seq in enumerate(seqs)
    ]
    replace = median_ms(lambda: store.set_annotations(rows), args.repeat)
    print(f"{args.entries:,} entries, {args.annotations:,} annotations")
    print(f"  set_annotations (the table replaced whole): {replace:8.1f} ms")

    def count(query: str) -> float:
        return median_ms(lambda: store.count_matching(Filter(query=query)), args.repeat)

    baseline_column = count("actor:hana*")
    baseline_text = count("dragon")
    print(f"  baseline actor:hana*                         {baseline_column:8.1f} ms")
    print(f"  baseline full-text 'dragon'                  {baseline_text:8.1f} ms")
    for query in ("tag:case-1", "tag:case-*", "starred:yes", "note:public", "annotated:yes", "annotated:no",
                  "tag:case-1 actor:hana*", "dragon tag:case-*"):
        took = count(query)
        base = baseline_text if "dragon" in query else baseline_column
        print(f"  {query:<44} {took:8.1f} ms  ({took / base:.2f}x its baseline)")
    facet = median_ms(lambda: store.tag_counts(Filter()), args.repeat)
    facet_q = median_ms(lambda: store.tag_counts(Filter(query="actor:hana*")), args.repeat)
    category = median_ms(lambda: store.facet_counts(Filter(), "category"), args.repeat)
    print(f"  Tags facet, every entry                      {facet:8.1f} ms  (category facet {category:.1f} ms)")
    print(f"  Tags facet, actor:hana*                      {facet_q:8.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
