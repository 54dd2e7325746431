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

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import queue
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.fields import Field
from ingestion.readers import (
    LandingError,
    Layout,
    Misaligned,
    ReadResult,
    check_header_of,
    drop_incoming,
    drop_scratch,
    read_csv_sql,
    read_delimited,
    sample_records,
    scan_layout,
)

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
    # columns that tell the report's rows apart (a day, a territory, a recording): when their distinct count
    # equals the row count no row can repeat, and the one-pass load skips hashing every column
    grain: tuple[str, ...] = ()

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
        """What everyone reads: the landed rows of committed batches with their full lineage (a view)."""
        return f"{RAW_SCHEMA}.{self.table}"

    @property
    def rows_table(self) -> str:
        """Where the rows are stored: data columns, batch number and line; the rest of the lineage is the
        ledger's (one row per file instead of a 36-character batch id, a file name and a hash per row)."""
        return f"{RAW_SCHEMA}.{self.table}__rows"

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
    batch_no: int = 0
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
            period VARCHAR, territory VARCHAR, delivery_version INTEGER NOT NULL, batch_no BIGINT)""")
    con.execute(f"ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS batch_no BIGINT")  # ledgers of older layouts
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS {RAW_SCHEMA}._batch_no")
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {QUARANTINE} (
            batch_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
            line_number INTEGER NOT NULL, reason_code VARCHAR NOT NULL, reason VARCHAR NOT NULL,
            raw_line VARCHAR NOT NULL, quarantined_at TIMESTAMP NOT NULL)""")
    for connector in connectors:
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? "
                           "AND table_name = ?", [RAW_SCHEMA, connector.table]).fetchall()
        if kind and kind[0][0] == "BASE TABLE":
            raise LandingError(f"{connector.raw_table} is a table of an older warehouse layout (lineage stored per "
                               "row); start from a fresh warehouse (`make clean`, then land again)")
        cols = ", ".join(f"{f.name} {f.sql_type}" for f in connector.columns)
        con.execute(f"""CREATE TABLE IF NOT EXISTS {connector.rows_table} ({cols}, _batch_no BIGINT NOT NULL,
            _line_number INTEGER NOT NULL)""")
        names = ", ".join(f"r.{f.name}" for f in connector.columns)
        # only batches the ledger says landed are visible: a load in progress, failed or rolled back shows
        # nothing, on any target (on one without transactions this is what makes a batch atomic)
        con.execute(f"""CREATE OR REPLACE VIEW {connector.raw_table} AS
            SELECT {names}, l.batch_id AS _batch_id, l.file_name AS _file_name, r._line_number,
                   l.sha256 AS _file_sha256, l.delivery_version AS _delivery_version, l.finished_at AS _loaded_at
            FROM {connector.rows_table} AS r JOIN {LEDGER} AS l ON l.batch_no = r._batch_no
            WHERE l.status = 'landed'""")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What is known of a file before the warehouse is touched: its hash and, for a delimited file, where
    its records are. Computed in one read, and off the warehouse's thread by :func:`land_files`."""

    sha256: str
    layout: Layout | None

    def _replace_sha(self, sha256: str) -> Prepared:
        return dataclasses.replace(self, sha256=sha256)


def prepare(connector: Connector, path: Path) -> Prepared:
    if connector.reader is None:
        digest = hashlib.sha256()
        try:
            return Prepared("", scan_layout(path, digest))._replace_sha(digest.hexdigest())
        except Misaligned:
            pass
    return Prepared(file_sha256(path), None)


def land_file(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path, landing_dir: Path,
              prepared: Prepared | None = None) -> FileResult:
    """Land one file atomically; never raises for bad content, only records it."""
    path = Path(path)
    name = path.relative_to(landing_dir).as_posix() if path.is_relative_to(landing_dir) else path.name
    started = _now()
    prepared = prepared or prepare(connector, path)
    sha = prepared.sha256
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
            "AND status = 'landed'", [connector.source, period, territory]).fetchall()[0][0]
    # The ledger entry is committed as 'loading' first, then the rows and the entry's final state commit
    # together. A process killed in between leaves no row of the batch and a 'loading' entry, which the
    # next run marks 'failed' (recover_interrupted) before landing the file again.
    result.status = "loading"
    _write_ledger(con, result, path, started)
    try:
        con.execute("BEGIN TRANSACTION")
        _load(con, connector, path, result, prepared.layout)
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
    interrupted = con.execute(f"SELECT count(*) FROM {LEDGER} WHERE status = 'loading'").fetchall()[0][0]
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


