"""The API's tables: every served table, its columns with JSON types, the reporting dimensions it can be filtered
by and the date column its range filter applies to, read from the serving layer itself when the API starts (a new
mart is served after a restart; a column is never described by hand here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any

import pydantic

# the reporting dimensions a caller filters by (equality, repeatable: ?platform_code=spotify&platform_code=deezer)
DIMENSIONS = ("platform_code", "platform_name", "service_type", "territory_code", "territory_name", "region",
              "distributor_name", "label_name", "sub_label_name", "artist_name", "release_title", "upc",
              "track_title", "isrc", "genre", "currency", "source_name", "usage_type", "period_label")
# the date column a table's range filter applies to: the first of these it has, else its first date column
TIME_COLUMNS = ("usage_date", "day", "date_day", "engagement_date", "event_date", "usage_month", "activity_month",
                "audience_month", "statement_period", "period_start", "month_start_date", "chart_week_ending",
                "played_date_local", "quarantined_date", "as_of_date")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
# a timestamp without a time zone (the warehouse's are UTC unless the column says local): ISO 8601 without an
# offset, which is not an RFC 3339 ``date-time``, so the spec must not call it one
NaiveTimestamp = Annotated[
    dt.datetime,
    pydantic.PlainSerializer(lambda v: v.isoformat(), return_type=str),
    pydantic.WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
                             "description": "ISO 8601 date and time without an offset"}),
]


@dataclasses.dataclass(frozen=True)
class ServedTable:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, database type)

    @property
    def labelled(self) -> bool:
        """Rows that belong to a label: a tenant reads this table, narrowed to its labels."""
        return any(c == "label_key" for c, _ in self.columns)

    @property
    def dimensions(self) -> tuple[str, ...]:
        names = {c for c, _ in self.columns}
        return tuple(d for d in DIMENSIONS if d in names)

    @property
    def time_column(self) -> str | None:
        dates = [c for c, t in self.columns if python_type(t) is dt.date]
        return next((c for c in TIME_COLUMNS if c in dates), dates[0] if dates else None)


def python_type(database_type: str) -> Any:
    t = database_type.upper()
    if t in ("DATE",):
        return dt.date
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return dt.datetime
    if t.startswith("TIMESTAMP"):
        return NaiveTimestamp
    if t in ("BOOLEAN", "BOOL"):
        return bool
    if t in ("TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT"):
        return int
    if t.startswith(("DECIMAL", "NUMERIC")) or t in ("DOUBLE", "FLOAT", "REAL", "DOUBLE PRECISION"):
        return float
    if t in ("VARCHAR", "TEXT", "CHARACTER VARYING", "UUID", "JSON", "JSONB") or t.startswith(("VARCHAR", "CHAR")):
        return str
    return Any  # lists and structs: passed through as JSON


def served_tables(tables: list[tuple[str, str, list[tuple[str, str]]]]) -> list[ServedTable]:
    out = [ServedTable(schema, name, tuple(columns)) for schema, name, columns in tables
           if _IDENT.match(name) and all(_IDENT.match(c) for c, _ in columns)]
    return sorted(out, key=lambda t: t.name)
