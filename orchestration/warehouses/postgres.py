"""PostgreSQL as the pipeline's warehouse (TM_TARGET=postgres, TM_POSTGRES_DSN a libpq connection string).

* Landing: the landing contract publishes each file in one transaction (ingestion/targets/postgres.py).
* dbt: the profile's ``postgres`` output, fed from TM_POSTGRES_DSN by orchestration/settings.py.
* Checks: Great Expectations' SQL path (``postgresql+psycopg2://``): every metric is computed in the database.
* Forecast and quality history: tables in the ``ml`` and ``quality`` schemas; a forecast replaces its table in one
  transaction (the predictions travel by COPY into a temporary table, the join with ``marts.dim_track`` runs there).
* Serving: readers (Superset, analysts) query the schema ``serving`` of this database: a copy of every table of
  ``marts``, ``ml`` and ``quality`` under its own name (``serving.rpt_performance_overview``). A publish builds
  the copy in ``serving__next`` and swaps it in with two schema renames in ONE transaction, so a reader sees the
  previous copy or the new one, never a mix and never nothing, and a build in progress never touches what readers
  read. Roles that could use the previous ``serving`` schema keep USAGE and SELECT on the new one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestration.warehouses.base import SERVED_SCHEMAS, Published, PublishingWarehouse, pyformat
from orchestration.warehouses.postgres_security import apply_row_security

SERVING_SCHEMA = "serving"
_NEXT, _PREVIOUS = f"{SERVING_SCHEMA}__next", f"{SERVING_SCHEMA}__previous"
_PORTABLE_TYPES = {"JSON": "jsonb"}  # the rest: the landing contract's mapping (ingestion/targets/postgres.py)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    return ".".join(_q(part) for part in name.split("."))


def sqlalchemy_url(dsn: str) -> str:
    """A libpq connection string (``key=value …`` or a URI) as a ``postgresql+psycopg2://`` SQLAlchemy URL."""
    import sqlalchemy as sa
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(dsn)
    query = {k: v for k, v in parts.items() if k not in ("host", "port", "user", "password", "dbname")}
    url = sa.engine.URL.create("postgresql+psycopg2", username=parts.get("user"), password=parts.get("password"),
                               host=parts.get("host"), port=int(parts["port"]) if parts.get("port") else None,
                               database=parts.get("dbname"), query=query)
    return url.render_as_string(hide_password=False)


def arrow_to_postgres(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int64(arrow_type) or pa.types.is_uint32(arrow_type):
        return "bigint"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision},{arrow_type.scale})"
    raise TypeError(f"no PostgreSQL type for the Arrow type {arrow_type}")


