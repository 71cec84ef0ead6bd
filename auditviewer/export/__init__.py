"""Re-export a selection: verifiable slice bundles (spec §6) and plain JSONL, Parquet or CSV.

:mod:`.plan` tells what an export will hold (``plan_export``), :mod:`.write` writes it
(``export_slice``); :mod:`.naming` reads the format from the output's name, :mod:`.selection`
says which entries; :mod:`.bundle` and :mod:`.plain` write the two kinds; :mod:`.source` is
what an export reads from (paths, or a workspace the viewer keeps open).
"""
