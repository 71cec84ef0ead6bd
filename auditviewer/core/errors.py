"""Domain exceptions: every error a person may see, with a message for people.

Each names the file and, where there is one, the line or row, so that the
command line can print one line and the viewer can show one dialog.
"""

from __future__ import annotations


class AuditViewerError(Exception):
    """Base of every error the core raises on purpose."""


class InputError(AuditViewerError):
    """An input cannot be read at all (verification status ``error``, exit 2)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(where + message)


class LimitError(InputError):
    """An input exceeds one of the safety limits in :mod:`auditviewer.core.limits`."""


class QueryError(AuditViewerError):
    """A search query is malformed; ``column`` is 1-based."""

    def __init__(self, message: str, *, column: int, query: str = "") -> None:
        self.column = column
        self.reason = message
        self.query = query
        super().__init__(f"column {column}: {message}")


class TrustStoreError(AuditViewerError):
    """The trust store or a verifier key given by the user is unusable."""


class ExportError(AuditViewerError):
    """An export could not be written; nothing was left half-written."""


class Cancelled(AuditViewerError):
    """Long work stopped because the person asked it to."""


class StoreError(AuditViewerError):
    """The workspace database refused an operation (bad input batch, bad view, DuckDB failure)."""
