"""One pipeline, open → verify → store, that both the command line and the viewer run.

:mod:`.inputs` opens several inputs as one workspace; :mod:`.verification` verifies
every leaf batch and hands it on; :mod:`.loading` stores the same batches in DuckDB;
:mod:`.cache` decides where a workspace's database lives.
"""
