"""Integrity: the spec's chain, signed notes, verifier keys, trust store and §7 verification.

Reads leaves, never the database, so ``auditviewer verify`` needs no DuckDB.
"""