def _load(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path, result: FileResult,
          layout: Layout | None = None) -> None:
    if connector.reader is None and _land_in_one_pass(con, connector, path, result, layout):
        return
    read = read_delimited(path, connector, con) if connector.reader is None else connector.read(path)
    result.rows_read = read.rows_read
    if read.incomplete:
        raise IncompleteFileError(f"{path.name}: incomplete: {read.incomplete}")
    result.reader = read.method
    if not read.in_connection:
        con.register("_incoming", read.to_arrow())
    try:
        _route(con, connector, result, "_incoming", read.rows_read - len(read.rejects))
    finally:
        if read.in_connection:
            drop_incoming(con)
        else:
            con.unregister("_incoming")
    if result.rows_quarantined:  # the quarantine keeps the record's own text, quotes included
        lines = [n for (n,) in con.execute(f"SELECT line_number FROM {QUARANTINE} WHERE batch_id = ?",
                                           [result.batch_id]).fetchall()]
        texts = read.raw_texts(path, connector.encoding, lines)
        if texts:
            con.executemany(f"UPDATE {QUARANTINE} SET raw_line = ? WHERE batch_id = ? AND line_number = ?",
                            [(text, result.batch_id, line) for line, text in texts.items()])
    if read.rejects:
        con.executemany(
            f"INSERT INTO {QUARANTINE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(result.batch_id, connector.source, result.file_name, r.line, r.reason_code, r.reason, r.raw_text,
              _now()) for r in read.rejects],
        )
    result.rows_quarantined += len(read.rejects)


# --- one pass over a delimited file ---------------------------------------------------------------------
#
# The common case (a well-formed delimited report) is parsed, cast, validated and written in ONE statement:
# ``INSERT INTO raw.<table> SELECT <checks> FROM read_csv(<file>) POSITIONAL JOIN <line numbers>``, with
# DuckDB's CSV reader parsing dates and integers itself (Field.native) and SQL checking the rest. Line
# numbers come from the byte scan (ingestion/readers.py, scan_layout) made *before* the read: while DuckDB
# rejects no record, the k-th parsed row is the k-th record start, so the positional join pairs every row
# with its physical line. A row failing a check lands with its line number negated. Then one query over the
# batch counts rows, flagged rows and distinct rows, and:
# - if DuckDB rejected any record (cell count, quoting, encoding, a native type), a row was flagged, or the
#   counts disagree with the scan, the batch's rows are deleted (same transaction) and the file takes the
#   careful path (`_load`): read into a temporary table first, rejects mapped out of the record starts,
#   reasons written to the quarantine. Files with bad rows pay a second read; clean ones never do;
# - a sample of landed rows (first and last included) is compared with its own bytes parsed by Python's csv
#   module and cast by the careful path's SQL: any difference also sends the file down the careful path;
# - repeated rows are removed only when the distinct count says there are some.


