"""Qt item models: thin adapters over the store (the log table) and over one entry (its JSON)."""
