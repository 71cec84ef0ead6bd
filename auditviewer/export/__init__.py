"""Re-export a selection: verifiable slice bundles (spec §6) and plain JSONL, Parquet or CSV.

:mod:`.plan` is the API (plan, then export); :mod:`.bundle` and :mod:`.plain` write the two
kinds; :mod:`.source` is what an export reads from (paths, or a workspace the viewer keeps open).
"""
