"""The one shape of progress and cancel callbacks the long jobs take.

A long job (reading a workspace, writing an export or a sample) reports
``progress(done, total)`` in its own units — bytes read, entries plus proof
rows written, entries generated — and asks ``cancelled()`` between pieces of
work. The consumers (the terminal's ``cli/progress.py:ProgressLine``, the
viewer's ``ui/workers.py``) adapt them; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable

#: progress(units done, units in all); the job's docstring names its units.
Progress = Callable[[int, int], None]

#: cancelled() -> True once the person asked to stop; the job then raises
#: :class:`~auditviewer.core.errors.Cancelled`.
CancelCheck = Callable[[], bool]
