"""Everything Qt: the only package that may import PySide6."""

# Binding work-arounds, applied before any widget exists.
from auditviewer.ui import _pyside_fixes as _pyside_fixes
