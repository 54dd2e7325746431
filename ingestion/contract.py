"""The landing contract: the one place that knows about ledgers, quarantine, lineage and atomicity.

Every connector hands files to :func:`land_file`. For each file it:

1. hashes the bytes; a file whose hash is already in the ledger (the same file re-delivered, under
   any name) is recorded as a duplicate delivery and lands nothing;
2. checks the header against the connector's declaration (a wrong header rejects the whole file);
3. reads every line; a line with the wrong number of cells goes to the quarantine at once, the rest
   are cast in SQL by the connector's declared fields (:mod:`ingestion.fields`); a line failing a cast
   goes to the quarantine with its file, line number and reason; an exact repeat of an earlier line of
   the same file is skipped as a duplicate;
4. writes raw rows (with lineage: batch, file, line, hash, load time), quarantine rows and the ledger
   entry in one transaction, so a failed load leaves no partial data.

Per file, rows read = landed + quarantined + skipped duplicates, and the ledger records all four.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from ingestion.fields import Field
from ingestion.readers import LandingError, ReadResult, drop_incoming, read_delimited

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._ledger"
QUARANTINE = f"{RAW_SCHEMA}._quarantine"
LINEAGE_COLUMNS = ("_batch_id", "_file_name", "_line_number", "_file_sha256", "_delivery_version", "_loaded_at")


@dataclasses.dataclass(frozen=True)
class Connector:
    """What a parser declares: where its files are, how they are laid out, what each column is."""

    source: str
    table: str
    file_patterns: tuple[str, ...]
    header: tuple[str, ...]
    fields: tuple[Field | None, ...]  # one per header cell; None drops the cell
    delimiter: str = ","
    constants: tuple[tuple[Field, str], ...] = ()  # columns the file implies (e.g. its currency)
    encoding: str = "utf-8-sig"
    # named groups `period` (or `year` and `month`) and `territory` read from the file name: the ledger's
    # reporting period, which tells a restatement (a new version of a delivered period) from a new period
    name_pattern: str | None = None
    # a reader for layouts that are not one record per line; None reads a delimited table
    reader: Callable[[Path, Connector], ReadResult] | None = None
    # delivery plan, for collection monitoring: one report per period ('monthly'), due `due_days` after
    # the period ends, and stale when nothing new landed for `fresh_days`
    cadence: str | None = None
    due_days: int = 10
    fresh_days: int = 45

    def read(self, path: Path) -> ReadResult:
        return (self.reader or read_delimited)(path, self)

    def describe(self, file_name: str) -> tuple[str | None, str | None]:
        """(period, territory) of a delivery, from its file name."""
        if self.name_pattern is None:
            return None, None
        match = re.search(self.name_pattern, file_name)
        if match is None:
            return None, None
        groups = match.groupdict()
        period = groups.get("period")
        if period is None and groups.get("year") and groups.get("month"):
            period = f"{groups['year']}-{groups['month']}"
        return period, groups.get("territory")

    @property
    def raw_table(self) -> str:
        return f"{RAW_SCHEMA}.{self.table}"

    @property
    def columns(self) -> list[Field]:
        return [f for f in self.fields if f is not None] + [f for f, _ in self.constants]

    def files(self, landing_dir: Path) -> list[Path]:
        folder = Path(landing_dir) / self.source
        found = {p for pattern in self.file_patterns for p in folder.glob(pattern) if p.is_file()}
        return sorted(found)


@dataclasses.dataclass
class FileResult:
    file_name: str
    source: str
    status: str  # loading | landed | duplicate_file | already_seen | rejected | incomplete | failed
    rows_read: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    batch_id: str = ""
    sha256: str = ""
    duplicate_of: str | None = None
    error: str | None = None
    period: str | None = None
    territory: str | None = None
    delivery_version: int = 1
    reader: str = ""

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_landed + self.rows_quarantined + self.rows_duplicate


def ensure_schema(con: duckdb.DuckDBPyConnection, connectors: Iterable[Connector] = ()) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {LEDGER} (
            batch_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
            file_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL, status VARCHAR NOT NULL,
            rows_read BIGINT NOT NULL, rows_landed BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
            rows_duplicate BIGINT NOT NULL, duplicate_of VARCHAR, error VARCHAR,
            started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
            period VARCHAR, territory VARCHAR, delivery_version INTEGER NOT NULL)""")
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {QUARANTINE} (
            batch_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
            line_number INTEGER NOT NULL, reason_code VARCHAR NOT NULL, reason VARCHAR NOT NULL,
            raw_line VARCHAR NOT NULL, quarantined_at TIMESTAMP NOT NULL)""")
    for connector in connectors:
        cols = ", ".join(f"{f.name} {f.sql_type}" for f in connector.columns)
        con.execute(f"""CREATE TABLE IF NOT EXISTS {connector.raw_table} ({cols}, _batch_id VARCHAR NOT NULL,
            _file_name VARCHAR NOT NULL, _line_number INTEGER NOT NULL, _file_sha256 VARCHAR NOT NULL,
            _delivery_version INTEGER NOT NULL, _loaded_at TIMESTAMP NOT NULL)""")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def land_file(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path, landing_dir: Path) -> FileResult:
    """Land one file atomically; never raises for bad content, only records it."""
    path = Path(path)
    name = path.relative_to(landing_dir).as_posix() if path.is_relative_to(landing_dir) else path.name
    started = _now()
    sha = file_sha256(path)
    period, territory = connector.describe(path.name)
    result = FileResult(file_name=name, source=connector.source, status="landed", sha256=sha,
                        batch_id=str(uuid.uuid4()), period=period, territory=territory)
    seen = con.execute(
        f"SELECT status FROM {LEDGER} WHERE sha256 = ? AND file_name = ? AND status <> 'failed' LIMIT 1",
        [sha, name],
    ).fetchone()
    if seen is not None:  # the very same delivery seen again: nothing new to record
        result.status = "already_seen"
        return result
    previous = con.execute(
        f"SELECT file_name FROM {LEDGER} WHERE sha256 = ? AND status = 'landed' ORDER BY started_at LIMIT 1",
        [sha],
    ).fetchone()
    if previous is not None:  # the same bytes under another name: a re-delivery
        result.status, result.duplicate_of = "duplicate_file", previous[0]
        result.rows_read = result.rows_duplicate = connector.read(path).rows_read
        _write_ledger(con, result, path, started)
        return result
    if period is not None:  # a new version of an already delivered period is a restatement
        result.delivery_version = 1 + con.execute(
            f"SELECT count(*) FROM {LEDGER} WHERE source = ? AND period = ? AND territory IS NOT DISTINCT FROM ? "
            "AND status = 'landed'", [connector.source, period, territory]).fetchone()[0]
    # The ledger entry is committed as 'loading' first, then the rows and the entry's final state commit
    # together. A process killed in between leaves no row of the batch and a 'loading' entry, which the
    # next run marks 'failed' (recover_interrupted) before landing the file again.
    result.status = "loading"
    _write_ledger(con, result, path, started)
    try:
        con.execute("BEGIN TRANSACTION")
        _load(con, connector, path, result)
        result.status = "landed"
        _finish_ledger(con, result)
        con.execute("COMMIT")
    except Exception as exc:  # record the failure, keep nothing of the file
        con.execute("ROLLBACK")
        result.status = getattr(exc, "status", "rejected") if isinstance(exc, LandingError) else "failed"
        result.error = f"{type(exc).__name__}: {exc}"
        result.rows_landed = result.rows_quarantined = result.rows_duplicate = 0
        _finish_ledger(con, result)
    return result


def recover_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Mark loads that never finished (the process died mid-batch) as failed; returns how many.
    Safe because the warehouse has a single writer: no other load can be running now."""
    interrupted = con.execute(f"SELECT count(*) FROM {LEDGER} WHERE status = 'loading'").fetchone()[0]
    if interrupted:
        con.execute(f"""UPDATE {LEDGER} SET status = 'failed', finished_at = ?,
                        error = 'interrupted: the load never committed (process killed or crashed)'
                        WHERE status = 'loading'""", [_now()])
    return interrupted


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class IncompleteFileError(LandingError):
    """The file's own control totals disagree with its records: the batch is refused."""

    status = "incomplete"