class PostgresWarehouse(PublishingWarehouse):
    """``dsn``: a libpq connection string (in Dagster's configuration from the TM_POSTGRES_DSN variable, so the
    password is never shown)."""

    dsn: str
    # who sees which rows of ``serving`` (infra/tenancy.yml by default; postgres_security.py)
    tenancy_config: str | None = None
    # where the tenant users' generated database passwords are kept (var/postgres/...); None: tenant roles only
    credentials_path: str | None = None

    @property
    def target(self) -> str:
        return "postgres"

    @property
    def location(self) -> str:
        from psycopg2.extensions import parse_dsn

        parts = parse_dsn(self.dsn)
        return "postgres " + " ".join(f"{k}={parts[k]}" for k in ("host", "port", "dbname", "user") if parts.get(k))

    @property
    def serving_location(self) -> str:
        return f"{self.location}, schema {SERVING_SCHEMA}"

    @property
    def sqlalchemy_url(self) -> str | None:
        return sqlalchemy_url(self.dsn)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor in one transaction, committed at the end (rolled back on error); the connection is closed."""
        import psycopg2

        conn = psycopg2.connect(self.dsn)
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SET TIME ZONE 'UTC'")
                yield cur
        finally:
            conn.close()

    # --- SQL ------------------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._transaction() as cur:
            cur.execute(pyformat(sql) if params else sql, list(params) or None)
            return cur.fetchall() if cur.description else []

    def frame(self, sql: str):
        import pandas as pd

        with self._transaction() as cur:
            cur.execute(sql)
            return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])

    def execute(self, sql: str) -> None:
        with self._transaction() as cur:
            cur.execute(sql)

    def create_table_as(self, schema: str, table: str, select: str, inputs: Mapping[str, Any]) -> int:
        import pyarrow as pa

        from ingestion.targets.postgres import CsvStream

        names = {name: _q(f"_tm_input_{name}") for name in inputs}
        with self._transaction() as cur:
            for name, frame in inputs.items():
                data = pa.Table.from_pandas(frame, preserve_index=False)
                columns = ", ".join(f"{_q(f.name)} {arrow_to_postgres(f.type)}" for f in data.schema)
                cur.execute(f"CREATE TEMPORARY TABLE {names[name]} ({columns}) ON COMMIT DROP")
                cur.copy_expert(f"COPY {names[name]} FROM STDIN WITH (FORMAT csv)", CsvStream(data.to_batches()),
                                size=1 << 20)
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
            cur.execute(f"DROP TABLE IF EXISTS {_q(schema)}.{_q(table)}")
            cur.execute(f"CREATE TABLE {_q(schema)}.{_q(table)} AS {select.format(**names)}")
            cur.execute(f"SELECT count(*) FROM {_q(schema)}.{_q(table)}")
            return cur.fetchone()[0]

    def append_rows(self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        from psycopg2.extras import execute_values

        from ingestion.targets.postgres import postgres_type

        schema = table.split(".")[0]
        ddl = ", ".join(f"{_q(n)} {_PORTABLE_TYPES.get(t.upper()) or postgres_type(t)}" for n, t in columns)
        with self._transaction() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {_qualified(table)} ({ddl})")
            if rows:
                execute_values(cur, f"INSERT INTO {_qualified(table)} ({', '.join(_q(n) for n, _ in columns)}) "
                               "VALUES %s", [tuple(r) for r in rows])

    # --- the pipeline's steps -------------------------------------------------------------------------------------

    def landing_target(self):
        from ingestion.targets.postgres import PostgresTarget

        return PostgresTarget(self.dsn)

    def _raw_relations(self, target) -> set[str]:
        return {name for (name,) in target.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'")}

    def validate(self, schema: str, table: str, suite: Any, where: str | None = None):
        from expectations.runner import validate_table

        return validate_table(self.sqlalchemy_url, schema, table, suite, where=where)

    def publish_serving(self, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> Published:
        counts: dict[str, int] = {}
        with self._transaction() as cur:  # build the copy beside the one readers use
            cur.execute("SELECT table_schema, table_name FROM information_schema.tables "
                        "WHERE table_schema = ANY(%s) ORDER BY 1, 2", [list(schemas)])
            tables = cur.fetchall()
            _refuse_name_clashes(tables)
            cur.execute(f"DROP SCHEMA IF EXISTS {_q(_NEXT)} CASCADE")
            cur.execute(f"CREATE SCHEMA {_q(_NEXT)}")
            for schema, table in tables:
                cur.execute(f"CREATE TABLE {_q(_NEXT)}.{_q(table)} AS TABLE {_q(schema)}.{_q(table)}")
                counts[f"{schema}.{table}"] = cur.rowcount
        with self._transaction() as cur:  # the swap: one transaction, two renames
            cur.execute(f"DROP SCHEMA IF EXISTS {_q(_PREVIOUS)} CASCADE")
            cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [SERVING_SCHEMA])
            if cur.fetchone():
                _carry_grants(cur)
                cur.execute(f"ALTER SCHEMA {_q(SERVING_SCHEMA)} RENAME TO {_q(_PREVIOUS)}")
            # the tenants' policies in the same transaction: no reader ever sees a served table without them
            apply_row_security(
                cur, _NEXT, Path(self.tenancy_config) if self.tenancy_config else None,
                Path(self.credentials_path) if self.credentials_path else None)
            cur.execute(f"ALTER SCHEMA {_q(_NEXT)} RENAME TO {_q(SERVING_SCHEMA)}")
        with contextlib.suppress(Exception), self._transaction() as cur:
            # after the swap, on its own: waits for queries still reading the previous copy (a leftover is
            # dropped by the next publish)
            cur.execute("SET LOCAL lock_timeout = '30s'")
            cur.execute(f"DROP SCHEMA IF EXISTS {_q(_PREVIOUS)} CASCADE")
        return Published(self.serving_location, counts)

    def serving_relation(self, schema: str, table: str) -> str:
        return f"{SERVING_SCHEMA}.{table}"

    def reader_hint(self) -> str:
        return f"psql \"$TM_POSTGRES_DSN\" -c 'SELECT * FROM {SERVING_SCHEMA}.rpt_performance_overview LIMIT 5'"


def _refuse_name_clashes(tables: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for schema, table in tables:
        if table in seen:
            raise ValueError(f"{seen[table]}.{table} and {schema}.{table} would both be {SERVING_SCHEMA}.{table}")
        seen[table] = schema


def _carry_grants(cur: Any) -> None:
    """Whoever may read the current serving schema may read the next one (USAGE on it, SELECT on its tables)."""
    cur.execute("""SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
                   FROM pg_namespace AS n, aclexplode(n.nspacl) AS a LEFT JOIN pg_roles AS r ON r.oid = a.grantee
                   WHERE n.nspname = %s AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner""",
                [SERVING_SCHEMA])
    for (role,) in cur.fetchall():
        cur.execute(f"GRANT USAGE ON SCHEMA {_q(_NEXT)} TO {role}")
        cur.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {_q(_NEXT)} TO {role}")