def _land_in_one_pass(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path,
                      result: FileResult, layout: Layout | None = None) -> bool:
    """Land a clean delimited file in one statement; False (leaving nothing) when the careful path must."""
    check_header_of(path, connector)
    if not con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]:
        return False
    if layout is None:
        try:
            layout = scan_layout(path)
        except Misaligned:
            return False
    parsed = len(layout.lines)
    one_pass = _one_pass_plan(connector)
    drop_scratch(con)
    con.register("_tm_lines_arrow", pa.table({"_line_number": layout.lines}))
    try:
        con.execute("CREATE TEMP TABLE _tm_lines AS SELECT * FROM _tm_lines_arrow")
    finally:
        con.unregister("_tm_lines_arrow")
    try:
        con.execute(f"""
            INSERT INTO {connector.rows_table} ({one_pass.names}, _batch_no, _line_number)
            SELECT {one_pass.names}, ?,
                   CASE WHEN {one_pass.failed} THEN -coalesce(_line_number, 0) ELSE coalesce(_line_number, 0) END
            FROM (SELECT _line_number, {one_pass.typed}, {one_pass.cells}
                  FROM {read_csv_sql(path, connector, one_pass.types, one_pass.date_format, parallel=False)}
                  POSITIONAL JOIN _tm_lines)""",
                    [result.batch_no]).fetchall()
        rejected = con.execute("SELECT count(*) FROM _tm_rejects").fetchall()[0][0]
    finally:
        drop_scratch(con)
        con.execute("DROP TABLE IF EXISTS _tm_lines")
    grain = ", ".join(connector.grain) or one_pass.names
    landed, flagged, distinct = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE _line_number <= 0), count(DISTINCT hash({grain})) "
        f"FROM {connector.rows_table} WHERE _batch_no = ?", [result.batch_no]).fetchall()[0]
    if rejected or flagged or landed != parsed or not _landed_rows_match_their_bytes(con, connector, path,
                                                                                      layout, result):
        con.execute(f"DELETE FROM {connector.rows_table} WHERE _batch_no = ?", [result.batch_no])
        return False
    # fewer distinct grains than rows: repeated rows or rows differing outside the grain; the full count says
    known = landed - distinct if not connector.grain else (0 if distinct == landed else None)
    duplicate = _remove_repeats(con, connector, result.batch_no, known=known)
    result.rows_read = parsed
    result.rows_landed, result.rows_quarantined, result.rows_duplicate = landed - duplicate, 0, duplicate
    result.reader = "duckdb-read_csv (one pass)"
    return True


@dataclasses.dataclass(frozen=True)
class _OnePassPlan:
    types: list[str]  # read_csv's type of each cell
    date_format: str | None
    typed: str
    failed: str
    names: str
    cells: str


def _one_pass_plan(connector: Connector) -> _OnePassPlan:
    formats = [f.native_format for f in connector.fields if f is not None and f.native_format]
    date_format = formats[0] if formats else None
    types, typed, checks = [], [], []
    for i, field in enumerate(connector.fields):
        cell = f"c{i}"
        native = field is not None and field.native is not None and field.native_format in (None, date_format)
        types.append(field.native if native else "VARCHAR")
        if field is None:
            continue
        typed.append(f"{field.typed_native(cell) if native else field.typed(cell)} AS {field.name}")
        if field.required:
            checks.append(f"{field.name} IS NULL")
        elif native:  # an empty cell is NULL already
            checks.append(f"({cell} IS NOT NULL AND {field.name} IS NULL)")
        else:
            checks.append(f"({cell} IS NOT NULL AND {cell} <> '' AND {field.name} IS NULL)")
    for field, value in connector.constants:
        typed.append(f"'{value}'::{field.sql_type} AS {field.name}")
    return _OnePassPlan(types=types, date_format=date_format, typed=", ".join(typed),
                        failed=" OR ".join(checks) or "false", names=", ".join(f.name for f in connector.columns),
                        cells=", ".join(f"c{i}" for i in range(len(connector.header))))


def _landed_rows_match_their_bytes(con: duckdb.DuckDBPyConnection, connector: Connector, path: Path,
                                   layout: Layout, result: FileResult) -> bool:
    """A sample of records (first and last included), parsed from their own bytes by Python's csv module and
    cast by the careful path's SQL, must be exactly the rows landed for their line numbers."""
    sample = sample_records(path, connector, layout)
    if sample is None:
        return False
    if sample.num_rows == 0:
        return True
    plan = _plan(connector)
    con.register("_tm_sample", sample)
    try:
        expected = set(con.execute(f"""
            SELECT _line_number, {plan.names} FROM (SELECT _line_number, {plan.typed}, {plan.cells} FROM _tm_sample)
            WHERE NOT ({plan.failed})""").fetchall())
    finally:
        con.unregister("_tm_sample")
    lines = ", ".join(str(n) for n in sample.column("_line_number").to_pylist())
    landed = set(con.execute(f"SELECT _line_number, {plan.names} FROM {connector.rows_table} "
                             f"WHERE _batch_no = ? AND _line_number IN ({lines})", [result.batch_no]).fetchall())
    return expected == landed


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The SQL that turns a connector's text cells into typed columns and tells why a row fails."""

    typed: str  # "<cast> AS <name>, ..."
    failed: str  # true when the row fails any field
    reason: str  # the first failure's reason text
    code: str  # and its reason code
    names: str  # the raw table's data columns
    cells: str  # c0, c1, ...
    raw_line: str  # the cells joined again, for the quarantine


