"""The frozen application's entry point: the same ``auditviewer`` command as the wheel installs.

PyInstaller needs a script rather than a console-script entry point; this is
it, and nothing more, so the frozen and installed commands cannot drift apart.
"""

from __future__ import annotations

import sys

from auditviewer.cli import main

if __name__ == "__main__":
    sys.exit(main())
