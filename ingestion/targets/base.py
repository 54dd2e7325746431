"""A warehouse target for the landing contract, and the engine-then-publish path used by the remote ones.

The landing contract (:mod:`ingestion.contract`) is written once, in DuckDB SQL. On the DuckDB target it runs
on the warehouse itself: one transaction per file. On PostgreSQL and ClickHouse it runs in an embedded
in-memory DuckDB (*the engine*: parsing, casting, quarantine, in-file duplicates, the ledger's decisions) and
every finished batch is then *published* to the target, which keeps the ledger of record:

1. before landing, the target's ledger is mirrored into the engine's, so the contract decides against the
   target's history (already seen, a renamed re-delivery is ``duplicate_file``, a restatement is
   ``delivery_version`` n+1), and recovery of interrupted loads has run on the target;
2. files land in the engine a few at a time (:func:`ingestion.contract.land_files`, which runs two or three at
   once), then each is published in order: the target numbers the batch, and each target makes the batch
   atomic its own way (PostgreSQL: a transaction; ClickHouse: the ledger's final status is written last and
   the raw views show only batches whose latest status is 'landed');
3. published rows leave the engine, which therefore holds a few files at a time, never the whole source.

Every target has the same relations with the same column names: ``raw._ledger``, ``raw._quarantine``,
``raw.<table>__rows`` (stored) and the view ``raw.<table>`` (landed batches with their lineage), so a dbt
project reads the same sources on all three.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion import contract
from ingestion.contract import LEDGER, QUARANTINE, Connector, FileResult

# the ledger's columns, in the order of raw._ledger on every target
LEDGER_COLUMNS: tuple[str, ...] = (
    "batch_id", "source", "file_name", "file_path", "sha256", "bytes", "status", "rows_read", "rows_landed",
    "rows_quarantined", "rows_duplicate", "duplicate_of", "error", "started_at", "finished_at", "period",
    "territory", "delivery_version", "batch_no")
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "batch_id", "source", "file_name", "line_number", "reason_code", "reason", "raw_line", "quarantined_at")
# the same columns with the Arrow types DuckDB gives raw._ledger
LEDGER_ARROW = pa.schema([
    ("batch_id", pa.string()), ("source", pa.string()), ("file_name", pa.string()), ("file_path", pa.string()),
    ("sha256", pa.string()), ("bytes", pa.int64()), ("status", pa.string()), ("rows_read", pa.int64()),
    ("rows_landed", pa.int64()), ("rows_quarantined", pa.int64()), ("rows_duplicate", pa.int64()),
    ("duplicate_of", pa.string()), ("error", pa.string()), ("started_at", pa.timestamp("us")),
    ("finished_at", pa.timestamp("us")), ("period", pa.string()), ("territory", pa.string()),
    ("delivery_version", pa.int32()), ("batch_no", pa.int64())])
INTERRUPTED = "interrupted: the load never committed (process killed or crashed)"
# files landed in the engine before they are published (a round): enough for land_files to keep its workers
# busy and to amortise each round's set-up over many small files, few enough bytes that the engine never holds
# more than a few hundred MiB of rows
ROUND_MAX_FILES = 32
ROUND_MAX_BYTES = 256 << 20
ARROW_BATCH_ROWS = 250_000


def now() -> dt.datetime:
    """UTC without a zone, as the contract writes its timestamps."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sql_type_parts(sql_type: str) -> tuple[str, tuple[int, ...]]:
    """'DECIMAL(18,6)' -> ('DECIMAL', (18, 6)); 'BIGINT' -> ('BIGINT', ())."""
    base, _, args = sql_type.upper().partition("(")
    return base.strip(), tuple(int(a) for a in args.rstrip(")").split(",") if a.strip())


