"""ClickHouse as the pipeline's warehouse (TM_TARGET=clickhouse): the engine embedded in-process by chDB in the folder
TM_CLICKHOUSE_PATH (default ``<var>/clickhouse``), or a server (TM_CLICKHOUSE_DSN, ``http://user:pw@host:8123``).

* Landing: the landing contract; ClickHouse has no transactions, the ledger makes each batch atomic
  (ingestion/targets/clickhouse.py).
* dbt: the profile's ``clickhouse`` output, incremental as on the other targets: the incremental usage models'
  pre-hooks delete what a build replaces with lightweight ``DELETE``s, synchronous under the profile's
  ``lightweight_deletes_sync`` (macros/incremental_usage.sql). On chDB, dagster-dbt runs a small generated
  executable that starts ``orchestration/clickhouse_dbt.py`` (dbt-clickhouse's HTTP client replaced by the chDB
  one). Only one process may open a chDB folder at a time: every step here opens a client and closes it before
  the next step runs, so dbt's process can open the folder in between (the job runs its steps one after the other).
* Checks: Great Expectations has no ClickHouse (let alone chDB) SQL dialect, so the checks run on GX's *pandas*
  path: the table is read from ClickHouse into a DataFrame (``SELECT *``) and the same suites validate it in
  memory. The results are GX's own, but the table must fit in memory: fine for the raw layer of a few million
  rows and for the marts; a table of 10^8 rows needs a SQL dialect for GX (or validation one partition at a time).
* Forecast and quality history: tables in the ``ml`` and ``quality`` databases (MergeTree). A forecast replaces
  its table with one ``CREATE OR REPLACE TABLE … AS SELECT`` (atomic in an Atomic database); the predictions are
  inserted from Arrow into a staging table first, which is dropped afterwards.
* Serving: readers query the database ``serving`` (``serving.rpt_performance_overview``): a copy of every table
  of ``marts``, ``ml`` and ``quality``. A publish builds it in ``serving__next`` (``CLONE AS``: the same
  engine, sorting key and partitions, the parts hard-linked rather than copied) and then swaps each table with
  ``EXCHANGE TABLES``, which is atomic per table. ClickHouse has no transaction over several statements: the
  tables are swapped one after another, milliseconds apart, so a reader joining two served tables in that
  instant could see one new and one previous; no reader ever sees a missing or half-written table.

The sessions use the standard-SQL settings of the dbt profile's ``clickhouse`` output (``custom_settings`` in
dbt_project/profiles.yml), so the pipeline's own queries mean what dbt's models mean.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouses.base import SERVED_SCHEMAS, Published, PublishingWarehouse, pyformat

SERVING_DATABASE = "serving"
_NEXT = f"{SERVING_DATABASE}__next"
_PORTABLE_TYPES = {"JSON": "Nullable(String)"}  # the rest: the landing contract's mapping


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _qualified(name: str) -> str:
    return ".".join(_q(part) for part in name.split("."))


@functools.cache
def session_settings() -> dict[str, Any]:
    """The dbt profile's ClickHouse session settings (standard SQL semantics)."""
    import yaml

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    return dict(profile["tunemantra"]["outputs"]["clickhouse"].get("custom_settings") or {})


