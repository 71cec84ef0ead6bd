"""Options several commands share, defined once so that they read the same everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def as_paths(values: Sequence[str]) -> list[Path]:
    return [Path(v) for v in values]


def quiet_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line (it is shown only when standard error is a terminal)",
    )
