#!/usr/bin/env python3
"""Long-running fuzzing of AuditViewer's untrusted-input readers, outside CI.

    python tools/fuzz.py TARGET --seconds N [--engine atheris|mutate] [--out DIR]

TARGET is one of: manifest, jsonl, parquet, notes, keys, query, plain, zip
(see tests/fuzz/targets.py for what each feeds and which properties it checks).

Engines:

- ``atheris`` (default when ``pip install atheris`` works): coverage-guided
  libFuzzer over the auditviewer package, instrumented at import.
- ``mutate``: no extra dependency; random byte-level mutations of the seeds
  and of inputs that showed a new behaviour (a new outcome: parsed, or a new
  kind of domain error), each example bounded in time (SIGALRM) and traced
  memory (tracemalloc).

Either way a run does not stop at the first finding: every input that raises
anything but a domain error (AuditViewerError), or breaks a property, is saved
under ``--out`` (default ``$TMPDIR/auditviewer-fuzz/TARGET``) as ``crash-<hash>`` with its
traceback in ``crash-<hash>.txt``, once per distinct failure. The last line
printed is a JSON summary: inputs tried, distinct failures, seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_NAMES = ("manifest", "jsonl", "parquet", "notes", "keys", "query", "plain", "zip")


class Campaign:
    """Runs inputs through a target, keeps distinct failures, counts what was tried."""

    def __init__(self, target: str, out: Path, *, alarm: bool, memory: bool) -> None:
        from tests.fuzz import targets

        self.targets: Any = targets
        self.run: Callable[[bytes], None] = targets.TARGETS[target]
        self.target = target
        self.out = out
        self.alarm = alarm
        self.memory = memory
        self.inputs = 0
        self.failures: dict[str, str] = {}
        self.outcomes: set[str] = set()
        out.mkdir(parents=True, exist_ok=True)

    def one(self, data: bytes) -> bool:
        """Run one input; True when it showed an outcome not seen before."""
        self.inputs += 1
        targets = self.targets
        outcome = "ok"
        try:
            with targets.bounded(
                memory=targets.MEMORY_LIMIT if self.memory else None,
                seconds=targets.TIME_LIMIT_S,
                alarm=self.alarm,
            ):
                self.run(data)  # swallows domain errors, noting which in last_outcome
                outcome = targets.last_outcome
        except Exception as exc:  # every other exception is a finding
            self._failure(data, exc)
            outcome = "failure:" + type(exc).__name__
        new = outcome not in self.outcomes
        self.outcomes.add(outcome)
        return new

    def _failure(self, data: bytes, exc: BaseException) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/auditviewer/" in f.filename] or frames
        where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
        key = f"{type(exc).__name__} at {where}"
        if key in self.failures:
            return
        name = "crash-" + hashlib.sha256(data).hexdigest()[:16]
        self.failures[key] = name
        (self.out / name).write_bytes(data)
        (self.out / f"{name}.txt").write_text(
            f"{key}\n\n" + "".join(traceback.format_exception(exc)), encoding="utf-8"
        )
        print(f"[fuzz] new failure {key}: {self.out / name}", file=sys.stderr, flush=True)

    def summary(self, engine: str, seconds: float) -> dict[str, object]:
        return {
            "target": self.target,
            "engine": engine,
            "inputs": self.inputs,
            "seconds": round(seconds, 1),
            "distinct_failures": len(self.failures),
            "failures": self.failures,
            "outcomes": len(self.outcomes),
        }

    def write_summary(self, engine: str, seconds: float) -> None:
        summary = self.summary(engine, seconds)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=1))
        print(json.dumps(summary), flush=True)


def run_mutate(
    target: str, seconds: float, out: Path, seed: int | None, store_share: float
) -> None:
    campaign = Campaign(target, out, alarm=True, memory=True)
    targets = campaign.targets
    targets.STORE_SHARE = store_share
    rnd = random.Random(seed)
    pool = list(targets.seeds(target))
    for data in pool:
        campaign.one(data)
    started = time.monotonic()
    last_report = started
    while time.monotonic() - started < seconds:
        parent = rnd.choice(pool)
        data = targets.mutate(parent, rnd, others=pool)
        if campaign.one(data) and len(pool) < 2000:
            pool.append(data)
        now = time.monotonic()
        if now - last_report > 30:
            last_report = now
            print(
                f"[fuzz] {target}: {campaign.inputs} inputs, {len(campaign.outcomes)} outcomes, "
                f"{len(campaign.failures)} failures, {now - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    campaign.write_summary("mutate", time.monotonic() - started)


def run_atheris(target: str, seconds: float, out: Path, store_share: float) -> None:
    import atheris  # type: ignore

    with atheris.instrument_imports(include=["auditviewer"]):
        import auditviewer.workspace.loading  # noqa: F401 - instrumented before the targets import it
        from tests.fuzz import targets
    targets.STORE_SHARE = store_share
    # libFuzzer owns SIGALRM (-timeout) and RSS (-rss_limit_mb): no alarm, no tracemalloc.
    campaign = Campaign(target, out, alarm=False, memory=False)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for data in targets.seeds(target):
        (corpus / f"seed-{hashlib.sha256(data).hexdigest()[:12]}").write_bytes(data)
    started = time.monotonic()

    def one_input(data: bytes) -> None:
        campaign.one(data)
        if campaign.inputs % 200 == 0:
            # libFuzzer ends the process with exit(): keep the summary current.
            campaign.summary("atheris", time.monotonic() - started)
            (out / "summary.json").write_text(
                json.dumps(campaign.summary("atheris", time.monotonic() - started), indent=1)
            )

    argv = [
        sys.argv[0],
        f"-max_total_time={int(seconds)}",
        f"-timeout={int(targets.TIME_LIMIT_S)}",
        "-rss_limit_mb=4096",
        "-max_len=65536",
        "-print_final_stats=1",
        str(corpus),
    ]
    atheris.Setup(argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        campaign.write_summary("atheris", time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", choices=TARGET_NAMES)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--engine", choices=("auto", "atheris", "mutate"), default="auto")
    parser.add_argument("--out", type=Path, default=None, help="where failures and the summary go")
    parser.add_argument("--seed", type=int, default=None, help="random seed (mutate engine)")
    parser.add_argument(
        "--store-share",
        type=float,
        default=0.2,
        help="share of inputs (by hash) also loaded into the DuckDB store and shown; "
        "the rest are opened and verified only (default 0.2: a store costs ~0.1 s)",
    )
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.gettempdir()) / "auditviewer-fuzz" / args.target
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") is not None else "mutate"
    os.environ.setdefault("AUDITVIEWER_TRUST_STORE", os.devnull)
    if engine == "atheris":
        run_atheris(args.target, args.seconds, out, args.store_share)
    else:
        run_mutate(args.target, args.seconds, out, args.seed, args.store_share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
