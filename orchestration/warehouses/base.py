"""What every asset asks of the warehouse, whatever the target: one small interface, one implementation per target.

The assets never open a connection of their own; they call the resource named ``warehouse``:

* ``query(sql, params)`` → rows, ``frame(sql)`` → a pandas DataFrame, ``execute(sql)``: SQL every target speaks
  (``?`` placeholders for values). Each call opens a short-lived connection and closes it: the embedded targets
  (a DuckDB file, a chDB folder) allow one writer, or one process, at a time, and dbt runs in a child process
  between the steps that read and write.
* ``create_table_as(schema, table, select, inputs)``: materialise a query over warehouse tables and in-memory
  DataFrames (``{name}`` in the query stands for the DataFrame ``inputs[name]``), replacing the table atomically.
* ``append_rows(table, columns, rows)``: history tables (quality results), created on first use; ``columns`` are
  (name, type) with portable types (VARCHAR, TIMESTAMP, BOOLEAN, INTEGER, DOUBLE, JSON).
* ``land(connector, landing_dir, log)``: the landing contract into ``raw.*`` (ingestion/contract.py,
  ingestion/targets/), ``monitor_collection(run_id, as_of)``: collection monitoring over the ledger, kept in
  ``quality.collection_monitoring``.
* ``validate(schema, table, suite, where)``: a Great Expectations suite on a table, or on the rows of one partition
  (GX's SQL path where GX speaks the engine's dialect, its pandas path where it does not).
* ``publish_serving()``: the serving layer readers query, replaced atomically after a successful build.
* ``dbt_executable(var_dir)``: how dbt runs on the target.
* ``sqlalchemy_url``: for tools that take one (GX), where the target has a SQLAlchemy dialect.

``TM_TARGET`` picks the implementation (orchestration.warehouses.warehouse_for): duckdb_file.py (the default,
unchanged), postgres.py, clickhouse.py. PostgreSQL and ClickHouse share what this module's ``PublishingWarehouse``
does through the landing targets of ingestion/targets/.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from ingestion.contract import Connector, FileResult

if TYPE_CHECKING:
    import pandas as pd

    from expectations.runner import ValidationOutcome
    from ingestion.monitoring import Finding
    from ingestion.targets import Target

SERVED_SCHEMAS = ("marts", "ml", "quality", "alerts")


def target_kind() -> str:
    """The configured target's name, as the kind (the icon in Dagster's UI) of the assets that write to it."""
    return os.environ.get("TM_TARGET") or "duckdb"


@dataclasses.dataclass(frozen=True)
class Landing:
    """What one source's landing did: one result per file seen, interrupted loads recovered, rows in raw."""

    results: list[FileResult]
    recovered: int
    total_rows: int


@dataclasses.dataclass(frozen=True)
class Published:
    """The serving layer after a publish: where readers find it and rows per table (``schema.table`` of the
    warehouse it was copied from)."""

    location: str
    counts: dict[str, int]


