"""Column kinds the collected sources need beyond ingestion/fields.py (same shape: a SQL cast and a reason).

Kept here so the collectors' connectors do not touch the shared fields module; they can move there as is.
"""

from __future__ import annotations

import dataclasses

from ingestion.fields import Field, _q


def timestamp_utc(name: str) -> Field:
    """An ISO 8601 date-time with an explicit offset (``Z`` or ``±hh:mm``), stored as a UTC TIMESTAMP.
    A date-time without an offset is refused rather than read in the loader's local time zone."""
    has_offset = r"regexp_matches(trim({c}), '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$')"
    return Field(name, "TIMESTAMP",
                 f"CASE WHEN {has_offset} THEN timezone('UTC', try_cast(trim({{c}}) AS TIMESTAMPTZ)) END",
                 "invalid_timestamp", "an ISO 8601 date-time with a UTC offset")


def one_of(name: str, values: tuple[str, ...]) -> Field:
    """A code from a closed list, compared in lower case and stored in lower case."""
    listed = ", ".join(_q(v.lower()) for v in values)
    return Field(name, "VARCHAR", f"CASE WHEN lower(trim({{c}})) IN ({listed}) THEN lower(trim({{c}})) END",
                 "invalid_value", "one of " + "|".join(values))


def optional(field: Field) -> Field:
    """The same column, but an empty cell is allowed (NULL); a non-empty cell must still be valid."""
    return dataclasses.replace(field, required=False)
