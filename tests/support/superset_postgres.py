"""The serving layer on PostgreSQL for the dashboard tests: the tables the dashboards read, copied from the session's
DuckDB serving copy into the ``serving`` schema of a PostgreSQL database, the layout the PostgreSQL target publishes
(orchestration/warehouses/postgres.py). The pipeline itself running on PostgreSQL is tested in
tests/targets/test_pipeline_on_targets.py (its served tables equal DuckDB's row for row); here what matters is that
the same dashboards and queries work on PostgreSQL's SQL."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

SERVING_SCHEMA = "serving"


def fresh_database(postgres: object, name: str) -> str:
    """A new, empty database ``name`` in the session's PostgreSQL cluster; its SQLAlchemy URI."""
    import psycopg2

    admin = psycopg2.connect(postgres.dsn)  # type: ignore[attr-defined]
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return f"postgresql+psycopg2://{postgres.user}@127.0.0.1:{postgres.port}/{name}"  # type: ignore[attr-defined]


def pg_type(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return t.replace("DECIMAL", "NUMERIC")
    if t in ("HUGEINT", "UBIGINT"):
        return "NUMERIC(38,0)"
    if t == "DOUBLE":
        return "DOUBLE PRECISION"
    if t == "FLOAT":
        return "REAL"
    if t in ("TINYINT", "UTINYINT", "USMALLINT"):
        return "SMALLINT"
    if t == "UINTEGER":
        return "BIGINT"
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return "TIMESTAMPTZ"
    if t.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    if t in ("VARCHAR", "JSON") or t.endswith("[]") or t.startswith(("STRUCT", "MAP")):
        return "TEXT"
    return t


def copy_serving_to_postgres(serving_duckdb: Path, dsn: str, tables: list[tuple[str, str]]) -> dict[str, int]:
    """Create ``serving.<table>`` for each (schema, table) of the DuckDB serving copy and COPY its rows in."""
    return copy_tables_to_postgres(serving_duckdb, dsn, tables, SERVING_SCHEMA)


def copy_tables_to_postgres(serving_duckdb: Path, dsn: str, tables: list[tuple[str, str]],
                            into: str | None = None) -> dict[str, int]:
    """Create ``<into or schema>.<table>`` for each (schema, table) of the DuckDB file and COPY its rows in."""
    import duckdb
    import psycopg2

    counts: dict[str, int] = {}
    with duckdb.connect(str(serving_duckdb), read_only=True) as src, \
            contextlib.closing(psycopg2.connect(dsn)) as pg, pg, pg.cursor() as cur:
        for schema, table in tables:
            target = into or schema
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {target}")
            columns = src.execute("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                                  [schema, table]).fetchall()
            if not columns:
                raise LookupError(f"{schema}.{table} is not in {serving_duckdb}")
            assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", name) for name, _ in columns)
            cur.execute(f"DROP TABLE IF EXISTS {target}.{table}")
            cur.execute(f"CREATE TABLE {target}.{table} ("
                        + ", ".join(f"{name} {pg_type(kind)}" for name, kind in columns) + ")")
            buf = io.StringIO()
            writer = csv.writer(buf)
            rows = src.execute(f"SELECT * FROM {schema}.{table}").fetchall()
            for row in rows:
                writer.writerow(["\\N" if v is None else v for v in row])
            buf.seek(0)
            cur.copy_expert(f"COPY {target}.{table} FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)
            counts[f"{schema}.{table}"] = len(rows)
    return counts
