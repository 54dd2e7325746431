"""Readers turn one delivered file into text cells with the line each came from.

The landing contract (ingestion/contract.py) casts, validates, quarantines and lands what a reader
returns; a reader only knows a layout. ``read_delimited`` serves every CSV/TSV-like report; formats that
are not one-record-per-line tables (DDEX DSR blocks, JSON pages) bring their own reader with the same
result type.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
    (a DSR FOOT, a summary record), the reason it is incomplete: then the whole batch is refused."""

    line_numbers: list[int]
    columns: list[list[str]]
    rejects: list[Reject] = dataclasses.field(default_factory=list)
    incomplete: str | None = None

    @property
    def rows_read(self) -> int:
        return len(self.line_numbers) + len(self.rejects)


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


def read_delimited(path: Path, connector: Connector) -> ReadResult:
    """Python's csv module: exact physical line numbers (``reader.line_num``), quoted cells, blank lines."""
    n_cells = len(connector.header)
    lines: list[int] = []
    columns: list[list[str]] = [[] for _ in range(n_cells)]
    rejects: list[Reject] = []
    with path.open(encoding=connector.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=connector.delimiter)
        check_header(next(reader, None), connector.header, path.name)
        for row in reader:
            if len(row) != n_cells:
                if not row:  # a blank line carries nothing
                    continue
                rejects.append(Reject(reader.line_num, "column_count",
                                      f"column_count: expected {n_cells} cells, got {len(row)}",
                                      join_cells(row, connector.delimiter)))
                continue
            lines.append(reader.line_num)
            for i, value in enumerate(row):
                columns[i].append(value)
    return ReadResult(lines, columns, rejects)
