"""Data files of AuditViewer (icons, styles, demo data), installed as ``auditviewer.resources``.

Find them through :func:`auditviewer.core.resources_path.resource`, never by path arithmetic.
"""
