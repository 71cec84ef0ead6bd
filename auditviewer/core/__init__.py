"""The vocabulary every layer may use: domain values, errors, limits, safe display text,
times, the atomic writer, user folders, resources, version data and the C extension binding.

Nothing here imports another auditviewer package (only ``auditviewer.__version__``),
and nothing here imports Qt, DuckDB or PyArrow at import time.
"""
