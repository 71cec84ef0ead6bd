"""``python -m auditviewer``: the same as the ``auditviewer`` command."""

from auditviewer.cli import main

raise SystemExit(main())