def _plan(connector: Connector) -> _Plan:
    typed, checks = [], []
    for i, field in enumerate(connector.fields):
        if field is None:
            continue
        cell = f"c{i}"
        typed.append(f"{field.typed(cell)} AS {field.name}")
        failed = (f"{field.name} IS NULL" if field.required
                  else f"({cell} IS NOT NULL AND {cell} <> '' AND {field.name} IS NULL)")
        checks.append((failed, field.reason(cell, connector.header[i]), field.reason_code))
    for field, value in connector.constants:
        typed.append(f"'{value}'::{field.sql_type} AS {field.name}")
    n = len(connector.header)
    return _Plan(
        typed=", ".join(typed),
        failed=" OR ".join(f"({failed})" for failed, _, _ in checks) or "false",
        reason="CASE " + " ".join(f"WHEN {failed} THEN {text}" for failed, text, _ in checks) + " END",
        code="CASE " + " ".join(f"WHEN {failed} THEN '{c}'" for failed, _, c in checks) + " END",
        names=", ".join(f.name for f in connector.columns),
        cells=", ".join(f"c{i}" for i in range(n)),
        raw_line=" || ".join(f"coalesce(c{i}, '')" if i == 0 else
                             f"'{_sql_escape(connector.delimiter)}' || coalesce(c{i}, '')" for i in range(n)),
    )


def _typed_rows(plan: _Plan, source: str) -> str:
    return f"(SELECT _line_number, {plan.typed}, {plan.cells} FROM {source}) AS typed"


def _insert_valid(con: duckdb.DuckDBPyConnection, connector: Connector, result: FileResult, source: str) -> int:
    plan = _plan(connector)
    return con.execute(f"""
        INSERT INTO {connector.rows_table} ({plan.names}, _batch_no, _line_number)
        SELECT {plan.names}, ?, _line_number FROM {_typed_rows(plan, source)}
        WHERE _line_number IS NOT NULL AND NOT ({plan.failed})""",
                       [result.batch_no]
                       ).fetchall()[0][0]


def _quarantine_invalid(con: duckdb.DuckDBPyConnection, connector: Connector, result: FileResult,
                        source: str) -> int:
    plan = _plan(connector)
    return con.execute(f"""
        INSERT INTO {QUARANTINE}
        SELECT ?, ?, ?, _line_number, {plan.code}, {plan.reason}, {plan.raw_line}, ?
        FROM {_typed_rows(plan, source)} WHERE _line_number IS NOT NULL AND ({plan.failed})""",
                       [result.batch_id, connector.source, result.file_name, _now()]).fetchall()[0][0]


def _remove_repeats(con: duckdb.DuckDBPyConnection, connector: Connector, batch_no: int,
                    known: int | None = None) -> int:
    """A landed row whose values repeat an earlier row of the same file is a duplicate line: keep the first.
    Counting distinct hashes first is cheap; the window that finds the copies (a sort) runs only when the
    hashes say there is a repeat (``known``: that count, when the caller has it already)."""
    names = _plan(connector).names
    repeats = known if known is not None else con.execute(
        f"SELECT count(*) - count(DISTINCT hash({names})) FROM {connector.rows_table} WHERE _batch_no = ?",
        [batch_no]).fetchall()[0][0]
    if not repeats:
        return 0
    return con.execute(f"""
        DELETE FROM {connector.rows_table} WHERE rowid IN (
            SELECT rowid FROM (
                SELECT rowid, row_number() OVER (PARTITION BY {names} ORDER BY _line_number) AS copy
                FROM {connector.rows_table} WHERE _batch_no = ?)
            WHERE copy > 1)""", [batch_no]).fetchall()[0][0]


