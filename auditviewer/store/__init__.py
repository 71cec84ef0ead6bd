"""DuckDB: the entries table, per-entry states, views, facets, histogram and scope counts."""
