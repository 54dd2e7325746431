"""Data-quality checks as code, run with Great Expectations 1.x's SQL path on the warehouse.

- ``expectations.runner.validate_table``: validate one table (or one partition) against a suite.
- ``expectations.suites``: the suites (raw usage, raw catalogue, marts), built from parameters.
- ``expectations.duckdb_connection_fix``: what makes GX's SQL path work on DuckDB.

Nothing here imports ``great_expectations`` at import time (it costs seconds); the functions do.
"""