class Target(abc.ABC):
    """Where raw data lands: the relations of the landing contract, kept on one warehouse."""

    name: str

    @abc.abstractmethod
    def ensure_schema(self, connectors: Iterable[Connector] = ()) -> None:
        """Create the ledger, the quarantine and, per connector, its rows table and raw view (idempotent)."""

    @abc.abstractmethod
    def recover_interrupted(self, source: str | None = None) -> int:
        """Mark 'loading' entries (of ``source``, else all) 'failed' and drop whatever they stored; how many."""

    @abc.abstractmethod
    def land_source(self, connector: Connector, landing_dir: Path) -> list[FileResult]:
        """Land every file of one source that the target's ledger has not seen; one result per file."""

    @abc.abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """Rows of a query in the target's own SQL (for checks, tests and summaries)."""

    def close(self) -> None:  # noqa: B027 - optional
        pass

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBTarget(Target):
    """The embedded warehouse: the contract runs on it directly, one transaction per file."""

    name = "duckdb"

    def __init__(self, database: str | Path | duckdb.DuckDBPyConnection = ":memory:") -> None:
        self._owned = not isinstance(database, duckdb.DuckDBPyConnection)
        self.con = duckdb.connect(str(database)) if self._owned else database

    def ensure_schema(self, connectors: Iterable[Connector] = ()) -> None:
        contract.ensure_schema(self.con, connectors)

    def recover_interrupted(self, source: str | None = None) -> int:
        # one writer per DuckDB file: every 'loading' entry belongs to a dead process, whatever its source
        return contract.recover_interrupted(self.con)

    def land_source(self, connector: Connector, landing_dir: Path) -> list[FileResult]:
        return contract.land_source(self.con, connector, Path(landing_dir))

    def query(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def close(self) -> None:
        if self._owned:
            self.con.close()


@dataclasses.dataclass
class Batch:
    """One file's outcome in the engine, ready to publish: its ledger entry, rows and quarantined lines."""

    connector: Connector
    result: FileResult
    engine: duckdb.DuckDBPyConnection
    engine_batch_no: int

    def ledger(self, **values: object) -> pa.Table:
        """The engine's ledger entry of this file as one Arrow row, with ``values`` replacing columns."""
        table = self.engine.sql(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM {LEDGER} WHERE batch_id = ?",
                                params=[self.result.batch_id]).to_arrow_table()
        if table.num_rows != 1:
            raise RuntimeError(f"{self.result.file_name}: {table.num_rows} ledger entries in the engine")
        for name, value in values.items():
            i = table.schema.get_field_index(name)
            table = table.set_column(i, table.schema.field(i), pa.array([value], table.schema.field(i).type))
        return table

    def ledger_values(self, **values: object) -> dict[str, object]:
        return {name: column[0] for name, column in self.ledger(**values).to_pydict().items()}

    def rows(self, batch_no: int, batch_rows: int = ARROW_BATCH_ROWS) -> pa.RecordBatchReader:
        """The landed rows, numbered with the target's ``batch_no``: data columns, _batch_no, _line_number."""
        names = ", ".join(f.name for f in self.connector.columns)
        return self.engine.sql(
            f"SELECT {names}, ?::BIGINT AS _batch_no, _line_number FROM {self.connector.rows_table} "
            "WHERE _batch_no = ?", params=[batch_no, self.engine_batch_no]).to_arrow_reader(batch_rows)

    def quarantine(self) -> pa.Table:
        return self.engine.sql(f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM {QUARANTINE} WHERE batch_id = ?",
                               params=[self.result.batch_id]).to_arrow_table()


class PublishingTarget(Target):
    """A target the contract does not run on: files land in an embedded DuckDB engine and are published."""

    @abc.abstractmethod
    def ledger_table(self) -> pa.Table:
        """The target's whole ledger (one row per delivered file), columns named as :data:`LEDGER_COLUMNS`."""

    @abc.abstractmethod
    def publish(self, batch: Batch) -> FileResult:
        """Make one file's outcome the target's, atomically; returns the result with the target's batch
        number and final status (a batch the target could not take is recorded there as 'failed')."""

    @contextlib.contextmanager
    def landing_lock(self, source: str) -> Iterator[None]:
        """Held while one source lands: recovery may then fail its 'loading' entries safely."""
        yield

    def land_source(self, connector: Connector, landing_dir: Path) -> list[FileResult]:
        landing_dir = Path(landing_dir)
        self.ensure_schema([connector])
        with self.landing_lock(connector.source):
            self.recover_interrupted(connector.source)
            with engine(connector, self.ledger_table()) as con:
                results: list[FileResult] = []
                for paths in rounds(connector.files(landing_dir)):
                    for result in contract.land_files(con, connector, paths, landing_dir):
                        results.append(self._publish(con, connector, result))
                    _forget_rows(con, connector)
                return results

    def _publish(self, con: duckdb.DuckDBPyConnection, connector: Connector, result: FileResult) -> FileResult:
        if result.status == "already_seen":  # the very same delivery: nothing to record, as on DuckDB
            return result
        published = self.publish(Batch(connector, result, con, result.batch_no))
        # the engine's ledger follows the target's, for the decisions on the next files of this run
        con.execute(f"UPDATE {LEDGER} SET batch_no = ?, status = ?, error = ? WHERE batch_id = ?",
                    [published.batch_no, published.status, published.error, published.batch_id])
        return published


@contextlib.contextmanager
def engine(connector: Connector, ledger: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB holding the contract's relations for ``connector`` and a copy of ``ledger``.
    Its batch numbers are its own (the target numbers published batches); it spills to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="tm-engine-") as spill:
        con = duckdb.connect(":memory:", config={"temp_directory": spill})
        try:
            contract.ensure_schema(con, [connector])
            if ledger.num_rows:
                con.register("_tm_target_ledger", _naive_timestamps(ledger))
                try:
                    con.execute(f"INSERT INTO {LEDGER} BY NAME SELECT * FROM _tm_target_ledger")
                finally:
                    con.unregister("_tm_target_ledger")
            yield con
        finally:
            con.close()


def rounds(paths: list[Path], max_files: int = ROUND_MAX_FILES, max_bytes: int = ROUND_MAX_BYTES
           ) -> Iterator[list[Path]]:
    """``paths`` in order, cut into rounds of at most ``max_files`` files and ``max_bytes`` (at least one file)."""
    current: list[Path] = []
    size = 0
    for path in paths:
        bytes_ = path.stat().st_size
        if current and (len(current) >= max_files or size + bytes_ > max_bytes):
            yield current
            current, size = [], 0
        current.append(path)
        size += bytes_
    if current:
        yield current


def _forget_rows(con: duckdb.DuckDBPyConnection, connector: Connector) -> None:
    """Published rows leave the engine (dropping the table frees its memory at once; a DELETE would not)."""
    con.execute(f"DROP VIEW IF EXISTS {connector.raw_table}")
    con.execute(f"DROP TABLE IF EXISTS {connector.rows_table}")
    con.execute(f"DELETE FROM {QUARANTINE}")
    contract.ensure_schema(con, [connector])


def _naive_timestamps(table: pa.Table) -> pa.Table:
    """Timestamps with a zone (ClickHouse's Arrow output says UTC) as the contract's zone-less UTC values."""
    fields = [pa.field(f.name, pa.timestamp(f.type.unit)) if pa.types.is_timestamp(f.type) and f.type.tz else f
              for f in table.schema]
    return table.cast(pa.schema(fields))
