"""PostgreSQL as the landing target: every batch is published in one transaction.

Per file (see :mod:`ingestion.targets.base` for the engine that lands it first):

1. the ledger entry is committed as 'loading' with a batch number from the sequence ``raw._batch_no``;
2. one transaction copies the rows (``COPY … FROM STDIN``, CSV written by Arrow batch by batch: no per-row
   Python), the quarantined lines, and sets the entry's final status and counts. A process killed in between
   leaves no row of its batch and a 'loading' entry, which the next landing of that source marks 'failed'.

Landing of one source holds a session advisory lock, so two processes never land the same source at once
(different sources may land in parallel) and recovery only fails entries of a dead process.

Types map one to one (DECIMAL(18,6) is numeric(18,6): sums are exact), names are quoted, so every column keeps
the name it has on DuckDB whatever PostgreSQL reserves.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion.contract import LEDGER, QUARANTINE, RAW_SCHEMA, Connector, FileResult
from ingestion.targets.base import (
    INTERRUPTED,
    LEDGER_ARROW,
    LEDGER_COLUMNS,
    QUARANTINE_COLUMNS,
    Batch,
    PublishingTarget,
    now,
    sql_type_parts,
)

_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "DATE": "date", "TIMESTAMP": "timestamp",
          "BOOLEAN": "boolean", "DOUBLE": "double precision"}
_LEDGER_DDL = f"""
    CREATE TABLE IF NOT EXISTS {LEDGER} (
        batch_id text PRIMARY KEY, source text NOT NULL, file_name text NOT NULL, file_path text NOT NULL,
        sha256 text NOT NULL, bytes bigint NOT NULL, status text NOT NULL, rows_read bigint NOT NULL,
        rows_landed bigint NOT NULL, rows_quarantined bigint NOT NULL, rows_duplicate bigint NOT NULL,
        duplicate_of text, error text, started_at timestamp NOT NULL, finished_at timestamp NOT NULL,
        period text, territory text, delivery_version integer NOT NULL, batch_no bigint UNIQUE)"""
_QUARANTINE_DDL = f"""
    CREATE TABLE IF NOT EXISTS {QUARANTINE} (
        batch_id text NOT NULL, source text NOT NULL, file_name text NOT NULL, line_number integer NOT NULL,
        reason_code text NOT NULL, reason text NOT NULL, raw_line text NOT NULL, quarantined_at timestamp NOT NULL)"""
_LOCK_SCHEMA = 7_347_100  # advisory lock key serialising DDL (CREATE … IF NOT EXISTS races otherwise)


def postgres_type(sql_type: str) -> str:
    base, args = sql_type_parts(sql_type)
    if base in ("DECIMAL", "NUMERIC"):
        return f"numeric({args[0]},{args[1]})" if args else "numeric"
    if base not in _TYPES:
        raise ValueError(f"no PostgreSQL type for the contract's {sql_type}")
    return _TYPES[base]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(qualified: str) -> str:
    schema, _, name = qualified.partition(".")
    return f"{_q(schema)}.{_q(name)}"


class PostgresTarget(PublishingTarget):
    name = "postgres"

    def __init__(self, dsn: str, *, lock_timeout: str = "15min") -> None:
        import psycopg2

        self.dsn = dsn
        self.lock_timeout = lock_timeout
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = False
        with self.conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator:
        try:
            with self.conn.cursor() as cur:
                yield cur
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def query(self, sql: str) -> list[tuple]:
        with self._transaction() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []

    # --- schema -------------------------------------------------------------------------------------------------

    def ensure_schema(self, connectors: Iterable[Connector] = ()) -> None:
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_SCHEMA])
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(RAW_SCHEMA)}")
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {_table(RAW_SCHEMA + '._batch_no')}")
            cur.execute(_LEDGER_DDL)
            cur.execute(f"CREATE INDEX IF NOT EXISTS _ledger_sha256 ON {LEDGER} (sha256)")
            cur.execute(_QUARANTINE_DDL)
            cur.execute(f"CREATE INDEX IF NOT EXISTS _quarantine_batch_id ON {QUARANTINE} (batch_id)")
            for connector in connectors:
                for statement in self.ddl(connector):
                    cur.execute(statement)

    @staticmethod
    def ddl(connector: Connector) -> list[str]:
        """The rows table, its index and the raw view of one connector.

        The index on ``_batch_no`` is a BRIN index: batches are appended in batch-number order, so each block
        range holds one or few batches; it is tiny and nearly free to maintain on a COPY of millions of rows,
        and still finds one batch's blocks (recovery, reconciliation by batch) without a full scan. Readers of
        the view scan the table and hash-join the small ledger anyway."""
        cols = ", ".join(f"{_q(f.name)} {postgres_type(f.sql_type)}" for f in connector.columns)
        names = ", ".join(f"r.{_q(f.name)}" for f in connector.columns)
        rows, view = _table(connector.rows_table), _table(connector.raw_table)
        index = _q(f"{connector.table}__rows_batch_no")
        return [
            f"CREATE TABLE IF NOT EXISTS {rows} ({cols}, _batch_no bigint NOT NULL, _line_number integer NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {index} ON {rows} USING brin (_batch_no)",
            # the same view, the same names and order as on DuckDB (ingestion.contract.ensure_schema)
            f"""CREATE OR REPLACE VIEW {view} AS
                SELECT {names}, l.batch_id AS _batch_id, l.file_name AS _file_name, r._line_number,
                       l.sha256 AS _file_sha256, l.delivery_version AS _delivery_version, l.finished_at AS _loaded_at
                FROM {rows} AS r JOIN {LEDGER} AS l ON l.batch_no = r._batch_no
                WHERE l.status = 'landed'""",
        ]

    # --- ledger -------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def landing_lock(self, source: str) -> Iterator[None]:
        key = f"tunemantra.landing:{source}"
        with self._transaction() as cur:
            cur.execute("SET LOCAL lock_timeout = %s", [self.lock_timeout])
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
        try:
            yield
        finally:
            import psycopg2

            try:
                self.conn.rollback()
                with self._transaction() as cur:
                    cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
            except psycopg2.Error:  # the connection is gone, and its session's lock with it
                pass

    def recover_interrupted(self, source: str | None = None) -> int:
        """Safe while the source's landing lock is held (land_source holds it): a 'loading' entry of that
        source is then a dead process's."""
        with self._transaction() as cur:
            cur.execute(f"""UPDATE {LEDGER} SET status = 'failed', finished_at = %s, error = %s
                            WHERE status = 'loading' AND (%s::text IS NULL OR source = %s::text)""",
                        [now(), INTERRUPTED, source, source])
            return cur.rowcount

    def ledger_table(self) -> pa.Table:
        with self._transaction() as cur:
            cur.execute(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM {LEDGER}")
            rows = cur.fetchall()
        return pa.table({name: [row[i] for row in rows] for i, name in enumerate(LEDGER_COLUMNS)},
                        schema=LEDGER_ARROW)

    def _insert_ledger(self, cur, values: dict[str, object]) -> None:
        cur.execute(f"INSERT INTO {LEDGER} ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
                    list(values.values()))

    def _next_batch_no(self, cur) -> int:
        cur.execute(f"SELECT nextval('{RAW_SCHEMA}._batch_no')")
        return cur.fetchone()[0]

    # --- publishing ---------------------------------------------------------------------------------------------

    def publish(self, batch: Batch) -> FileResult:
        result = batch.result
        if result.status != "landed":  # nothing but the ledger entry to record: one statement
            with self._transaction() as cur:
                batch_no = self._next_batch_no(cur)
                self._insert_ledger(cur, batch.ledger_values(batch_no=batch_no, finished_at=now()))
            return dataclasses.replace(result, batch_no=batch_no)
        with self._transaction() as cur:  # committed first: a kill from here on leaves a 'loading' entry
            batch_no = self._next_batch_no(cur)
            self._insert_ledger(cur, batch.ledger_values(
                batch_no=batch_no, status="loading", rows_read=0, rows_landed=0, rows_quarantined=0,
                rows_duplicate=0, error=None, finished_at=now()))
        try:
            with self._transaction() as cur:
                copied = self._copy_rows(cur, batch, batch_no)
                if copied != result.rows_landed:
                    raise RuntimeError(f"copied {copied} rows of {result.rows_landed} landed")
                self._copy_quarantine(cur, batch)
                self._finish_ledger(cur, result, "landed", None)
        except Exception as exc:  # nothing of the batch was committed: record why
            error = f"publishing to PostgreSQL: {type(exc).__name__}: {exc}"
            with self._transaction() as cur:
                self._finish_ledger(cur, dataclasses.replace(result, rows_landed=0, rows_quarantined=0,
                                                             rows_duplicate=0), "failed", error)
            return dataclasses.replace(result, status="failed", error=error, batch_no=batch_no, rows_landed=0,
                                       rows_quarantined=0, rows_duplicate=0)
        return dataclasses.replace(result, batch_no=batch_no)

    def _copy_rows(self, cur, batch: Batch, batch_no: int) -> int:
        names = ", ".join(_q(f.name) for f in batch.connector.columns)
        stream = CsvStream(batch.rows(batch_no))
        cur.copy_expert(f"COPY {_table(batch.connector.rows_table)} ({names}, _batch_no, _line_number) "
                        "FROM STDIN WITH (FORMAT csv)", stream, size=1 << 20)
        return stream.rows

    def _copy_quarantine(self, cur, batch: Batch) -> int:
        table = batch.quarantine()
        if not table.num_rows:
            return 0
        # PostgreSQL text cannot hold NUL: a damaged line may (the rest of its bytes are kept as they are)
        for i, field in enumerate(table.schema):
            if pa.types.is_string(field.type):
                table = table.set_column(i, field, pc.replace_substring(table.column(i), "\x00", "\ufffd"))
        stream = CsvStream(table.to_batches())
        cur.copy_expert(f"COPY {QUARANTINE} ({', '.join(QUARANTINE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                        stream, size=1 << 20)
        return stream.rows

    def _finish_ledger(self, cur, result: FileResult, status: str, error: str | None) -> None:
        cur.execute(f"""UPDATE {LEDGER} SET status = %s, rows_read = %s, rows_landed = %s, rows_quarantined = %s,
                        rows_duplicate = %s, error = %s, finished_at = %s WHERE batch_id = %s""",
                    [status, result.rows_read, result.rows_landed, result.rows_quarantined, result.rows_duplicate,
                     error, now(), result.batch_id])


_CSV = pacsv.WriteOptions(include_header=False)


class CsvStream:
    """A file for ``COPY … FROM STDIN WITH (FORMAT csv)``: Arrow record batches written as CSV when read.

    Arrow's CSV writer quotes every string and leaves NULL unquoted and empty, which is exactly how PostgreSQL
    tells an empty string from NULL; decimals keep their scale, dates and timestamps are ISO 8601."""

    def __init__(self, batches: Iterable[pa.RecordBatch]) -> None:
        self._batches = iter(batches)
        self._data = b""
        self._pos = 0
        self.rows = 0

    def read(self, size: int = -1) -> bytes:
        while self._pos >= len(self._data):
            batch = next(self._batches, None)
            if batch is None:
                return b""
            if not batch.num_rows:
                continue
            sink = io.BytesIO()
            pacsv.write_csv(batch, sink, _CSV)
            self._data, self._pos = sink.getvalue(), 0
            self.rows += batch.num_rows
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = self._data[self._pos:end]
        self._pos += len(chunk)
        return chunk
