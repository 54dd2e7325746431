"""ClickHouse as the landing target: no transactions, so the ledger decides what is visible.

ClickHouse commits every INSERT on its own, so a batch's rows cannot commit together with its ledger entry.
Instead the ledger is versioned and written around the rows (see :mod:`ingestion.targets.base` for the engine
that lands each file first):

1. the ledger entry is inserted as 'loading' (version 1) with the next batch number;
2. the rows (each carrying the batch number) and the quarantined lines are inserted;
3. the entry's final state is inserted last (version 2).

``raw._ledger`` is a view of the latest version of each entry (``raw._ledger__versions``, a
``ReplacingMergeTree(_version)`` keyed by batch_id, read ``FINAL``), and the raw views (and the quarantine view)
show only batches whose latest status is 'landed'. A crash anywhere before step 3 therefore shows nothing of
the batch; the next landing of its source marks the entry 'failed' (version 3) and deletes what it stored.

Batch numbers are ``max(batch_no) + 1``: one landing process writes to a ClickHouse target at a time (an
embedded chDB path can only be opened by one process anyway).

The connection is a ``clickhouse_connect`` client, so the same code talks to a ClickHouse server over HTTP or,
as here and in the tests, to the real ClickHouse engine embedded in-process by chDB (``interface='chdb'``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.contract import LEDGER, QUARANTINE, RAW_SCHEMA, Connector, FileResult
from ingestion.targets.base import (
    INTERRUPTED,
    LEDGER_COLUMNS,
    QUARANTINE_COLUMNS,
    Batch,
    PublishingTarget,
    now,
    sql_type_parts,
)

LEDGER_VERSIONS = f"{RAW_SCHEMA}._ledger__versions"
QUARANTINE_ROWS = f"{RAW_SCHEMA}._quarantine__rows"
LOADING, FINAL, RECOVERED = 1, 2, 3  # ledger versions: the latest wins
# a NULL sent to a column the contract guarantees non-NULL is an error, not the type's default value
_STRICT = {"input_format_null_as_default": 0}
_ROWS_PER_INSERT = 1_000_000
_TYPES = {"VARCHAR": "String", "BIGINT": "Int64", "INTEGER": "Int32", "DATE": "Date32",
          "TIMESTAMP": "DateTime64(6, 'UTC')", "BOOLEAN": "Bool", "DOUBLE": "Float64"}


def clickhouse_type(sql_type: str, *, nullable: bool = True) -> str:
    """The ClickHouse type of a contract type. DATE is Date32 (Date stops at 1970), TIMESTAMP is
    DateTime64(6, 'UTC') (the contract's timestamps are UTC without a zone), DECIMAL(p,s) stays exact."""
    base, args = sql_type_parts(sql_type)
    if base in ("DECIMAL", "NUMERIC"):
        kind = f"Decimal({args[0]}, {args[1]})" if args else "Decimal(18, 3)"
    elif base in _TYPES:
        kind = _TYPES[base]
    else:
        raise ValueError(f"no ClickHouse type for the contract's {sql_type}")
    return f"Nullable({kind})" if nullable else kind


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _table(qualified: str) -> str:
    schema, _, name = qualified.partition(".")
    return f"{_q(schema)}.{_q(name)}"


_LEDGER_DDL = f"""
    CREATE TABLE IF NOT EXISTS {_table(LEDGER_VERSIONS)} (
        batch_id String, source String, file_name String, file_path String, sha256 String, bytes Int64,
        status String, rows_read Int64, rows_landed Int64, rows_quarantined Int64, rows_duplicate Int64,
        duplicate_of Nullable(String), error Nullable(String), started_at DateTime64(6, 'UTC'),
        finished_at DateTime64(6, 'UTC'), period Nullable(String), territory Nullable(String),
        delivery_version Int32, batch_no Int64, _version UInt8)
    ENGINE = ReplacingMergeTree(_version) ORDER BY batch_id"""
_QUARANTINE_DDL = f"""
    CREATE TABLE IF NOT EXISTS {_table(QUARANTINE_ROWS)} (
        batch_id String, source String, file_name String, line_number Int32, reason_code String, reason String,
        raw_line String, quarantined_at DateTime64(6, 'UTC'))
    ENGINE = MergeTree ORDER BY (batch_id, line_number)"""


class ClickHouseTarget(PublishingTarget):
    name = "clickhouse"

    def __init__(self, path: str | Path | None = None, *, dsn: str | None = None, client: Any = None) -> None:
        """``path``: a chDB data folder (the embedded engine); ``dsn``: a ClickHouse server
        (``http://user:password@host:8123``); or an open clickhouse_connect ``client``."""
        if client is None:
            import clickhouse_connect

            if dsn is not None:
                client = clickhouse_connect.get_client(dsn=dsn)
            else:
                if path is None:
                    raise ValueError("ClickHouseTarget needs a chDB path, a server dsn or a client")
                Path(path).mkdir(parents=True, exist_ok=True)
                client = clickhouse_connect.get_client(interface="chdb", path=str(path))
        self.client = client
        self._last_batch_no: int | None = None  # known while a landing holds landing_lock

    def close(self) -> None:
        self.client.close()

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple]:
        return [tuple(row) for row in self.client.query(sql, parameters=parameters).result_rows]

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> None:
        self.client.command(sql, parameters=parameters)

    # --- schema -------------------------------------------------------------------------------------------------

    def ensure_schema(self, connectors: Iterable[Connector] = ()) -> None:
        ledger_cols = ", ".join(LEDGER_COLUMNS)
        self.command(f"CREATE DATABASE IF NOT EXISTS {_q(RAW_SCHEMA)}")
        self.command(_LEDGER_DDL)
        self.command(f"CREATE OR REPLACE VIEW {_table(LEDGER)} AS "
                     f"SELECT {ledger_cols} FROM {_table(LEDGER_VERSIONS)} FINAL")
        self.command(_QUARANTINE_DDL)
        self.command(f"""CREATE OR REPLACE VIEW {_table(QUARANTINE)} AS
            SELECT {', '.join(QUARANTINE_COLUMNS)} FROM {_table(QUARANTINE_ROWS)}
            WHERE batch_id IN (SELECT batch_id FROM {_table(LEDGER)} WHERE status = 'landed')""")
        for connector in connectors:
            for statement in self.ddl(connector):
                self.command(statement)

    @staticmethod
    def ddl(connector: Connector) -> list[str]:
        """The rows table and the raw view of one connector.

        Physical design: ``ORDER BY (_batch_no, _line_number)``, the file's own order. The view joins every
        row to its ledger entry by ``_batch_no``, recovery deletes a batch by it and reconciliation counts
        per batch, all of which the primary key serves; a delivery is one platform-month, so sorting by batch
        also keeps each month's rows together, and a ``minmax`` skip index on every date column lets a date
        filter skip the granules of other months without making the date the key (a date-first key would
        interleave restatements with the versions they replace and spread each batch over the whole table).
        A column the contract guarantees (a required field) is not Nullable, which saves the null map."""
        cols = [f"{_q(f.name)} {clickhouse_type(f.sql_type, nullable=not f.required)}" for f in connector.columns]
        indexes = [f"INDEX {_q(f.name + '_minmax')} {_q(f.name)} TYPE minmax GRANULARITY 1"
                   for f in connector.columns if sql_type_parts(f.sql_type)[0] == "DATE"]
        names = ", ".join(f"r.{_q(f.name)} AS {_q(f.name)}" for f in connector.columns)
        rows = _table(connector.rows_table)
        return [
            f"""CREATE TABLE IF NOT EXISTS {rows} ({', '.join(cols)}, _batch_no Int64, _line_number Int32
                {''.join(', ' + i for i in indexes)})
                ENGINE = MergeTree ORDER BY (_batch_no, _line_number)""",
            # the same columns, names and order as on DuckDB (ingestion.contract.ensure_schema)
            f"""CREATE OR REPLACE VIEW {_table(connector.raw_table)} AS
                SELECT {names}, l.batch_id AS _batch_id, l.file_name AS _file_name, r._line_number AS _line_number,
                       l.sha256 AS _file_sha256, l.delivery_version AS _delivery_version,
                       l.finished_at AS _loaded_at
                FROM {rows} AS r
                INNER JOIN (SELECT batch_no, batch_id, file_name, sha256, delivery_version, finished_at
                            FROM {_table(LEDGER)} WHERE status = 'landed') AS l ON l.batch_no = r._batch_no""",
        ]

    # --- ledger -------------------------------------------------------------------------------------------------

    def ledger_table(self) -> pa.Table:
        return self.client.query_arrow(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM {_table(LEDGER)}")

    def recover_interrupted(self, source: str | None = None) -> int:
        """Entries still 'loading' belong to a dead process (one writer at a time): mark them 'failed' and
        delete the rows and quarantined lines they stored, which no view showed."""
        where = "status = 'loading'" + (" AND source = {source:String}" if source is not None else "")
        stuck = self.query(f"SELECT batch_id, batch_no FROM {_table(LEDGER)} WHERE {where}",
                           {"source": source} if source is not None else None)
        if not stuck:
            return 0
        ids, numbers = [s[0] for s in stuck], [s[1] for s in stuck]
        self.command(f"""INSERT INTO {_table(LEDGER_VERSIONS)}
            SELECT * REPLACE ('failed' AS status, {{error:String}} AS error, now64(6) AS finished_at,
                              {RECOVERED} AS _version)
            FROM {_table(LEDGER_VERSIONS)} FINAL WHERE has({{ids:Array(String)}}, batch_id)""",
                     {"ids": ids, "error": INTERRUPTED})
        self._discard(numbers, ids)
        return len(stuck)

    def _discard(self, batch_nos: list[int], batch_ids: list[str]) -> None:
        """Delete what batches stored, from every rows table of the raw database and the quarantine."""
        tables = self.query("SELECT name FROM system.tables WHERE database = {db:String} AND endsWith(name, '__rows') "
                            "AND engine LIKE '%MergeTree'", {"db": RAW_SCHEMA})
        for (name,) in tables:
            if f"{RAW_SCHEMA}.{name}" == QUARANTINE_ROWS:
                continue
            self.command(f"DELETE FROM {_q(RAW_SCHEMA)}.{_q(name)} WHERE has({{nos:Array(Int64)}}, _batch_no)",
                         {"nos": batch_nos})
        self.command(f"DELETE FROM {_table(QUARANTINE_ROWS)} WHERE has({{ids:Array(String)}}, batch_id)",
                     {"ids": batch_ids})

    @contextlib.contextmanager
    def landing_lock(self, source: str) -> Iterator[None]:
        """No lock: one landing process per ClickHouse target (see the module's docstring). While it lands,
        the last batch number is kept rather than read again for every file."""
        self._last_batch_no = None
        try:
            yield
        finally:
            self._last_batch_no = None

    def _next_batch_no(self) -> int:
        if self._last_batch_no is None:
            self._last_batch_no = int(self.query(f"SELECT max(batch_no) FROM {_table(LEDGER_VERSIONS)}")[0][0] or 0)
        self._last_batch_no += 1
        return self._last_batch_no

    def _insert_ledger(self, entry: pa.Table, version: int) -> None:
        entry = entry.append_column("_version", pa.array([version], pa.uint8()))
        self.client.insert_arrow(_table(LEDGER_VERSIONS), entry, settings=_STRICT)

    # --- publishing ---------------------------------------------------------------------------------------------

    def publish(self, batch: Batch) -> FileResult:
        result = batch.result
        batch_no = self._next_batch_no()
        if result.status != "landed":  # nothing but the ledger entry to record
            self._insert_ledger(batch.ledger(batch_no=batch_no, finished_at=now()), FINAL)
            return dataclasses.replace(result, batch_no=batch_no)
        self._insert_ledger(batch.ledger(batch_no=batch_no, status="loading", rows_read=0, rows_landed=0,
                                         rows_quarantined=0, rows_duplicate=0, error=None, finished_at=now()),
                            LOADING)
        try:
            inserted = self._insert_rows(batch, batch_no)
            if inserted != result.rows_landed:
                raise RuntimeError(f"inserted {inserted} rows of {result.rows_landed} landed")
            self._insert_quarantine(batch)
        except Exception as exc:  # what was inserted stays invisible ('loading'): delete it, record why
            error = f"publishing to ClickHouse: {type(exc).__name__}: {exc}"
            self._discard([batch_no], [result.batch_id])
            failed = dataclasses.replace(result, status="failed", error=error, batch_no=batch_no, rows_landed=0,
                                         rows_quarantined=0, rows_duplicate=0)
            self._write_final(batch, failed)
            return failed
        published = dataclasses.replace(result, batch_no=batch_no)
        self._write_final(batch, published)
        return published

    def _insert_rows(self, batch: Batch, batch_no: int) -> int:
        inserted = 0
        for chunk in batch.rows(batch_no, _ROWS_PER_INSERT):
            if chunk.num_rows:
                self.client.insert_arrow(_table(batch.connector.rows_table), pa.Table.from_batches([chunk]),
                                         settings=_STRICT)
                inserted += chunk.num_rows
        return inserted

    def _insert_quarantine(self, batch: Batch) -> None:
        table = batch.quarantine()
        if table.num_rows:
            self.client.insert_arrow(_table(QUARANTINE_ROWS), table, settings=_STRICT)

    def _write_final(self, batch: Batch, result: FileResult) -> None:
        """The last write of a batch: from here on the views show it (when 'landed')."""
        self._insert_ledger(batch.ledger(batch_no=result.batch_no, status=result.status, rows_read=result.rows_read,
                                         rows_landed=result.rows_landed, rows_quarantined=result.rows_quarantined,
                                         rows_duplicate=result.rows_duplicate, error=result.error,
                                         finished_at=now()), FINAL)
