"""Suites for the raw layer: platform usage reports and the catalogue, as landed by ingestion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from expectations.suites._build import (
    DEFAULT_CURRENCIES,
    LINEAGE_COLUMNS,
    WARNING,
    columns_present,
    expect,
    make_suite,
    not_null,
)

if TYPE_CHECKING:
    import great_expectations as gx

RAW_USAGE_TABLES: tuple[str, ...] = (
    "spotify__daily_streams",
    "apple_music__daily_streams",
    "deezer__daily_streams",
)

RAW_USAGE_COLUMNS: tuple[str, ...] = (
    "report_date",
    "territory_code",
    "isrc",
    "track_title",
    "artist_name",
    "streams",
    "revenue",
    "currency",
    *LINEAGE_COLUMNS,
)

RAW_CATALOGUE_COLUMNS: tuple[str, ...] = (
    "isrc",
    "track_title",
    "artist_name",
    "release_title",
    "upc",
    "release_date",
    "label_name",
    "genre",
    "duration_seconds",
    *LINEAGE_COLUMNS,
)

# A well-formed ISRC as platforms deliver it: optional leading "ISRC" (any case), optional hyphens or
# spaces between the elements, any case; then 2 letters (country), 3 letters/digits (registrant),
# 2 digits (year), 5 digits (designation). Accepts exactly the values ingestion.identifiers.normalize_isrc
# turns into a valid 12-character code, when separators sit between elements. Written with explicit
# classes (no \d, no (?i)) and anchored, so it means the same in DuckDB (RE2) and PostgreSQL, whose `~`
# operators both search (hence the anchors).
ISRC_DELIVERED_REGEX = (
    r"^ *([Ii][Ss][Rr][Cc][- ]*)?"
    r"[A-Za-z]{2}[- ]*[A-Za-z0-9]{3}[- ]*[0-9]{2}[- ]*[0-9]{5} *$"
)

UPC_REGEX = r"^[0-9]{12,14}$"

MAX_PLAUSIBLE_DAILY_STREAMS = 1_000_000_000


def _any_case(codes: Iterable[str]) -> list[str]:
    """Raw keeps a currency's case as delivered (staging upper-cases it): accept EUR, eur and Eur."""
    return sorted({variant for code in codes for variant in (code.upper(), code.lower(), code.title())})


def raw_usage_suite(
    expected_row_count: int,
    *,
    currencies: Iterable[str] = DEFAULT_CURRENCIES,
    max_plausible_streams: int = MAX_PLAUSIBLE_DAILY_STREAMS,
    name: str = "raw_usage",
) -> gx.ExpectationSuite:
    """Contract of ``raw.<platform>__daily_streams``.

    ``expected_row_count`` is the sum of the rows landed for this table according to the ingestion
    ledger; a difference means rows were lost or added outside the landing contract (an error).
    Errors: missing columns, nulls in the
    identifying columns, a malformed ISRC, negative streams or revenue, an unknown currency (any case:
    raw keeps codes as delivered). Streams above ``max_plausible_streams`` a day are a warning.
    """
    return make_suite(
        name,
        [
            columns_present(RAW_USAGE_COLUMNS),
            *not_null(["report_date", "isrc", "territory_code", "streams", "_file_name", "_line_number"]),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "isrc_well_formed",
                column="isrc",
                regex=ISRC_DELIVERED_REGEX,
            ),
            expect("ExpectColumnValuesToBeBetween", "streams_non_negative", column="streams", min_value=0),
            expect(
                "ExpectColumnValuesToBeBetween",
                "streams_plausible",
                WARNING,
                column="streams",
                max_value=max_plausible_streams,
            ),
            expect("ExpectColumnValuesToBeBetween", "revenue_non_negative", column="revenue", min_value=0),
            expect(
                "ExpectColumnValuesToBeInSet",
                "currency_known",
                column="currency",
                value_set=_any_case(currencies),
            ),
            expect(
                "ExpectTableRowCountToEqual",
                "row_count_matches_ledger",
                value=int(expected_row_count),
            ),
        ],
        layer="raw",
    )


def raw_catalogue_suite(expected_row_count: int, *, name: str = "raw_catalogue") -> gx.ExpectationSuite:
    """Contract of ``raw.catalogue__tracks``: one row per ISRC, UPCs of 12–14 digits."""
    return make_suite(
        name,
        [
            columns_present(RAW_CATALOGUE_COLUMNS),
            *not_null(["isrc"]),
            # one row per ISRC in each export (a later dated export may repeat the catalogue)
            expect("ExpectCompoundColumnsToBeUnique", "isrc_unique", column_list=["isrc", "_batch_id"]),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "isrc_well_formed",
                column="isrc",
                regex=ISRC_DELIVERED_REGEX,
            ),
            expect("ExpectColumnValuesToMatchRegex", "upc_digits", column="upc", regex=UPC_REGEX),
            expect(
                "ExpectTableRowCountToEqual",
                "row_count_matches_ledger",
                value=int(expected_row_count),
            ),
        ],
        layer="raw",
    )


def raw_contract_suite(
    table: str, columns: Iterable[str], required: Iterable[str], expected_row_count: int
) -> gx.ExpectationSuite:
    """The landing contract of any raw table, derived from its connector's declaration: every declared
    column and the lineage columns exist, required columns are never null, and the table holds exactly
    the rows the ledger says were landed."""
    return make_suite(
        f"raw_contract__{table}",
        [
            columns_present([*columns, *LINEAGE_COLUMNS]),
            *not_null([*required, "_file_name", "_line_number"]),
            expect("ExpectTableRowCountToEqual", "row_count_matches_ledger", value=int(expected_row_count)),
        ],
        layer="raw",
    )
