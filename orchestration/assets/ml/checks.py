"""Great Expectations on the models' outputs, as blocking asset checks next to the ml assets: a forecast for every
active track with ordered intervals, every score within its range. A failed check stops what reads the output
(the ml-output marts, the alerts, the serving copy) like any other quality gate."""


from typing import Any

import dagster as dg

from orchestration.assets.quality import check_result
from orchestration.warehouses import WarehouseResource

# table -> (key columns, {score column: (min, max)}, other required columns); None: open on that side
SCORE_TABLES: dict[str, tuple[list[str], dict[str, tuple[float | None, float | None]], list[str]]] = {
    "stream_anomalies": (["isrc", "platform", "territory", "start_date", "end_date", "kind"],
                         {"score": (0.0, 1.0), "observed_streams": (0.0, None), "expected_streams": (0.0, None)},
                         ["model_version"]),
    "churn_scores": (["entity_type", "entity_id", "as_of_date"], {"churn_probability": (0.0, 1.0)},
                     ["model_version"]),
    "track_segments": (["isrc", "segment"], {}, ["segment_name", "model_version"]),
    "marketing_attribution": (["activity_id", "method"], {"credited_streams": (0.0, None)}, ["model_version"]),
    "collaboration_recommendations": (["artist_key", "recommended_artist_key", "rank"],
                                      {"confidence": (0.0, 1.0), "rank": (1, 10)}, ["explanation"]),
    "new_release_forecast": (["release_key", "release_date"],
                             {"predicted_first_28d_streams": (0.0, None),
                              "predicted_first_28d_streams_lower": (0.0, None)}, ["model_version"]),
    "insights": (["insight_id", "insight_type"], {"priority": (0.0, 1.0), "confidence": (0.0, 1.0),
                                                  "urgency": (0.0, 1.0)}, ["headline", "narrative"]),
}


def _frame_outcome(warehouse: WarehouseResource, sql: str, described: str, suite: Any) -> Any:
    from expectations.runner import validate_frame

    frame = warehouse.frame(sql)
    return validate_frame(frame, described, suite)


@dg.asset_check(asset=dg.AssetKey(["ml", "track_stream_forecast"]), name="gx_forecast_suite", blocking=True,
                description="Great Expectations: a 28-day forecast for every active track, intervals ordered "
                            "(lower <= point <= upper), no negative streams, one row per track and day.")
def track_stream_forecast_gx(context: dg.AssetCheckExecutionContext,
                             warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from expectations.suites.ml import FORECAST_COVERAGE, forecast_coverage_suite, forecast_suite

    table = _frame_outcome(warehouse, "select * from ml.track_stream_forecast", "ml.track_stream_forecast",
                           forecast_suite())
    coverage = _frame_outcome(warehouse, FORECAST_COVERAGE, "ml.track_stream_forecast (active tracks)",
                              forecast_coverage_suite())
    # one result for the asset: the coverage's failures are reported with the table's
    result = check_result(context, warehouse, "ml.track_stream_forecast", table)
    covered = check_result(context, warehouse, "ml.track_stream_forecast (active tracks)", coverage)
    if covered.passed:
        return result
    return covered


def score_check(table: str) -> dg.AssetChecksDefinition:
    """The blocking GX check of one score table of ``SCORE_TABLES``."""
    keys, scores, required = SCORE_TABLES[table]

    @dg.asset_check(asset=dg.AssetKey(["ml", table]), name="gx_score_suite", blocking=True,
                    description=f"Great Expectations: ml.{table} keys present, scores within their ranges.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from expectations.suites.ml import score_suite

        outcome = _frame_outcome(warehouse, f"select * from ml.{table}", f"ml.{table}",
                                 score_suite(f"ml.{table}", keys, scores, required))
        return check_result(context, warehouse, f"ml.{table}", outcome)

    _check.__name__ = f"{table}_gx"
    return _check
