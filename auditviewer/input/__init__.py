"""Untrusted input: containers (folder, zip, gzip, single file) and the entry-file formats.

Everything here reads bytes it does not trust, within :mod:`auditviewer.core.limits`,
and yields Arrow leaf batches; it never writes and never extracts to disk.
"""
