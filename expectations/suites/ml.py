"""Suites for the models' outputs (schema ``ml``): what a reader of a forecast or a score may take for granted.

The model tables are small (a row per track and horizon at most), so they are validated through GX's pandas path
on a frame read from whichever target the pipeline runs on. "A forecast for every active track" needs the marts
too: the frame of :data:`FORECAST_COVERAGE` holds one row per active catalogue track with the number of forecast
days it got, and the suite expects exactly the horizon for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.suites._build import columns_present, expect, make_suite, not_null

if TYPE_CHECKING:
    import great_expectations as gx

HORIZON_DAYS = 28
# an active track: a catalogue track with streams in the last 28 days of the fact and at least 28 days of history
# (the model needs four weeks of a track to forecast it: ml/forecast.py); its forecast rows, counted
FORECAST_COVERAGE = """
with last_day as (
    select max(usage_date) as last_date from marts.fct_usage_daily where is_catalogue_match
),
track_days as (
    select f.isrc, min(f.usage_date) as first_date, max(f.usage_date) as last_usage_date
    from marts.fct_usage_daily as f
    where f.is_catalogue_match and f.streams > 0
    group by f.isrc
),
active_tracks as (
    select t.isrc
    from track_days as t cross join last_day as d
    where t.last_usage_date > d.last_date - 28 and t.first_date <= d.last_date - 28
),
forecast_days as (
    select isrc, count(distinct forecast_date) as days from ml.track_stream_forecast group by isrc
)
select a.isrc, coalesce(f.days, 0) as forecast_days
from active_tracks as a left join forecast_days as f on a.isrc = f.isrc
"""


def forecast_suite(*, name: str = "ml.track_stream_forecast") -> gx.ExpectationSuite:
    """``ml.track_stream_forecast``: keys present, non-negative predictions, intervals ordered around the point."""
    return make_suite(name, [
        columns_present(["isrc", "forecast_date", "horizon_days", "predicted_streams", "predicted_streams_lower",
                         "predicted_streams_upper", "model_name", "model_version", "mlflow_run_id"]),
        *not_null(["isrc", "forecast_date", "horizon_days", "predicted_streams", "model_version"]),
        expect("ExpectColumnValuesToBeBetween", "horizon_in_range", column="horizon_days", min_value=1,
               max_value=HORIZON_DAYS),
        expect("ExpectColumnValuesToBeBetween", "lower_non_negative", column="predicted_streams_lower",
               min_value=0),
        expect("ExpectColumnPairValuesAToBeGreaterThanB", "point_not_below_lower", column_A="predicted_streams",
               column_B="predicted_streams_lower", or_equal=True),
        expect("ExpectColumnPairValuesAToBeGreaterThanB", "upper_not_below_point",
               column_A="predicted_streams_upper", column_B="predicted_streams", or_equal=True),
        expect("ExpectCompoundColumnsToBeUnique", "one_row_per_track_and_day",
               column_list=["isrc", "forecast_date"]),
    ], layer="ml")


def forecast_coverage_suite(*, name: str = "ml.track_stream_forecast__coverage") -> gx.ExpectationSuite:
    """Every active track has a forecast for each day of the horizon (the frame of ``FORECAST_COVERAGE``)."""
    return make_suite(name, [
        expect("ExpectTableRowCountToBeBetween", "some_track_is_active", min_value=1),
        expect("ExpectColumnValuesToBeBetween", "forecast_for_every_active_track", column="forecast_days",
               min_value=HORIZON_DAYS, max_value=HORIZON_DAYS),
    ], layer="ml")


def score_suite(name: str, keys: list[str], scores: dict[str, tuple[float | None, float | None]],
                required: list[str] | None = None) -> gx.ExpectationSuite:
    """A model's scores: keys and ``required`` columns not null, each score column within its range
    (None: open on that side). Used for anomalies, churn, segments, attribution, recommendations, insights."""
    expectations = [columns_present([*keys, *scores, *(required or [])]), *not_null([*keys, *(required or [])])]
    for column, (low, high) in scores.items():
        expectations.append(expect("ExpectColumnValuesToBeBetween", f"{column}_in_range", column=column,
                                   min_value=low, max_value=high))
    return make_suite(name, expectations, layer="ml")
