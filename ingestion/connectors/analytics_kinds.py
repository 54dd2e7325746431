"""Column kinds the analytics connectors need beyond ingestion/fields.py, in the same shape (a SQL cast of the
delivered text ``{c}`` and the reason a cell fails). Kept here so that fields.py stays untouched; each can move
there as is.
"""

from __future__ import annotations

import dataclasses

from ingestion.fields import Field


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def local_timestamp(name: str, fmt: str) -> Field:
    """A wall-clock date-time without offset (the offset travels in its own column, see :func:`utc_offset`)."""
    return Field(name, "TIMESTAMP", f"try_strptime(trim({{c}}), {_quote(fmt)})", "invalid_timestamp",
                 f"a date-time ({fmt})")


def utc_offset(name: str) -> Field:
    """An offset from UTC as ``±hh:mm`` (-14:00 … +14:00), kept as text."""
    return Field(name, "VARCHAR",
                 "CASE WHEN regexp_full_match(trim({c}), '[+-](0[0-9]|1[0-4]):[0-5][0-9]') THEN trim({c}) END",
                 "invalid_offset", "a UTC offset (±hh:mm)")


def share(name: str) -> Field:
    """A proportion between 0 and 1 written as a decimal with at most 6 decimals."""
    text = "trim({c})"
    return Field(name, "DECIMAL(9,6)",
                 f"CASE WHEN regexp_full_match({text}, '(0|1)(\\.[0-9]{{{{1,6}}}})?') "
                 f"AND try_cast({text} AS DECIMAL(9,6)) <= 1 THEN try_cast({text} AS DECIMAL(9,6)) END",
                 "invalid_share", "a share between 0 and 1 (at most 6 decimals)")


def one_of(name: str, values: tuple[str, ...]) -> Field:
    """A value from a closed list, compared and stored in lower case."""
    listed = ", ".join(_quote(v.lower()) for v in values)
    return Field(name, "VARCHAR", f"CASE WHEN lower(trim({{c}})) IN ({listed}) THEN lower(trim({{c}})) END",
                 "invalid_value", "one of " + "|".join(values))


def optional(field: Field) -> Field:
    """The same column, but an empty cell is allowed (NULL); a non-empty cell must still be valid."""
    return dataclasses.replace(field, required=False)


PLATFORM_CODES = ("spotify", "apple_music", "deezer")
TERRITORY = "ISO 3166-1 alpha-2 territory"
