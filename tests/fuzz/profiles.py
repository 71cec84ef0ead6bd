"""Hypothesis settings for the fuzz suite, chosen with the environment variable HYPOTHESIS_PROFILE.

- ``ci`` (default): a bounded number of examples per test, the whole suite in well under a minute.
- ``long``: thousands of examples per test, for a run outside CI
  (``HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/fuzz``).

``FUZZ_MAX_EXAMPLES=N`` overrides the number of examples of either profile.

The profiles are registered under ``fuzz-ci`` / ``fuzz-long`` and applied to the fuzz tests
alone (never loaded globally), so the rest of the test suite keeps its own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_BASE = settings(
    # Each example is bounded by tests.fuzz.targets.bounded (SIGALRM + wall clock) instead:
    # hypothesis' deadline turns a slow first call (DuckDB start-up) into flaky failures.
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    print_blob=True,
)
settings.register_profile("fuzz-ci", _BASE, max_examples=60)
settings.register_profile("fuzz-long", _BASE, max_examples=3000)

PROFILE = "long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "ci"
FUZZ = settings(settings.get_profile(f"fuzz-{PROFILE}"))
if os.environ.get("FUZZ_MAX_EXAMPLES", "").isdigit():  # e.g. a long run of a bounded length
    FUZZ = settings(FUZZ, max_examples=int(os.environ["FUZZ_MAX_EXAMPLES"]))
#: For the few tests whose examples cost more (the store, Parquet writing).
FUZZ_HEAVY = settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 2))
