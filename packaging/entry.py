"""The frozen application's entry point: the same ``auditviewer`` command as the wheel installs.

PyInstaller needs a script rather than a console-script entry point; this is
it, so the frozen and installed commands cannot drift apart.
"""

from __future__ import annotations

import multiprocessing
import sys

from auditviewer.cli import main

if __name__ == "__main__":
    # A worker process of a frozen app is this same executable started again
    # (spawn/forkserver); PyInstaller's freeze_support turns such a start into
    # the worker instead of a second copy of the command.
    multiprocessing.freeze_support()
    sys.exit(main())
