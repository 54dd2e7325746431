"""The DuckDB warehouse as a Dagster resource: short-lived connections, one writer at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb


class WarehouseResource(dg.ConfigurableResource):
    """Opens the warehouse file. Every step closes its connection before the next opens one: DuckDB
    allows a single writer per file, so warehouse steps of a run execute one after the other."""

    path: str

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
