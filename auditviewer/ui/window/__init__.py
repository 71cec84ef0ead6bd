"""The main window's controllers: each takes one group of actions off the window.

:class:`~auditviewer.ui.main_window.MainWindow` builds the widgets and wires their
signals; what an action *does* lives here, one module per concern (as vorta's
``views/`` hand tab actions to small controller classes):

- ``pages``: the start page and the log table widget (built once by the window);
- ``menus``: the menu bar, its actions and shortcuts;
- ``loading``: open, the loading job and its progress, Cancel, close, recent files;
- ``filtering``: search, facets, time range, scope → the filter; the view's refresh;
- ``entries``: the selected entry, the entry pane, copying rows, context menus;
- ``reports``: the report panel, saving the report (JSON, HTML) and fork evidence;
- ``trust``: trusting a signer, the trust store, remembered checkpoints;
- ``export``: the export dialog flow;
- ``layout``: settings, geometry, splitters, columns.

A controller is a ``QObject`` child of the window (so a worker thread's signals
reach it queued, on the GUI thread) holding the window as ``self.w``; controllers
reach each other through the window (``self.w.loading``), never by import cycles.
"""
