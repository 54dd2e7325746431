"""Models that read the marts and write their scores to the ``ml`` schema of the configured warehouse, tracked in
MLflow."""


import json

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

FORECAST_MODEL = "track_stream_forecast"
# the catalogue's tracks only: usage of an ISRC the catalogue does not hold (is_catalogue_match false) counts in the
# marts' totals, but it is nobody's track to forecast (no title, no label)
DAILY_STREAMS = """
    SELECT isrc, usage_date, CAST(sum(streams) AS DOUBLE PRECISION) AS streams
    FROM marts.fct_usage_daily WHERE is_catalogue_match GROUP BY isrc, usage_date"""
# {predictions}: the model's rows (isrc, forecast_date, horizon_days, predicted_*, model_*), joined in the warehouse
FORECAST_TABLE = """
    SELECT p.isrc, t.track_title, t.artist_name, t.label_key, p.forecast_date::DATE AS forecast_date,
           p.horizon_days::INTEGER AS horizon_days, p.predicted_streams, p.predicted_streams_lower,
           p.predicted_streams_upper, p.model_name, p.model_version, p.mlflow_run_id
    FROM {predictions} AS p LEFT JOIN marts.dim_track AS t USING (isrc)
    ORDER BY p.isrc, p.forecast_date"""


@dg.asset(
    key=["ml", "track_stream_forecast"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"])],
    description="28-day daily stream forecast per catalogue track with 90% intervals (ml/forecast.py); backtested "
                "against the seasonal-naive baseline, logged and registered in MLflow.",
)
def track_stream_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml import forecast as fc
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    daily = warehouse.frame(DAILY_STREAMS)
    series = fc.Series.from_frame(daily)
    say(f"  forecast: training on {len(series.isrcs)} tracks x {series.n_days} days")
    model, evaluation = fc.train_and_evaluate(series)
    predictions = fc.forecast(model, series)

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-forecasting")
    example = fc.design(series, series.n_days - 1).head(5)[fc.FEATURES]
    logged = log_sklearn_model(
        estimator=model.estimator, model_name=FORECAST_MODEL, input_example=example,
        params={"horizon_days": fc.HORIZON, "estimator": "HistGradientBoostingRegressor", "features": ",".join(
            fc.FEATURES), "tracks": len(series.isrcs), "history_days": series.n_days},
        metrics={"wape_holdout": evaluation.wape_model, "wape_seasonal_naive": evaluation.wape_seasonal_naive,
                 "interval_coverage_90": evaluation.interval_coverage,
                 "holdout_rows": float(evaluation.holdout_rows)},
        lower_is_better="wape_holdout",
        trusted_types=["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
        artifacts={"interval_offsets.json": json.dumps({"lower_log": model.lower_log.tolist(),
                                                        "upper_log": model.upper_log.tolist()})},
    )
    predictions["model_name"] = FORECAST_MODEL
    predictions["model_version"] = logged.version
    predictions["mlflow_run_id"] = logged.run_id
    rows = warehouse.create_table_as("ml", "track_stream_forecast", FORECAST_TABLE, {"predictions": predictions})
    say(f"  forecast: WAPE {evaluation.wape_model:.3f} vs seasonal-naive {evaluation.wape_seasonal_naive:.3f}, "
        f"MLflow run {logged.run_id[:8]}, {FORECAST_MODEL} v{logged.version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows,
        "mlflow_run_id": logged.run_id,
        "model_uri": logged.model_uri,
        "model_version": logged.version,
        "is_champion": logged.is_champion,
        "wape_holdout": evaluation.wape_model,
        "wape_seasonal_naive": evaluation.wape_seasonal_naive,
        "interval_coverage_90": evaluation.interval_coverage,
    })