def _load(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path, result: FileResult) -> None:
    read = read_delimited(path, connector, con) if connector.reader is None else connector.read(path)
    result.rows_read = read.rows_read
    if read.incomplete:
        raise IncompleteFileError(f"{path.name}: incomplete: {read.incomplete}")
    result.reader = read.method
    if not read.in_connection:
        con.register("_incoming", read.to_arrow())
    try:
        _cast_and_route(con, connector, result)
    finally:
        if read.in_connection:
            drop_incoming(con)
        else:
            con.unregister("_incoming")
    if read.rejects:
        con.executemany(
            f"INSERT INTO {QUARANTINE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(result.batch_id, connector.source, result.file_name, r.line, r.reason_code, r.reason, r.raw_text,
              _now()) for r in read.rejects],
        )
    result.rows_quarantined += len(read.rejects)


def _cast_and_route(con: duckdb.DuckDBPyConnection, connector: Connector, result: FileResult) -> None:
    typed, checks = [], []
    for i, field in enumerate(connector.fields):
        if field is None:
            continue
        cell = f"c{i}"
        typed.append(f"{field.typed(cell)} AS {field.name}")
        failed = f"{field.name} IS NULL" if field.required else f"({cell} <> '' AND {field.name} IS NULL)"
        checks.append((failed, field.reason(cell, connector.header[i]), field.reason_code))
    for field, value in connector.constants:
        typed.append(f"'{value}'::{field.sql_type} AS {field.name}")
    reason = "CASE " + " ".join(f"WHEN {failed} THEN {text}" for failed, text, _ in checks) + " END"
    code = "CASE " + " ".join(f"WHEN {failed} THEN '{c}'" for failed, _, c in checks) + " END"
    all_cells = ", ".join(f"c{i}" for i in range(len(connector.header)))
    raw_line = " || ".join(
        f"coalesce(c{i}, '')" if i == 0 else f"'{_sql_escape(connector.delimiter)}' || coalesce(c{i}, '')"
        for i in range(len(connector.header)))
    # An exact repeat of an earlier line is a duplicate. Most files have none, and the window that finds
    # them costs a sort of the whole file, so it only runs when the hashes say there is a repeat.
    total, repeats = con.execute(
        f"SELECT count(*), count(*) - count(DISTINCT hash({all_cells})) FROM _incoming").fetchone()
    copy = f"row_number() OVER (PARTITION BY {all_cells} ORDER BY _line_number)" if repeats else "1"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _routed AS
        WITH typed AS (
            SELECT _line_number, {', '.join(typed)}, {all_cells}, {copy} AS _copy FROM _incoming
        )
        SELECT *, {reason} AS _reason, {code} AS _reason_code FROM typed""")
    names = ", ".join(f.name for f in connector.columns)
    loaded_at = _now()
    params = [result.batch_id, result.file_name, result.sha256, result.delivery_version, loaded_at]
    landed = con.execute(f"""
        INSERT INTO {connector.raw_table} ({names}, {', '.join(LINEAGE_COLUMNS)})
        SELECT {names}, ?, ?, _line_number, ?, ?, ? FROM _routed WHERE _reason IS NULL AND _copy = 1""",
                         params).fetchone()[0]
    quarantined = duplicate = 0
    if landed < total:  # only then can a row be bad or a repeat
        quarantined = con.execute(f"""
            INSERT INTO {QUARANTINE}
            SELECT ?, ?, ?, _line_number, _reason_code, _reason, {raw_line}, ?
            FROM _routed WHERE _reason IS NOT NULL""",
                                  [result.batch_id, connector.source, result.file_name, loaded_at]).fetchone()[0]
        duplicate = total - landed - quarantined
    con.execute("DROP TABLE _routed")
    result.rows_landed, result.rows_quarantined, result.rows_duplicate = landed, quarantined, duplicate


def _sql_escape(text: str) -> str:
    return text.replace("'", "''")


def _write_ledger(con: duckdb.DuckDBPyConnection, result: FileResult, path: Path, started: dt.datetime) -> None:
    con.execute(
        f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.batch_id, result.source, result.file_name, str(path.resolve()), result.sha256,
         path.stat().st_size, result.status, result.rows_read, result.rows_landed, result.rows_quarantined,
         result.rows_duplicate, result.duplicate_of, result.error, started, _now(), result.period,
         result.territory, result.delivery_version],
    )


def _finish_ledger(con: duckdb.DuckDBPyConnection, result: FileResult) -> None:
    con.execute(
        f"""UPDATE {LEDGER} SET status = ?, rows_read = ?, rows_landed = ?, rows_quarantined = ?,
            rows_duplicate = ?, error = ?, finished_at = ? WHERE batch_id = ?""",
        [result.status, result.rows_read, result.rows_landed, result.rows_quarantined, result.rows_duplicate,
         result.error, _now(), result.batch_id],
    )


def land_source(con: duckdb.DuckDBPyConnection, connector: Connector, landing_dir: Path) -> list[FileResult]:
    """Land every file of one source that the ledger has not seen; return one result per file."""
    ensure_schema(con, [connector])
    recover_interrupted(con)
    landing_dir = Path(landing_dir)
    return [land_file(con, connector, path, landing_dir) for path in connector.files(landing_dir)]
