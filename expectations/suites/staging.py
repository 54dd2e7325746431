"""Suites for the staging layer: the usage reports after renaming, casting and normalising (dbt staging views).

Raw suites check what a platform delivered as delivered; staging suites check it against what the warehouse
knows: one row per delivered line, codes the reference data holds (platforms, territories, currencies) and
recordings the catalogue holds. They are validated one partition at a time: the batches landed since the suite
last passed (orchestration/assets/staging.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from expectations.suites._build import WARNING, columns_present, expect, make_suite, not_null

if TYPE_CHECKING:
    import great_expectations as gx

STAGING_USAGE_COLUMNS: tuple[str, ...] = (
    "platform_code", "territory_code", "isrc", "currency", "batch_id", "line_number",
)
# Below this share of lines whose ISRC the catalogue holds, a batch is flagged (a warning: unmatched usage is
# kept and queued for matching, never dropped; a sudden jump says a platform reports someone else's catalogue).
CATALOGUE_MATCH_MOSTLY = 0.9


def staging_usage_suite(
    table: str,
    *,
    date_column: str,
    units_column: str,
    platform_codes: Iterable[str],
    territory_codes: Iterable[str],
    currencies: Iterable[str],
    catalogue_isrcs: Iterable[str],
) -> gx.ExpectationSuite:
    """Contract of a staged usage report ``staging.<table>``.

    Errors: a delivered line twice in a batch (``batch_id``, ``line_number`` unique), a missing key, negative
    units, a platform, territory or currency the reference data does not hold (referential integrity with the
    ``platforms`` and ``territories`` seeds and the currencies the FX table converts). A warning: fewer than
    ``CATALOGUE_MATCH_MOSTLY`` of the lines name a recording the catalogue holds.
    """
    return make_suite(
        f"staging__{table}",
        [
            columns_present([*STAGING_USAGE_COLUMNS, date_column, units_column]),
            *not_null([date_column, "platform_code", "territory_code", "isrc", "batch_id", "line_number"]),
            expect("ExpectCompoundColumnsToBeUnique", "one_row_per_delivered_line",
                   column_list=["batch_id", "line_number"]),
            expect("ExpectColumnValuesToBeBetween", "units_non_negative", column=units_column, min_value=0),
            expect("ExpectColumnValuesToBeInSet", "platform_known", column="platform_code",
                   value_set=sorted(set(platform_codes))),
            expect("ExpectColumnValuesToBeInSet", "territory_known", column="territory_code",
                   value_set=sorted(set(territory_codes))),
            expect("ExpectColumnValuesToBeInSet", "currency_known", column="currency",
                   value_set=sorted(set(currencies))),
            expect("ExpectColumnValuesToBeInSet", "isrc_in_catalogue", WARNING, column="isrc",
                   value_set=sorted(set(catalogue_isrcs)), mostly=CATALOGUE_MATCH_MOSTLY),
        ],
        layer="staging",
    )
