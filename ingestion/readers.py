"""Readers turn one delivered file into text cells with the line each came from.

The landing contract (ingestion/contract.py) casts, validates, quarantines and lands what a reader
returns; a reader only knows a layout. ``read_delimited`` serves every CSV/TSV-like report; formats that
are not one-record-per-line tables (DDEX DSR blocks, JSON pages) bring their own reader with the same
result type.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from ingestion.contract import Connector


class LandingError(Exception):
    """A whole file cannot be landed (wrong header, unreadable): nothing of it is written."""


class SchemaDriftError(LandingError):
    """The file's columns are not the declared ones: the batch fails and the message names the columns."""


@dataclasses.dataclass(frozen=True)
class Reject:
    line: int
    reason_code: str
    reason: str
    raw_text: str


@dataclasses.dataclass
class ReadResult:
    """Accepted records as columns of text (one list per declared header cell), their line numbers, the
    records rejected while reading, and, when the file's own control totals disagree with what was read
    (a DSR FOOT, a summary record), the reason it is incomplete: then the whole batch is refused.

    A fast reader may hand over an Arrow ``table`` instead (columns ``_line_number``, ``c0``…``cN``)."""

    line_numbers: list[int]
    columns: list[list[str]]
    rejects: list[Reject] = dataclasses.field(default_factory=list)
    incomplete: str | None = None
    table: pa.Table | None = None
    method: str = "python-csv"
    accepted: int | None = None  # set when the accepted rows already sit in the connection (temp _incoming)
    records: Records | None = None  # where the file's records are, when a byte scan found them

    def raw_texts(self, path: Path, encoding: str, lines: Sequence[int]) -> dict[int, str]:
        """The exact text of the records starting on ``lines`` (quotes and all), read from the file's bytes;
        empty when the reader kept no byte offsets."""
        if self.records is None or not lines:
            return {}
        starts = self.records.starts
        record_lines = self.records.line_of(starts)
        found = {}
        with path.open("rb") as raw:
            for line in lines:
                i = int(np.searchsorted(record_lines, line))
                if i < len(starts) and record_lines[i] == line:
                    start = int(starts[i])
                    stop = int(self.records.stops[np.searchsorted(self.records.stops, start)])
                    raw.seek(start)
                    text = raw.read(stop - start).decode(encoding.replace("-sig", ""), errors="replace")
                    found[line] = text.rstrip("\r")
        return found

    @property
    def in_connection(self) -> bool:
        return self.accepted is not None and self.table is None

    @property
    def rows_read(self) -> int:
        if self.accepted is not None:
            accepted = self.accepted
        else:
            accepted = self.table.num_rows if self.table is not None else len(self.line_numbers)
        return accepted + len(self.rejects)

    def to_arrow(self) -> pa.Table:
        if self.table is not None:
            return self.table
        return pa.table({"_line_number": pa.array(self.line_numbers, pa.int32()),
                         **{f"c{i}": pa.array(col, pa.string()) for i, col in enumerate(self.columns)}})


def check_header(found: Sequence[str] | None, expected: Sequence[str], file_name: str) -> None:
    """Name exactly what drifted: renamed, missing or extra columns."""
    if found is None:
        raise LandingError(f"{file_name}: the file is empty (no header line)")
    found = [h.strip() for h in found]
    if tuple(found) == tuple(expected):
        return
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    parts = []
    if missing and extra and len(missing) == len(extra):
        parts += [f"column {e!r} arrived where {m!r} was expected" for m, e in zip(missing, extra, strict=True)]
    else:
        parts += [f"missing column {m!r}" for m in missing] + [f"unexpected column {e!r}" for e in extra]
    if not parts:
        parts.append(f"columns reordered: {found} instead of {list(expected)}")
    raise SchemaDriftError(f"{file_name}: schema drift: " + "; ".join(parts))


