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
    # The one-pass load (ingestion/contract.py) lets DuckDB's CSV reader parse this column itself as
    # ``native`` (with ``native_format`` as its date format) and then applies ``native_check`` to the typed
    # value. It must accept exactly what ``cast`` accepts, with the same value, or reject the record (the
    # file then takes the careful path, which uses ``cast``); tests/unit/test_landing_one_pass.py holds
    # both paths to that.
    native: str | None = None
    native_check: str = "{c}"
    native_format: str | None = None

    def typed(self, cell: str) -> str:
        return self.cast.format(c=cell)

    def typed_native(self, cell: str) -> str:
        return self.native_check.format(c=cell)

    def reason(self, cell: str, header: str) -> str:
        """A SQL expression giving the reason text for a cell that fails this field."""
        return (f"{_q(self.reason_code + ': column ' + repr(header) + ' value ')} || coalesce("
                f"'''' || {cell} || '''', 'empty') || {_q(' is not ' + self.describe)}")


def date(name: str, fmt: str) -> Field:
    return Field(name, "DATE", f"try_strptime(trim({{c}}), {_q(fmt)})::DATE", "invalid_date", f"a date ({fmt})",
                 native="DATE", native_format=fmt)


def integer(name: str, *, minimum: int = 0) -> Field:
    """Digits only: '1.5', '1e3' or '1_000' are not counts (a bare cast would round or accept them). The
    first branch settles the usual cell (plain digits) without trimming, with GLOB (a third cheaper than a
    regular expression on 1e8 cells); plain digits are never negative, so it tests the minimum only when
    that is above zero. Each branch casts once: the cast is a third of the cost (a test casts with try_cast,
    so that no order of evaluation can raise on a cell the other half of the test refuses)."""
    plain = "length({c}) BETWEEN 1 AND 18 AND NOT {c} GLOB '*[!0-9]*'" + \
        (f" AND try_cast({{c}} AS BIGINT) >= {minimum}" if minimum > 0 else "")
    return Field(name, "BIGINT",
                 f"CASE WHEN {plain} THEN {{c}}::BIGINT "
                 f"WHEN regexp_full_match(trim({{c}}), '-?[0-9]{{{{1,18}}}}') "
                 f"AND try_cast(trim({{c}}) AS BIGINT) >= {minimum} "
                 "THEN trim({c})::BIGINT END",
                 "invalid_integer", f"an integer >= {minimum}")


def decimal(name: str, *, decimal_separator: str = ".", scale: int = 6) -> Field:
    """Digits with at most ``scale`` decimals after ``decimal_separator``; an untrimmed cell settles first."""
    sep = "\\." if decimal_separator == "." else decimal_separator
    pattern = f"'-?[0-9]+({sep}[0-9]{{{{1,{scale}}}}})?'"

    def number(text: str) -> str:
        return text if decimal_separator == "." else f"replace({text}, {_q(decimal_separator)}, '.')"

    return Field(name, f"DECIMAL(18,{scale})",
                 f"CASE WHEN regexp_full_match({{c}}, {pattern}) THEN try_cast({number('{c}')} AS DECIMAL(18,{scale})) "
                 f"WHEN regexp_full_match(trim({{c}}), {pattern}) "
                 f"THEN try_cast({number('trim({c})')} AS DECIMAL(18,{scale})) END",
                 "invalid_decimal", f"a decimal number with at most {scale} decimals")


def isrc(name: str) -> Field:
    """Kept as delivered (staging normalises); valid when its normal form (upper case, a leading 'ISRC'
    dropped, hyphens and spaces removed) is a well-formed ISRC, as staging's ``normalize_isrc`` reads it (so
    'ISRC12345678' is a prefix and 8 characters, not IS-RC1-23-45678). Cheapest test first: the compact form; then
    one pattern allowing separators anywhere, for cells not starting with 'ISRC'; the normalisation itself
    only for those that do. The compact form is tested with GLOB, 12 fixed classes (less than half the cost
    of the same regular expression; both match ASCII only, so a multi-byte character fails either)."""
    separated = "[- ]*".join(["[A-Za-z]"] * 2 + ["[A-Za-z0-9]"] * 3 + ["[0-9]"] * 7)
    compact = "".join(["[A-Z]"] * 2 + ["[A-Z0-9]"] * 3 + ["[0-9]"] * 7)
    normal = "replace(replace(regexp_replace(upper(trim({c})), '^ISRC', ''), '-', ''), ' ', '')"
    return Field(name, "VARCHAR",
                 f"CASE WHEN {{c}} GLOB '{compact}' "
                 "AND NOT starts_with({c}, 'ISRC') THEN {c} "
                 f"WHEN regexp_full_match({{c}}, ' *[- ]*{separated}[- ]* *') "
                 "AND NOT regexp_matches({c}, '^ *[Ii][Ss][Rr][Cc]') THEN trim({c}) "
                 f"WHEN regexp_full_match({normal}, '[A-Z]{{{{2}}}}[A-Z0-9]{{{{3}}}}[0-9]{{{{7}}}}') "
                 "THEN trim({c}) END",
                 "invalid_isrc", "a well-formed ISRC")


