"""What keeping the cache folder bounded and clean costs: sweep, eviction, the start page's marker.

    .venv/bin/python benchmarks/bench_cache_folder.py --databases 50

Makes ``--databases`` complete workspace databases (small: the cost is per
database, not per entry) with their records, then times: the first sweep
(each database opened once to prove it complete, then stamped), a second sweep
(stamps read, nothing opened), ``cache list``'s scan, making room for a new
database by evicting half of them, and the start page's question for ten
recent files.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from auditviewer.store.store import Store
from auditviewer.workspace import cache_folder


def _timed(label: str, run: object) -> None:
    started = time.perf_counter()
    result = run()  # type: ignore[operator]
    print(f"{label:<44} {1000 * (time.perf_counter() - started):8.1f} ms  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--databases", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["AUDITVIEWER_CACHE_DIR"] = str(root / "cache")
        where = cache_folder.folder()
        where.mkdir(parents=True)
        exports = []
        for number in range(args.databases):
            export = root / f"export-{number}.jsonl"
            export.write_text("{}\n")
            exports.append(export)
            path = where / f"workspace-{number:032x}.duckdb"
            store = Store(database=path)
            store.finish()
            store.mark_complete(key=str(number))
            store.close()
            cache_folder.note_opening(path, str(number), [export])
        total = cache_folder.total_size(where)
        _timed(f"first sweep ({args.databases} databases, opens each)", lambda: len(cache_folder.sweep(where).removed))
        _timed("second sweep (stamped: opens none)", lambda: len(cache_folder.sweep(where).removed))
        _timed("scan (cache list)", lambda: len(cache_folder.scan(where)))

        def marker() -> int:
            cached = cache_folder.cached_exports(where)
            return sum(cache_folder.opens_fast(p, cached) for p in exports[:10])

        _timed("start page: which of 10 recent files open fast", marker)
        _timed(
            "make room: evict half",
            lambda: len(cache_folder.make_room(total // 2, total, where=where)[1].removed),
        )


if __name__ == "__main__":
    main()
