"""Data files of AuditViewer (icons, styles, demo data), installed as ``auditviewer.resources``.

Find them through :func:`auditviewer.resources_path`, never by path arithmetic.
"""