class WarehouseResource(dg.ConfigurableResource, abc.ABC):
    """The warehouse the pipeline runs on (see the module's docstring for the interface)."""

    @property
    @abc.abstractmethod
    def target(self) -> str:
        """``duckdb``, ``postgres`` or ``clickhouse``."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the warehouse is, for people (never a password)."""

    @property
    @abc.abstractmethod
    def serving_location(self) -> str:
        """Where readers find the serving layer, for people."""

    @property
    def sqlalchemy_url(self) -> str | None:
        """A SQLAlchemy URL of the warehouse, or None where no dialect fits."""
        return None

    # --- SQL ------------------------------------------------------------------------------------------------------

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of a query; ``?`` in ``sql`` stands for the next value of ``params``."""

    @abc.abstractmethod
    def frame(self, sql: str) -> pd.DataFrame:
        """A query's result as a pandas DataFrame."""

    @abc.abstractmethod
    def execute(self, sql: str) -> None:
        """Run one statement (committed)."""

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.query(sql, params)[0][0]

    @abc.abstractmethod
    def create_table_as(self, schema: str, table: str, select: str, inputs: Mapping[str, pd.DataFrame]) -> int:
        """Replace ``schema.table`` with the result of ``select`` (``{name}`` in it: the DataFrame ``inputs[name]``)
        atomically; returns its row count."""

    @abc.abstractmethod
    def append_rows(self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
        """Append ``rows`` to ``schema.table``, created (schema too) with ``columns`` when missing."""

    # --- the pipeline's steps -------------------------------------------------------------------------------------

    @abc.abstractmethod
    def land(self, connector: Connector, landing_dir: Path, log: Any) -> Landing:
        """Land every new file of one source through the landing contract."""

    @abc.abstractmethod
    def monitor_collection(self, run_id: str, as_of: dt.date) -> list[Finding]:
        """Collection monitoring over the ledger, recorded in ``quality.collection_monitoring``."""

    @abc.abstractmethod
    def validate(self, schema: str, table: str, suite: Any, where: str | None = None) -> ValidationOutcome:
        """Run a Great Expectations suite on ``schema.table``, or on its rows matching ``where`` (a predicate the
        pipeline writes, never user input: one partition of a large table)."""

    @abc.abstractmethod
    def publish_serving(self, schemas: tuple[str, ...] = SERVED_SCHEMAS) -> Published:
        """Publish ``schemas`` to the serving layer readers query, atomically."""

    @abc.abstractmethod
    def serving_relation(self, schema: str, table: str) -> str:
        """The name a reader of the serving layer queries for the warehouse's ``schema.table``."""

    @abc.abstractmethod
    def reader_hint(self) -> str:
        """A command that shows a few rows of the serving layer (for the run's summary)."""

    def dbt_executable(self, var_dir: Path) -> str:
        """The executable dagster-dbt runs (``dbt`` of this environment unless the target needs a launcher)."""
        return str(Path(sys.executable).parent / "dbt")


class PublishingWarehouse(WarehouseResource, abc.ABC):
    """A warehouse the landing contract publishes to (ingestion/targets/base.py): PostgreSQL and ClickHouse."""

    @abc.abstractmethod
    def landing_target(self) -> Target:
        """The landing contract's target on this warehouse (open; the caller closes it)."""

    @abc.abstractmethod
    def _raw_relations(self, target: Target) -> set[str]:
        """Names of the relations in the ``raw`` schema."""

    def land(self, connector: Connector, landing_dir: Path, log: Any) -> Landing:
        from ingestion.connectors import ALL_CONNECTORS
        from orchestration.progress import say

        with self.landing_target() as target:
            # dbt reads every source: a source without a delivery yet still needs its (empty) raw view. Creating
            # only what is missing keeps the landing of one source from re-creating 30 views every time.
            existing = self._raw_relations(target)
            missing = [c for c in ALL_CONNECTORS if c.table not in existing and c is not connector]
            target.ensure_schema([*missing, connector])
            before = self._loading_entries(target, connector.source)
            results = target.land_source(connector, Path(landing_dir))  # recovers the source's interrupted loads
            if before:
                log.warning(f"{before} interrupted load(s) marked failed; their files landed again")
            new = [r for r in results if r.status != "already_seen"]
            if new:
                say(f"  land {connector.source}: {len(new)}/{len(results)} files on {self.target}")
            total_rows = int(target.query(f"SELECT count(*) FROM {connector.raw_table}")[0][0])
        return Landing(results, before, total_rows)

    @staticmethod
    def _loading_entries(target: Target, source: str) -> int:
        from ingestion.contract import LEDGER

        escaped = source.replace("'", "''")
        return int(target.query(f"SELECT count(*) FROM {LEDGER} WHERE status = 'loading' "
                                f"AND source = '{escaped}'")[0][0])

    def monitor_collection(self, run_id: str, as_of: dt.date) -> list[Finding]:
        """The checks of ingestion/monitoring.py run, as written, on an in-memory DuckDB holding a copy of the
        target's ledger (one row per delivered file: small), as the landing engine does; their rows are then
        appended to the target's ``quality.collection_monitoring`` with the columns that module gives them."""
        import contextlib

        import duckdb

        from ingestion import contract
        from ingestion.connectors import ALL_CONNECTORS
        from ingestion.monitoring import monitor, record
        from ingestion.targets.base import _naive_timestamps

        with self.landing_target() as target:
            ledger = _naive_timestamps(target.ledger_table())
        with contextlib.closing(duckdb.connect(":memory:")) as con:
            contract.ensure_schema(con)
            con.register("target_ledger", ledger)
            con.execute(f"INSERT INTO {contract.LEDGER} BY NAME SELECT * FROM target_ledger")
            findings = monitor(con, ALL_CONNECTORS, as_of)
            record(con, run_id, findings)
            columns = [(name, kind) for name, kind, *_ in con.execute(
                "DESCRIBE quality.collection_monitoring").fetchall()]
            rows = con.execute("SELECT * FROM quality.collection_monitoring").fetchall()
        self.append_rows("quality.collection_monitoring", columns, rows)
        return findings


def pyformat(sql: str) -> str:
    """``?`` placeholders as ``%s`` (psycopg2's and clickhouse_connect's client-side binding); ``%`` doubled."""
    return sql.replace("%", "%%").replace("?", "%s")
