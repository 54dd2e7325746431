"""Column kinds a connector can declare, each with its SQL cast and its quarantine reason.

Connectors only say *what* a column is (a date in some format, an integer, an ISRC…). The landing
contract turns every declared column into one vectorised SQL expression over the delivered text, so
validation runs in the warehouse engine at millions of rows a second instead of row by row in Python.
"""

from __future__ import annotations

import dataclasses


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclasses.dataclass(frozen=True)
class Field:
    """One column of a raw table: ``cast`` turns the delivered text ``{c}`` into the typed value or NULL."""

    name: str
    sql_type: str
    cast: str
    reason_code: str
    describe: str
    required: bool = True

    def typed(self, cell: str) -> str:
        return self.cast.format(c=cell)

    def reason(self, cell: str, header: str) -> str:
        """A SQL expression giving the reason text for a cell that fails this field."""
        return (f"{_q(self.reason_code + ': column ' + repr(header) + ' value ')} || coalesce("
                f"'''' || {cell} || '''', 'empty') || {_q(' is not ' + self.describe)}")


def date(name: str, fmt: str) -> Field:
    return Field(name, "DATE", f"try_strptime(trim({{c}}), {_q(fmt)})::DATE", "invalid_date", f"a date ({fmt})")


def integer(name: str, *, minimum: int = 0) -> Field:
    return Field(name, "BIGINT",
                 f"CASE WHEN try_cast(trim({{c}}) AS BIGINT) >= {minimum} THEN try_cast(trim({{c}}) AS BIGINT) END",
                 "invalid_integer", f"an integer >= {minimum}")


def decimal(name: str, *, decimal_separator: str = ".", scale: int = 6) -> Field:
    text = "trim({c})" if decimal_separator == "." else f"replace(trim({{c}}), {_q(decimal_separator)}, '.')"
    check = f"regexp_full_match({text}, '-?[0-9]+(\\.[0-9]{{{{1,{scale}}}}})?')"
    return Field(name, f"DECIMAL(18,{scale})",
                 f"CASE WHEN {check} THEN try_cast({text} AS DECIMAL(18,{scale})) END",
                 "invalid_decimal", f"a decimal number with at most {scale} decimals")


def isrc(name: str) -> Field:
    """Kept as delivered (staging normalises); valid when its normal form is a well-formed ISRC."""
    normal = "replace(replace(regexp_replace(upper(trim({c})), '^ISRC', ''), '-', ''), ' ', '')"
    return Field(name, "VARCHAR",
                 f"CASE WHEN regexp_full_match({normal}, '[A-Z]{{{{2}}}}[A-Z0-9]{{{{3}}}}[0-9]{{{{7}}}}') "
                 "THEN trim({c}) END",
                 "invalid_isrc", "a well-formed ISRC")


def upc(name: str) -> Field:
    return Field(name, "VARCHAR", "CASE WHEN regexp_full_match(trim({c}), '[0-9]{{12,14}}') THEN trim({c}) END",
                 "invalid_upc", "a 12-14 digit UPC/EAN")


def code(name: str, length: int, what: str) -> Field:
    """A letter code such as an ISO 3166 territory (2) or ISO 4217 currency (3); case kept as delivered."""
    return Field(name, "VARCHAR",
                 f"CASE WHEN regexp_full_match(trim({{c}}), '[A-Za-z]{{{{{length}}}}}') THEN trim({{c}}) END",
                 f"invalid_{what.split()[0].lower()}", what)


def text(name: str, *, required: bool = True) -> Field:
    cast = "nullif(trim({c}), '')"
    return Field(name, "VARCHAR", cast, "missing_value", "a non-empty text", required=required)