def _route(con: duckdb.DuckDBPyConnection, connector: Connector, result: FileResult, source: str,
           parsed: int) -> None:
    """Rows already read (``source``): valid ones to the raw table, repeats dropped, the rest quarantined."""
    landed = _insert_valid(con, connector, result, source)
    quarantined = _quarantine_invalid(con, connector, result, source) if landed < parsed else 0
    duplicate = _remove_repeats(con, connector, result.batch_no) if landed else 0
    result.rows_landed, result.rows_quarantined, result.rows_duplicate = landed - duplicate, quarantined, duplicate


def _sql_escape(text: str) -> str:
    return text.replace("'", "''")


def _write_ledger(con: duckdb.DuckDBPyConnection, result: FileResult, path: Path, started: dt.datetime) -> None:
    result.batch_no = con.execute(f"SELECT nextval('{RAW_SCHEMA}._batch_no')").fetchall()[0][0]
    con.execute(
        f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.batch_id, result.source, result.file_name, str(path.resolve()), result.sha256,
         path.stat().st_size, result.status, result.rows_read, result.rows_landed, result.rows_quarantined,
         result.rows_duplicate, result.duplicate_of, result.error, started, _now(), result.period,
         result.territory, result.delivery_version, result.batch_no],
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
    return land_files(con, connector, connector.files(landing_dir), landing_dir)


def land_files(con: duckdb.DuckDBPyConnection, connector: Connector, paths: list[Path], landing_dir: Path,
               parallel: int = 3) -> list[FileResult]:
    """Land one source's files, ``parallel`` at a time (see :func:`land_deliveries`)."""
    return land_deliveries(con, [(connector, path) for path in paths], landing_dir, parallel)


def land_deliveries(con: duckdb.DuckDBPyConnection, deliveries: list[tuple[Connector, Path]], landing_dir: Path,
                    parallel: int = 3) -> list[FileResult]:
    """Land files of one or more sources, ``parallel`` at a time, each in its own transaction on its own
    cursor.

    Why in parallel: the one-pass load pairs rows with line numbers through a positional join, which DuckDB
    runs on one thread; two files at once keep two cores busy, as DuckDB's own multi-file read does. Files
    of several sources share the loaders, so no core idles while the last file of a source lands. Files
    that could affect each other never overlap: the same bytes (the second must see the first in the
    ledger as a re-delivery) or the same source, period and territory (the second is a restatement and must
    see the first's version). Hashing and scanning run ahead on another thread (hashlib and numpy release
    the GIL, as DuckDB does while it executes). Results come back in the order of ``deliveries``."""
    results: dict[int, FileResult] = {}
    cursors: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
    opened = [con.cursor() for _ in range(max(1, parallel))]
    for cursor in opened:
        cursors.put(cursor)

    def load(i: int, connector: Connector, path: Path, prepared: Prepared) -> None:
        cursor = cursors.get()
        try:
            results[i] = land_file(cursor, connector, path, landing_dir, prepared)
        finally:
            cursors.put(cursor)

    try:
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tm-prepare") as preparer, \
                concurrent.futures.ThreadPoolExecutor(len(opened), thread_name_prefix="tm-land") as loader:
            lookahead = len(opened) + 1  # prepared files wait in memory (their record offsets): keep few
            ahead = {j: preparer.submit(prepare, *deliveries[j]) for j in range(min(lookahead, len(deliveries)))}
            running: list[tuple[concurrent.futures.Future[None], tuple[str, str | None, str | None], str]] = []
            for i, (connector, path) in enumerate(deliveries):
                prepared = ahead.pop(i).result()
                if i + lookahead < len(deliveries):
                    ahead[i + lookahead] = preparer.submit(prepare, *deliveries[i + lookahead])
                period, territory = connector.describe(path.name)
                key = (connector.source, period, territory)
                for future, other_key, other_sha in running:
                    if other_sha == prepared.sha256 or ((period, territory) != (None, None) and other_key == key):
                        future.result()
                running = [r for r in running if not r[0].done()]
                while len(running) >= len(opened):
                    concurrent.futures.wait([r[0] for r in running], return_when=concurrent.futures.FIRST_COMPLETED)
                    running = [r for r in running if not r[0].done()]
                running.append((loader.submit(load, i, connector, path, prepared), key, prepared.sha256))
            for future, _, _ in running:
                future.result()
    finally:
        for cursor in opened:
            cursor.close()
    return [results[i] for i in range(len(deliveries))]