def arrow_to_clickhouse(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        kind = "String"
    elif pa.types.is_boolean(arrow_type):
        kind = "Bool"
    elif pa.types.is_integer(arrow_type):
        kind = f"{'U' if pa.types.is_unsigned_integer(arrow_type) else ''}Int{arrow_type.bit_width}"
    elif pa.types.is_floating(arrow_type):
        kind = f"Float{arrow_type.bit_width}"
    elif pa.types.is_date(arrow_type):
        kind = "Date32"
    elif pa.types.is_timestamp(arrow_type):
        kind = "DateTime64(6)"
    elif pa.types.is_decimal(arrow_type):
        kind = f"Decimal({arrow_type.precision}, {arrow_type.scale})"
    else:
        raise TypeError(f"no ClickHouse type for the Arrow type {arrow_type}")
    return f"Nullable({kind})"


def _frame(client: Any, sql: str) -> Any:
    """A query's result as a DataFrame, with its columns even when it has no rows (``query_df`` then has none)."""
    frame = client.query_df(sql)
    if len(frame.columns) == 0:
        import pandas as pd

        names = client.query(f"SELECT * FROM ({sql}) AS q LIMIT 0").column_names
        frame = pd.DataFrame(columns=list(names))
    return frame


class ClickHouseWarehouse(PublishingWarehouse):
    """``path``: a chDB data folder; or ``dsn``: a ClickHouse server (then ``path`` is empty)."""

    path: str = ""
    dsn: str = ""

    @property
    def target(self) -> str:
        return "clickhouse"

    @property
    def location(self) -> str:
        if self.path:
            return f"clickhouse (chDB) {self.path}"
        from urllib.parse import urlsplit

        parts = urlsplit(self.dsn)
        return f"clickhouse {parts.hostname}:{parts.port or 8123}"

    @property
    def serving_location(self) -> str:
        return f"{self.location}, database {SERVING_DATABASE}"

    @contextlib.contextmanager
    def client(self) -> Iterator[Any]:
        """A client for one step, closed at the end (a chDB folder is then free for the next process)."""
        import clickhouse_connect

        if self.dsn:
            client = clickhouse_connect.get_client(dsn=self.dsn, settings=session_settings())
        else:
            Path(self.path).mkdir(parents=True, exist_ok=True)
            client = clickhouse_connect.get_client(interface="chdb", path=self.path, settings=session_settings())
        try:
            yield client
        finally:
            client.close()

    # --- SQL ------------------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.client() as client:
            result = client.query(pyformat(sql) if params else sql, parameters=list(params) or None)
            return [tuple(row) for row in result.result_rows]

    def frame(self, sql: str):
        with self.client() as client:
            return _frame(client, sql)

    def execute(self, sql: str) -> None:
        with self.client() as client:
            client.command(sql)

    def create_table_as(self, schema: str, table: str, select: str, inputs: Mapping[str, Any]) -> int:
        import pyarrow as pa

        staged = {name: f"{_q(schema)}.{_q(f'_tm_input_{name}')}" for name in inputs}
        with self.client() as client:
            client.command(f"CREATE DATABASE IF NOT EXISTS {_q(schema)}")
            try:
                for name, frame in inputs.items():
                    data = pa.Table.from_pandas(frame, preserve_index=False)
                    columns = ", ".join(f"{_q(f.name)} {arrow_to_clickhouse(f.type)}" for f in data.schema)
                    client.command(f"DROP TABLE IF EXISTS {staged[name]}")
                    client.command(f"CREATE TABLE {staged[name]} ({columns}) ENGINE = MergeTree ORDER BY tuple()")
                    client.insert_arrow(staged[name], data)
                client.command(f"CREATE OR REPLACE TABLE {_q(schema)}.{_q(table)} ENGINE = MergeTree "
                               f"ORDER BY tuple() AS {select.format(**staged)}")
            finally:
                for relation in staged.values():
                    client.command(f"DROP TABLE IF EXISTS {relation}")
            return int(client.query(f"SELECT count() FROM {_q(schema)}.{_q(table)}").result_rows[0][0])

    def append_rows(self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        from ingestion.targets.clickhouse import clickhouse_type

        schema = table.split(".")[0]
        ddl = ", ".join(f"{_q(n)} {_PORTABLE_TYPES.get(t.upper()) or clickhouse_type(t)}" for n, t in columns)
        with self.client() as client:
            client.command(f"CREATE DATABASE IF NOT EXISTS {_q(schema)}")
            client.command(f"CREATE TABLE IF NOT EXISTS {_qualified(table)} ({ddl}) "
                           "ENGINE = MergeTree ORDER BY tuple()")
            if rows:
                client.insert(_qualified(table), [list(r) for r in rows], column_names=[n for n, _ in columns])

    # --- the pipeline's steps -------------------------------------------------------------------------------------

    def landing_target(self):
        from ingestion.targets.clickhouse import ClickHouseTarget

        return ClickHouseTarget(self.path or None, dsn=self.dsn or None)

    def _raw_relations(self, target) -> set[str]:
        return {name for (name,) in target.query("SELECT name FROM system.tables WHERE database = 'raw'")}

    def validate(self, schema: str, table: str, suite: Any, where: str | None = None):
        """GX's pandas path on the whole table read from ClickHouse (see the module's docstring)."""
        from expectations.runner import validate_frame

        with self.client() as client:
            found = client.query("SELECT count() FROM system.tables WHERE database = {db:String} "
                                 "AND name = {name:String}", parameters={"db": schema, "name": table})
            if not found.result_rows[0][0]:
                raise LookupError(f"table {schema}.{table} not found in {self.location}")
            frame = _frame(client, f"SELECT * FROM {_q(schema)}.{_q(table)}" + (f" WHERE ({where})" if where else ""))
        return validate_frame(frame, f"{schema}.{table}", suite, where=where)

    def publish_serving(self, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> Published:
        counts: dict[str, int] = {}
        with self.client() as client:
            tables = [tuple(r) for r in client.query(
                "SELECT database, name, engine FROM system.tables WHERE has({dbs:Array(String)}, database) "
                "AND NOT is_temporary AND engine NOT IN ('MaterializedView', 'Dictionary') "
                "AND NOT startsWith(name, '.inner') ORDER BY database, name",
                parameters={"dbs": list(schemas)}).result_rows]
            names = [name for _, name, _ in tables]
            clashes = sorted({n for n in names if names.count(n) > 1})
            if clashes:
                raise ValueError(f"tables of one name in two served databases: {', '.join(clashes)}")
            client.command(f"DROP DATABASE IF EXISTS {_q(_NEXT)} SYNC")
            client.command(f"CREATE DATABASE {_q(_NEXT)} ENGINE = Atomic")
            for database, name, engine in tables:
                source, copy = f"{_q(database)}.{_q(name)}", f"{_q(_NEXT)}.{_q(name)}"
                if engine.endswith("MergeTree"):
                    client.command(f"CREATE TABLE {copy} CLONE AS {source}")
                else:  # a view: its rows, as a table
                    client.command(f"CREATE TABLE {copy} ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM {source}")
                counts[f"{database}.{name}"] = int(client.query(f"SELECT count() FROM {copy}").result_rows[0][0])
            client.command(f"CREATE DATABASE IF NOT EXISTS {_q(SERVING_DATABASE)} ENGINE = Atomic")
            served = {n for (n,) in client.query("SELECT name FROM system.tables WHERE database = {db:String}",
                                                 parameters={"db": SERVING_DATABASE}).result_rows}
            for name in names:  # the swap: atomic per table
                current, copy = f"{_q(SERVING_DATABASE)}.{_q(name)}", f"{_q(_NEXT)}.{_q(name)}"
                if name in served:
                    client.command(f"EXCHANGE TABLES {current} AND {copy}")
                else:
                    client.command(f"RENAME TABLE {copy} TO {current}")
            for name in sorted(served - set(names)):  # no longer built: no longer served
                client.command(f"DROP TABLE {_q(SERVING_DATABASE)}.{_q(name)} SYNC")
            client.command(f"DROP DATABASE {_q(_NEXT)} SYNC")  # now holding the previous copies
        return Published(self.serving_location, counts)

    def serving_relation(self, schema: str, table: str) -> str:
        return f"{SERVING_DATABASE}.{table}"

    def reader_hint(self) -> str:
        if not self.path:
            return f"clickhouse client --query 'SELECT * FROM {SERVING_DATABASE}.rpt_performance_overview LIMIT 5'"
        return (".venv/bin/python -c \"import clickhouse_connect as c; print(c.get_client(interface='chdb', "
                f"path='{self.path}').query_df('SELECT * FROM {SERVING_DATABASE}.rpt_performance_overview "
                "LIMIT 5'))\"  (when no pipeline is running: one process per chDB folder)")

    def dbt_executable(self, var_dir: Path) -> str:
        if self.dsn:  # a server: dbt itself, with the profile's host, port and user from TM_CLICKHOUSE_DSN
            return super().dbt_executable(var_dir)
        from orchestration.clickhouse_dbt import write_launcher

        return str(write_launcher(Path(var_dir) / "bin"))
