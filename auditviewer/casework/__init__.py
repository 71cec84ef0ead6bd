"""Case work: what an investigator adds beside a log — annotations (star, tags, notes),
search history, saved searches — and the evidence report that hands it over.

Qt-free, like every package outside ``ui/``; stored per log origin in the user's
data folder (see docs/casework.md).
"""
