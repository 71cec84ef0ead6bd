"""What several test files share, in one place each (as qutebrowser's ``tests/helpers``).

- :mod:`.bundle_builder`: entries, signed checkpoints, manifests and whole bundles,
  written from the spec alone (no auditviewer import);
- :mod:`.vectors`: the conformance vectors' folder and key, and the core's report on one;
- :mod:`.fake_session`: an in-memory :class:`~auditviewer.workspace.session.Session` for the viewer;
- :mod:`.window`: the main window, shown, for pytest-qt tests (imports Qt).

Fixtures stay in ``conftest.py`` files; these are plain functions and constants.
"""