def upc(name: str) -> Field:
    return Field(name, "VARCHAR", "CASE WHEN regexp_full_match(trim({c}), '[0-9]{{12,14}}') THEN trim({c}) END",
                 "invalid_upc", "a 12-14 digit UPC/EAN")


def code(name: str, length: int, what: str) -> Field:
    """A letter code such as an ISO 3166 territory (2) or ISO 4217 currency (3); case kept as delivered."""
    pattern = f"'[A-Za-z]{{{{{length}}}}}'"
    letters = "'" + "[A-Za-z]" * length + "'"  # the same test as GLOB, cheaper for the usual untrimmed cell
    return Field(name, "VARCHAR",
                 f"CASE WHEN {{c}} GLOB {letters} THEN {{c}} "
                 f"WHEN regexp_full_match(trim({{c}}), {pattern}) THEN trim({{c}}) END",
                 f"invalid_{what.split()[0].lower()}", what)


def text(name: str, *, required: bool = True) -> Field:
    # trimmed, but only when there is something to trim (trim copies every string)
    cast = "CASE WHEN {c} <> '' AND NOT starts_with({c}, ' ') AND NOT ends_with({c}, ' ') THEN {c} " \
           "ELSE nullif(trim({c}), '') END"
    return Field(name, "VARCHAR", cast, "missing_value", "a non-empty text", required=required)


def optional(field: Field) -> Field:
    """The same column, but an empty cell is allowed (NULL); a non-empty cell must still be valid."""
    return dataclasses.replace(field, required=False)


def one_of(name: str, values: tuple[str, ...]) -> Field:
    """A code from a closed list, compared and stored in lower case."""
    listed = ", ".join(_q(v.lower()) for v in values)
    return Field(name, "VARCHAR", f"CASE WHEN lower(trim({{c}})) IN ({listed}) THEN lower(trim({{c}})) END",
                 "invalid_value", "one of " + "|".join(values))


def signed_integer(name: str) -> Field:
    """Counts that corrections may make negative (refunds, spam removals)."""
    return integer(name, minimum=-(10**15))


def share(name: str) -> Field:
    """A proportion between 0 and 1 written as a decimal with at most 6 decimals."""
    text = "trim({c})"
    return Field(name, "DECIMAL(9,6)",
                 f"CASE WHEN regexp_full_match({text}, '(0|1)(\\.[0-9]{{{{1,6}}}})?') "
                 f"AND try_cast({text} AS DECIMAL(9,6)) <= 1 THEN try_cast({text} AS DECIMAL(9,6)) END",
                 "invalid_share", "a share between 0 and 1 (at most 6 decimals)")


def timestamp_utc(name: str) -> Field:
    """An ISO 8601 date-time with an explicit offset (``Z`` or ``±hh:mm``), stored as a UTC TIMESTAMP.
    A date-time without an offset is refused rather than read in the loader's local time zone."""
    has_offset = r"regexp_matches(trim({c}), '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$')"
    return Field(name, "TIMESTAMP",
                 f"CASE WHEN {has_offset} THEN timezone('UTC', try_cast(trim({{c}}) AS TIMESTAMPTZ)) END",
                 "invalid_timestamp", "an ISO 8601 date-time with a UTC offset")


def local_timestamp(name: str, fmt: str) -> Field:
    """A wall-clock date-time without offset (the offset travels in its own column, see :func:`utc_offset`)."""
    return Field(name, "TIMESTAMP", f"try_strptime(trim({{c}}), {_q(fmt)})", "invalid_timestamp",
                 f"a date-time ({fmt})")


def utc_offset(name: str) -> Field:
    """An offset from UTC as ``±hh:mm`` (-14:00 … +14:00), kept as text."""
    return Field(name, "VARCHAR",
                 "CASE WHEN regexp_full_match(trim({c}), '[+-](0[0-9]|1[0-4]):[0-5][0-9]') THEN trim({c}) END",
                 "invalid_offset", "a UTC offset (±hh:mm)")


def iswc(name: str) -> Field:
    """ISO 15707 ``T-ddd.ddd.ddd-C`` (dots and hyphens optional), kept as delivered; the check digit is the
    staging layer's to verify (shared/domain.md gives the rule)."""
    return Field(name, "VARCHAR",
                 "CASE WHEN regexp_full_match(upper(trim({c})), 'T-?[0-9]{{3}}\\.?[0-9]{{3}}\\.?[0-9]{{3}}-?[0-9]') "
                 "THEN trim({c}) END",
                 "invalid_iswc", "an ISWC (T-ddd.ddd.ddd-C)")
