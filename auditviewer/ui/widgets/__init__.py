"""The window's widgets, one concern each: search bar, facets, time range, timeline,
scope tree, entry pane (JSON tree, before/after), integrity banner and report panel."""
