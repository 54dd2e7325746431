"""Suites for the marts: the daily usage fact and the performance overview report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from expectations.suites._build import WARNING, columns_present, expect, make_suite, not_null

if TYPE_CHECKING:
    import great_expectations as gx

FCT_USAGE_DAILY_COLUMNS: tuple[str, ...] = (
    "usage_date",
    "track_key",
    "platform_key",
    "territory_key",
    "label_key",
    "isrc",
    "streams",
    "revenue",
    "currency",
    "revenue_eur",
)
# The grain of the fact: one row per day, track, platform and territory; these keys are never null.
# label_key is not among them: usage of an ISRC missing from the catalogue keeps a null label_key
# (is_catalogue_match = false), by design of the dbt model and its unit test.
FCT_USAGE_DAILY_GRAIN: tuple[str, ...] = ("usage_date", "track_key", "platform_key", "territory_key")
FCT_USAGE_DAILY_KEYS: tuple[str, ...] = FCT_USAGE_DAILY_GRAIN

PERFORMANCE_OVERVIEW_COLUMNS: tuple[str, ...] = (
    "usage_date",
    "platform_code",
    "platform_name",
    "territory_code",
    "territory_name",
    "region",
    "label_name",
    "artist_name",
    "isrc",
    "track_title",
    "release_title",
    "streams",
    "revenue_eur",
)


def _streams_reconcile(expected_total_streams: int) -> Any:
    """The sum of streams equals the raw layer's exactly (min = max: no tolerance)."""
    total = int(expected_total_streams)
    return expect(
        "ExpectColumnSumToBeBetween",
        "streams_reconcile_to_raw",
        column="streams",
        min_value=total,
        max_value=total,
    )


def fct_usage_daily_suite(
    expected_total_streams: int, expected_row_count: int | None = None, *, name: str = "fct_usage_daily"
) -> gx.ExpectationSuite:
    """Contract of ``marts.fct_usage_daily``.

    ``expected_total_streams`` is the sum of streams in the raw usage tables (after de-duplication
    of re-deliveries) for the same scope; ``expected_row_count``, when given, is checked as a warning.

    The uniqueness of the grain is not here: dbt's ``unique_combination`` test on the same columns runs in the
    same build (a blocking check of the model), and GX's compound-uniqueness expectation joins the table with its
    grouped self twice (19 s of a 23 s validation at 10^7 rows, `make bench`) to say the same.
    """
    expectations = [
        columns_present(FCT_USAGE_DAILY_COLUMNS),
        *not_null(FCT_USAGE_DAILY_KEYS),
        expect("ExpectColumnValuesToBeBetween", "streams_non_negative", column="streams", min_value=0),
        _streams_reconcile(expected_total_streams),
        expect(
            "ExpectColumnValuesToBeBetween", "revenue_eur_non_negative", column="revenue_eur", min_value=0
        ),
    ]
    if expected_row_count is not None:
        expectations.append(
            expect("ExpectTableRowCountToEqual", "row_count_expected", WARNING, value=int(expected_row_count))
        )
    return make_suite(name, expectations, layer="marts")


def performance_overview_suite(
    expected_total_streams: int, *, name: str = "rpt_performance_overview"
) -> gx.ExpectationSuite:
    """Contract of ``marts.rpt_performance_overview`` (the table Superset's dashboards read)."""
    return make_suite(
        name,
        [
            columns_present(PERFORMANCE_OVERVIEW_COLUMNS),
            *not_null(
                ["usage_date", "platform_code", "platform_name", "territory_code", "territory_name", "isrc"]
            ),
            expect("ExpectColumnValuesToBeBetween", "streams_non_negative", column="streams", min_value=0),
            _streams_reconcile(expected_total_streams),
            expect(
                "ExpectColumnValuesToBeBetween", "revenue_eur_non_negative", column="revenue_eur", min_value=0
            ),
        ],
        layer="marts",
    )


# A platform's daily streams against its average of the seven days before: beyond these bounds a day is implausible
# (a duplicated or truncated delivery, a unit change) more often than it is real growth; a warning for a person.
GROWTH_BOUNDS: tuple[float, float] = (0.1, 10.0)


def daily_growth_suite(*, name: str = "fct_usage_daily__growth") -> gx.ExpectationSuite:
    """Plausibility of ``marts.fct_usage_daily`` over time, on its daily totals per platform (columns
    ``usage_date``, ``platform_key``, ``streams``, ``growth_vs_trailing_week``: NULL while a platform has fewer
    than seven earlier days). Warnings: a growth outside ``GROWTH_BOUNDS``; an error: a negative daily total."""
    low, high = GROWTH_BOUNDS
    return make_suite(
        name,
        [
            expect("ExpectColumnValuesToBeBetween", "daily_total_non_negative", column="streams", min_value=0),
            expect("ExpectColumnValuesToBeBetween", "growth_within_plausible_bounds", WARNING,
                   column="growth_vs_trailing_week", min_value=low, max_value=high),
        ],
        layer="marts",
    )
