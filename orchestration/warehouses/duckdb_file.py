"""The embedded DuckDB warehouse (TM_TARGET=duckdb, the default): short-lived connections, one writer at a time.

Every step closes its connection before the next opens one: DuckDB allows a single writer per file, so warehouse
steps of a run execute one after the other (the job's in-process executor). Readers never open this file: the
serving copy is a separate DuckDB file, written next to its destination and renamed over it in one step
(:func:`publish`), so Superset and analysts' SQL open it read-only and keep the last good data while a build runs.

The SQL and the steps here are the pipeline's as they were before the other targets existed: this target's
results and speed do not depend on them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from orchestration.warehouses.base import SERVED_SCHEMAS, Landing, Published, WarehouseResource


class DuckDBWarehouse(WarehouseResource):
    """Opens the warehouse file (``path``); ``serving_path`` is the serving copy's file."""

    path: str
    serving_path: str = ""

    @property
    def target(self) -> str:
        return "duckdb"

    @property
    def location(self) -> str:
        return self.path

    @property
    def serving_location(self) -> str:
        return self.serving_path

    @property
    def sqlalchemy_url(self) -> str | None:
        return f"duckdb:///{Path(self.path).resolve()}"

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    # --- SQL ------------------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.connect(read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def frame(self, sql: str):
        with self.connect(read_only=True) as con:
            return con.execute(sql).df()

    def execute(self, sql: str) -> None:
        with self.connect() as con:
            con.execute(sql)

    def create_table_as(self, schema: str, table: str, select: str, inputs: Mapping[str, Any]) -> int:
        with self.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for name, frame in inputs.items():
                con.register(name, frame)
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS {select.format(**{n: n for n in inputs})}")
            return con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]

    def append_rows(self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        schema = table.split(".")[0]
        with self.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
            if rows:
                con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})",
                                [list(r) for r in rows])

    # --- the pipeline's steps -------------------------------------------------------------------------------------

    def land(self, connector, landing_dir: Path, log: Any) -> Landing:
        from ingestion.connectors import ALL_CONNECTORS
        from ingestion.contract import ensure_schema, land_file, recover_interrupted
        from orchestration.progress import progress

        files = connector.files(landing_dir)
        results = []
        with self.connect() as con:
            ensure_schema(con, ALL_CONNECTORS)
            recovered = recover_interrupted(con)
            if recovered:
                log.warning(f"{recovered} interrupted load(s) marked failed; their files land again now")
            for path in progress(files, f"land {connector.source}"):
                results.append(land_file(con, connector, path, Path(landing_dir)))
            total_rows = con.execute(f"SELECT count(*) FROM {connector.raw_table}").fetchone()[0]
        return Landing(results, recovered, total_rows)

    def monitor_collection(self, run_id: str, as_of):
        from ingestion.connectors import ALL_CONNECTORS
        from ingestion.monitoring import monitor, record

        with self.connect() as con:
            findings = monitor(con, ALL_CONNECTORS, as_of)
            record(con, run_id, findings)
        return findings

    def validate(self, schema: str, table: str, suite: Any, where: str | None = None):
        from expectations.runner import validate_table

        return validate_table(Path(self.path), schema, table, suite, where=where)

    def publish_serving(self, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> Published:
        counts = publish(Path(self.path), Path(self.serving_path), schemas)
        return Published(self.serving_location, counts)

    def serving_relation(self, schema: str, table: str) -> str:
        return f"{schema}.{table}"  # in the serving file

    def reader_hint(self) -> str:
        return (f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{self.serving_path}', "
                "read_only=True).sql('FROM marts.rpt_performance_overview LIMIT 5'))\"")


def publish(warehouse_path: Path, serving_path: Path, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> dict[str, int]:
    """Copy ``schemas`` of the warehouse file into a new file next to ``serving_path`` and rename it over that."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving_path.with_name(serving_path.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    try:
        con.execute(f"ATTACH '{warehouse_path}' AS warehouse (READ_ONLY)")
        tables = con.execute(f"""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = 'warehouse' AND table_schema IN ({', '.join('?' * len(schemas))})
            ORDER BY 1, 2""", list(schemas)).fetchall()
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table in tables:
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM warehouse.{schema}.{table}")
            counts[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
        con.execute("DETACH warehouse")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(staging_file, serving_path)  # atomic on one filesystem
    return counts