def join_cells(row: Sequence[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(row)
    return buffer.getvalue()


class _Lines:
    """Physical lines end at LF only (CRLF included); a lone CR is data, as it is for DuckDB and numpy.
    Remembers the last line handed out, so an unreadable record can be quarantined with its text."""

    def __init__(self, fh: io.TextIOBase) -> None:
        self._fh = fh
        self._pending: list[str] = []
        self._rest = ""
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while not self._pending:
            chunk = self._fh.read(1 << 16)
            if not chunk:
                if self._rest:
                    self.last, self._rest = self._rest, ""
                    return self.last
                raise StopIteration
            *complete, self._rest = (self._rest + chunk).split("\n")
            self._pending = [line + "\n" for line in complete]
            self._pending.reverse()
        self.last = self._pending.pop()
        return self.last


def read_delimited_python(path: Path, connector: Connector) -> ReadResult:
    """Python's csv module: the physical line each record starts on, quoted cells, blank lines.
    The reference reader, and the fallback of the fast one."""
    n_cells = len(connector.header)
    lines: list[int] = []
    columns: list[list[str]] = [[] for _ in range(n_cells)]
    rejects: list[Reject] = []
    with path.open(encoding=connector.encoding, newline="") as fh:
        source = _Lines(fh)
        reader = csv.reader(source, delimiter=connector.delimiter)
        check_header(next(reader, None), connector.header, path.name)
        ended = reader.line_num  # the line the previous record ended on
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a bare CR inside an unquoted cell: the record is unreadable
                start, ended = ended + 1, reader.line_num
                rejects.append(Reject(start, "unparseable", f"unparseable: {exc}", source.last.rstrip("\n")))
                continue
            start, ended = ended + 1, reader.line_num  # a record may span lines: keep the line it starts on
            if len(row) != n_cells:
                if not row:  # a blank line carries nothing
                    continue
                rejects.append(Reject(start, "column_count",
                                      f"column_count: expected {n_cells} cells, got {len(row)}",
                                      join_cells(row, connector.delimiter)))
                continue
            lines.append(start)
            for i, value in enumerate(row):
                columns[i].append(value)
    return ReadResult(lines, columns, rejects)


# --- the fast reader -----------------------------------------------------------------------------------
#
# DuckDB's CSV reader parses at hundreds of MB/s on all cores but does not say which line an accepted row
# came from (its reject table does give the byte position of each rejected record). We recover exact
# physical line numbers ourselves, in bounded memory:
#
# 1. DuckDB reads every cell as text in file order (``preserve_insertion_order``), strict RFC 4180 mode,
#    storing rejected records (wrong number of cells, bad quoting, bad encoding) with their byte position.
# 2. numpy scans the file in 16 MiB chunks for newline and quote bytes. A newline ends a record when an
#    even number of quote characters precedes it (a doubled quote "" inside a quoted cell counts twice,
#    so parity is unaffected). Record starts are the bytes after those newlines; blank records (empty or
#    a lone CR) carry nothing; the first record is the header.
# 3. Removing the rejected records' starts leaves exactly one start per accepted row, in order: the k-th
#    accepted row starts at the k-th remaining start, and its line number is one plus the number of
#    newline bytes before that start.
# 4. The result is verified: the counts must agree and a sample of rows is re-parsed from its bytes with
#    Python's csv module and compared cell by cell. Any disagreement (or a DuckDB error) falls back to the
#    exact Python reader, and ReadResult.method says which reader produced the batch.

_CHUNK = 16 << 20
_VERIFY_SAMPLE = 32


def check_header_of(path: Path, connector: Connector) -> None:
    with path.open(encoding=connector.encoding, newline="") as fh:
        check_header(next(csv.reader(fh, delimiter=connector.delimiter), None), connector.header, path.name)


def read_csv_sql(path: Path, connector: Connector, types: Sequence[str] | None = None,
                 date_format: str | None = None, *, parallel: bool = True) -> str:
    """DuckDB's reader over one file: every cell as text unless ``types`` says otherwise, strict RFC 4180,
    rejected records stored with their byte position in ``_tm_rejects``."""
    types = types or ["VARCHAR"] * len(connector.header)
    columns = "{" + ", ".join(f"'c{i}': '{t}'" for i, t in enumerate(types)) + "}"
    if date_format:
        columns += ", dateformat = '" + date_format.replace("'", "''") + "'"
    literal = "'" + str(path).replace("'", "''") + "'"
    delimiter = "'" + connector.delimiter.replace("'", "''") + "'"
    return (f"read_csv({literal}, header = true, delim = {delimiter}, quote = '\"', escape = '\"', "
            f"columns = {columns}, auto_detect = false, strict_mode = true, store_rejects = true, "
            "rejects_table = '_tm_rejects', rejects_scan = '_tm_reject_scans', null_padding = false"
            + ("" if parallel else ", parallel = false") + ")")


def read_delimited(path: Path, connector: Connector, con: duckdb.DuckDBPyConnection | None = None) -> ReadResult:
    """The fast reader. Given the warehouse connection, the parsed rows stay inside DuckDB (temp table
    ``_incoming``, spilled to disk under its memory limit) instead of travelling through Python."""
    check_header_of(path, connector)
    own = con is None
    target = con or duckdb.connect(config={"preserve_insertion_order": True, "threads": 2})
    try:
        result = _read_with_duckdb(path, connector, target, materialize=own)
    except (duckdb.Error, Misaligned) as exc:
        drop_scratch(target)
        result = read_delimited_python(path, connector)
        result.method = f"python-csv (fast reader declined: {type(exc).__name__}: {str(exc).splitlines()[0]})"
    finally:
        if own:
            target.close()
    return result


class Misaligned(Exception):
    """DuckDB's records and the byte scan disagree: the exact Python reader takes over."""


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    drop_incoming(con)
    for table in ("_tm_rejects", "_tm_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


@dataclasses.dataclass(frozen=True)
class Records:
    """Where the records of a delimited file are: byte offsets of each non-blank record's start (the
    header first), the end of every record (blank ones included) and every newline byte."""

    starts: np.ndarray
    stops: np.ndarray
    newlines: np.ndarray

    def line_of(self, offsets: np.ndarray) -> np.ndarray:
        """The 1-based physical line each byte offset is on."""
        return (np.searchsorted(self.newlines, offsets) + 1).astype(np.int32)

    def layout(self) -> Layout:
        """The compact part the one-pass load needs (4 bytes a record instead of 24)."""
        starts = self.starts[1:]  # [0] is the header
        picks = np.unique(np.linspace(0, len(starts) - 1, min(_VERIFY_SAMPLE, len(starts))).astype(int)) \
            if len(starts) else np.zeros(0, int)
        chosen = starts[picks]
        stops = self.stops[np.searchsorted(self.stops, chosen)]
        lines = self.line_of(starts)
        return Layout(lines, tuple(zip(chosen.tolist(), stops.tolist(), lines[picks].tolist(), strict=True)))


@dataclasses.dataclass(frozen=True)
class Layout:
    """The physical line each data record starts on, and the byte range and line of a sample of records
    (the first and the last among them) to verify the parse against."""

    lines: np.ndarray  # int32, one per data record, in file order
    sample: tuple[tuple[int, int, int], ...]  # (start, stop, line)


def scan_layout(path: Path, digest: hashlib._Hash | None = None) -> Layout:
    """The layout of a delimited file in one read, hashing the same bytes into ``digest``.

    Most reports have no quote character, and a CR only as the first half of a CRLF line end (Apple's
    reports end every line so). Then every newline ends a record, so the k-th data record is on line k + 2
    and the newlines only need counting (bytes.count, ~3 GB/s) instead of locating each one: a chunk is
    regular when it counts as many CRs as CRLF pairs (a CR closing the chunk pairs with an LF opening the
    next). The sample's records are those after evenly spaced byte offsets, found while their chunk is in
    the buffer. A blank line in the middle is not looked for: DuckDB skips it, the row count then disagrees
    with this one and the file takes the careful path. A file with a quote or a bare CR is scanned record
    by record (:func:`scan_records`) in a second read.
    """
    size = path.stat().st_size
    buffer = bytearray(_CHUNK)
    # the record after each of these offsets is verified; the first and the last are added below
    targets = sorted({size * i // _VERIFY_SAMPLE for i in range(1, _VERIFY_SAMPLE - 1)})
    sample: dict[int, tuple[int, int, int]] = {}
    newlines, regular, start, tail, open_cr = 0, True, 0, b"", False
    with path.open("rb", buffering=0) as raw:
        while got := raw.readinto(buffer):
            if digest is not None:
                digest.update(memoryview(buffer)[:got])
            if regular:
                regular = buffer.find(b'"', 0, got) < 0 and (not open_cr or buffer[0] == 0x0A)
            if regular and buffer.find(b"\r", 0, got) >= 0:
                open_cr = buffer[got - 1] == 0x0D
                regular = buffer.count(b"\r", 0, got) == buffer.count(b"\r\n", 0, got) + open_cr
            elif regular:
                open_cr = False
            if regular:
                counted = 0  # newlines are counted once: up to each sampled record, then to the chunk's end
                for target in (t for t in targets if start <= t < start + got):
                    begin = buffer.find(b"\n", target - start, got) + 1  # the next record's start
                    end = buffer.find(b"\n", begin, got) if begin else -1
                    if end > begin and (end > begin + 1 or buffer[begin] != 0x0D):  # whole here, not blank
                        newlines += buffer.count(b"\n", counted, begin)
                        counted = begin
                        sample[start + begin] = (start + begin, start + end, newlines + 1)
                newlines += buffer.count(b"\n", counted, got)
                tail = bytes(buffer[max(0, got - (1 << 16)):got])
            start += got
    if not regular or open_cr:  # a CR ending the file is a bare one
        return scan_records(path).layout()
    content = tail.rstrip(b"\r\n")  # trailing line ends end the file; they hold no record
    lines = newlines - tail.count(b"\n", len(content)) + 1  # physical lines up to the last one with content
    records = lines - 1  # the first line is the header
    if records <= 0:
        return Layout(np.zeros(0, np.int32), ())
    last_start = content.rfind(b"\n") + 1
    if last_start == 0:
        return scan_records(path).layout()  # the last record is longer than the bytes kept of the file
    offset = size - len(tail)
    sample[offset + last_start] = (offset + last_start, offset + len(content), lines)
    with path.open("rb") as raw:
        header, first = raw.readline(), raw.readline()
    sample[len(header)] = (len(header), len(header) + len(first.rstrip(b"\n")), 2)
    return Layout(np.arange(2, records + 2, dtype=np.int32), tuple(v for _k, v in sorted(sample.items())))


def scan_records(path: Path, digest: hashlib._Hash | None = None) -> Records:
    """Record starts and stops and every newline offset. Reads 16 MiB at a time into one reused buffer
    (not a memory map: mapped pages stay resident and a 1 GB file would count as 1 GB of memory); feeds
    ``digest`` with the same bytes, so hashing the file costs no second read."""
    size = path.stat().st_size
    raw_buffer = bytearray(_CHUNK + 1)
    buffer = np.frombuffer(raw_buffer, np.uint8)
    newlines, quotes = [], []
    with path.open("rb", buffering=0) as raw:
        for start in range(0, size, _CHUNK):
            raw.seek(start)
            got = raw.readinto(raw_buffer)  # one byte of overlap to see what follows a CR
            chunk = buffer[:got]
            body = chunk[:_CHUNK]
            stop = min(got, _CHUNK)
            if digest is not None:
                digest.update(memoryview(raw_buffer)[:stop])
            # most files have no quote and no CR at all: memchr (bytearray.find) says so at memory speed
            carriage = np.flatnonzero(body == 0x0D) if raw_buffer.find(b"\r", 0, stop) >= 0 else ()
            if len(carriage):
                following = carriage + 1
                bare = following >= len(chunk)
                bare[~bare] = chunk[following[~bare]] != 0x0A
                if bare.any():
                    raise Misaligned("a bare CR (not followed by LF): line ends are ambiguous")
            newlines.append(np.flatnonzero(body == 0x0A) + start)
            if raw_buffer.find(b'"', 0, stop) >= 0:
                quotes.append(np.flatnonzero(body == 0x22) + start)
        empty = np.zeros(0, np.int64)
        newline = np.concatenate(newlines) if newlines else empty
        quote = np.concatenate(quotes) if quotes else empty
        del newlines, quotes
        ends = newline[(np.searchsorted(quote, newline) % 2) == 0] if len(quote) else newline
        starts = np.concatenate([[0], ends + 1]).astype(np.int64)
        stops = np.concatenate([ends, [size]]).astype(np.int64)
        keep = starts < size
        starts, stops = starts[keep], stops[keep]
        length = stops - starts
        blank = length == 0
        single = np.flatnonzero(length == 1)
        if len(single):  # a lone CR is a blank line too (a map touches only the pages it reads here)
            blank[single] = np.memmap(path, dtype=np.uint8, mode="r")[starts[single]] == 0x0D
    return Records(starts[~blank], stops, newline)


def _read_with_duckdb(path: Path, connector: Connector, con: duckdb.DuckDBPyConnection, *,
                      materialize: bool) -> ReadResult:
    drop_scratch(con)
    con.execute(f"CREATE TEMP TABLE _incoming_raw AS SELECT * FROM {read_csv_sql(path, connector)}")
    parsed = con.execute("SELECT count(*) FROM _incoming_raw").fetchone()[0]
    rejected = con.execute("""
        SELECT any_value(error_type)::VARCHAR, any_value(error_message), any_value(csv_line), line_byte_position
        FROM _tm_rejects GROUP BY line_byte_position ORDER BY line_byte_position""").fetchall()

    records = scan_records(path)
    starts, newlines, all_stops = records.starts[1:], records.newlines, records.stops  # [1:]: the header
    with path.open("rb") as raw:
        # DuckDB's byte position may point at a blank line before the record or a byte into it: take the
        # record start at or before the first non-newline byte
        positions = np.array([_skip_newlines(raw, int(pos)) for *_rest, pos in rejected], dtype=np.int64)
    reject_starts = starts[np.clip(np.searchsorted(starts, positions, side="right") - 1, 0, None)] \
        if len(positions) and len(starts) else positions
    if len(np.unique(reject_starts)) != len(rejected):
        raise Misaligned(f"{len(rejected)} rejected records map to {len(np.unique(reject_starts))} record starts")
    accepted = starts[~np.isin(starts, reject_starts)] if len(reject_starts) else starts
    if len(accepted) != parsed:
        raise Misaligned(f"{len(accepted)} record starts for {parsed} parsed rows")
    line_numbers = pa.table({"_line_number": pa.array((np.searchsorted(newlines, accepted) + 1).astype(np.int32))})
    rejects = [
        Reject(int(np.searchsorted(newlines, start) + 1), "column_count" if "COLUMNS" in error_type else "unparseable",
               f"{'column_count' if 'COLUMNS' in error_type else 'unparseable'}: {message}",
               (line or "").lstrip("\r\n"))
        for start, (error_type, message, line, _lbp) in zip(reject_starts.tolist(), rejected, strict=True)
    ]
    _verify(path, connector, con, accepted, all_stops)
    for table in ("_tm_rejects", "_tm_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # the line numbers join the parsed rows by position
    con.register("_line_numbers_arrow", line_numbers)
    try:
        con.execute("CREATE TEMP TABLE _line_numbers AS SELECT * FROM _line_numbers_arrow")
    finally:
        con.unregister("_line_numbers_arrow")
    con.execute("CREATE TEMP VIEW _incoming AS SELECT * FROM _line_numbers POSITIONAL JOIN _incoming_raw")
    table = None
    if materialize:
        table = con.sql("SELECT * FROM _incoming").to_arrow_table()
        drop_incoming(con)
    return ReadResult([], [], rejects, table=table, method="duckdb-read_csv", accepted=parsed, records=records)


def drop_incoming(con: duckdb.DuckDBPyConnection) -> None:
    """Remove what the fast reader left in the connection for the contract."""
    con.execute("DROP VIEW IF EXISTS _incoming")
    for table in ("_line_numbers", "_incoming_raw"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _skip_newlines(raw: io.BufferedReader, pos: int) -> int:
    raw.seek(pos)
    head = raw.read(64)
    return pos + len(head) - len(head.lstrip(b"\r\n"))


def _verify(path: Path, connector: Connector, con: duckdb.DuckDBPyConnection, starts: np.ndarray,
            stops: np.ndarray) -> None:
    """Re-parse a sample of rows from their own bytes and compare them cell by cell with DuckDB's."""
    if len(starts) == 0:
        return
    picks = np.unique(np.linspace(0, len(starts) - 1, min(_VERIFY_SAMPLE, len(starts))).astype(int)).tolist()
    # rowids count in insertion (file) order; inside a transaction they start at a large offset
    base = con.execute("SELECT min(rowid) FROM _incoming_raw").fetchone()[0]
    rows = con.execute(f"SELECT rowid - {base}, * FROM _incoming_raw WHERE rowid - {base} IN "
                       f"({', '.join(map(str, picks))}) ORDER BY rowid").fetchall()
    if [r[0] for r in rows] != picks:
        raise Misaligned("sampled rows are missing")
    with path.open("rb") as raw:
        for k, *cells in rows:
            start = int(starts[k])
            stop = int(stops[np.searchsorted(stops, start)])
            raw.seek(start)
            text = raw.read(stop - start).decode(connector.encoding.replace("-sig", ""), errors="replace")
            try:
                parsed = next(csv.reader(io.StringIO(text.rstrip("\r")), delimiter=connector.delimiter), [])
            except csv.Error as exc:
                raise Misaligned(f"row {k}: {exc}") from exc
            if parsed != [c or "" for c in cells]:
                raise Misaligned(f"row {k}: bytes give {parsed!r}, the parser gave {cells!r}")


def sample_records(path: Path, connector: Connector, layout: Layout) -> pa.Table | None:
    """The layout's sample records parsed from their own bytes by Python's csv module: ``_line_number``,
    ``c0``...; None when one of them is not a well-formed record."""
    rows, lines = [], []
    with path.open("rb") as raw:
        for start, stop, line in layout.sample:
            raw.seek(start)
            text = raw.read(stop - start).decode(connector.encoding.replace("-sig", ""), errors="replace")
            try:
                cells = next(csv.reader(io.StringIO(text.rstrip("\r")), delimiter=connector.delimiter), [])
            except csv.Error:
                return None
            if len(cells) != len(connector.header):
                return None
            rows.append(cells)
            lines.append(line)
    return pa.table({"_line_number": pa.array(lines, pa.int32()),
                     **{f"c{i}": pa.array([r[i] for r in rows], pa.string()) for i in range(len(connector.header))}})
