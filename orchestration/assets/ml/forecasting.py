"""Models that read the marts and write their scores to the ``ml`` schema of the configured warehouse, tracked in
MLflow: the 28-day stream forecast per track and its artist and label roll-ups (one fit, three tables)."""


import json

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

FORECAST_MODEL = "track_stream_forecast"
# {predictions}: the model's rows (isrc, forecast_date, horizon_days, predicted_*, model_*), joined in the warehouse
FORECAST_TABLE = """
    SELECT p.isrc, t.track_title, t.artist_name, t.label_key, p.forecast_date::DATE AS forecast_date,
           p.horizon_days::INTEGER AS horizon_days, p.predicted_streams, p.predicted_streams_lower,
           p.predicted_streams_upper, p.model_name, p.model_version, p.mlflow_run_id
    FROM {predictions} AS p LEFT JOIN marts.dim_track AS t USING (isrc)
    ORDER BY p.isrc, p.forecast_date"""
ARTIST_TABLE = """
    SELECT p.artist_key, a.artist_name, a.label_key, p.forecast_date::DATE AS forecast_date,
           p.horizon_days::INTEGER AS horizon_days, p.tracks::INTEGER AS tracks, p.predicted_streams,
           p.predicted_streams_lower, p.predicted_streams_upper, p.model_name, p.model_version, p.mlflow_run_id
    FROM {predictions} AS p LEFT JOIN marts.dim_artist AS a USING (artist_key)
    ORDER BY p.artist_key, p.forecast_date"""
LABEL_TABLE = """
    SELECT p.label_key, l.label_name, p.forecast_date::DATE AS forecast_date, p.horizon_days::INTEGER AS horizon_days,
           p.tracks::INTEGER AS tracks, p.predicted_streams, p.predicted_streams_lower, p.predicted_streams_upper,
           p.model_name, p.model_version, p.mlflow_run_id
    FROM {predictions} AS p
    LEFT JOIN (SELECT DISTINCT label_key, label_name FROM marts.dim_label) AS l USING (label_key)
    ORDER BY p.label_key, p.forecast_date"""
BACKTEST_ORIGINS = 4

_DEPS = [dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"]),
         dg.AssetKey(["marts", "dim_artist"]), dg.AssetKey(["marts", "dim_label"])]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["ml", "track_stream_forecast"], group_name="ml", kinds={"scikitlearn", "mlflow", target_kind()},
                     deps=_DEPS[:2],
                     description="28-day daily stream forecast per catalogue track with 90% intervals "
                                 "(ml/forecast.py); rolling-origin backtest against the seasonal-naive baseline, "
                                 "logged and registered in MLflow."),
        dg.AssetSpec(["ml", "artist_stream_forecast"], group_name="ml", kinds={"scikitlearn", target_kind()},
                     deps=_DEPS,
                     description="The track forecasts summed per artist (marts.dim_track.artist_key) and day, "
                                 "with 90% intervals calibrated on the summed backtest residuals."),
        dg.AssetSpec(["ml", "label_stream_forecast"], group_name="ml", kinds={"scikitlearn", target_kind()},
                     deps=_DEPS,
                     description="The track forecasts summed per owning top-level label (label_key) and day, "
                                 "with 90% intervals calibrated on the summed backtest residuals."),
    ],
    can_subset=False,
)
def track_stream_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from ml import forecast as fc
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    series, groups, _ = fc.load(warehouse)
    say(f"  forecast: training on {len(series.isrcs)} tracks x {series.n_days} days")
    bt = fc.backtest(series, n_origins=BACKTEST_ORIGINS, groups=groups)
    model = fc.train_final(series, bt)
    predictions = fc.forecast(model, series)
    old, young, every = bt.scores(older=True), bt.scores(older=False), bt.scores()
    rollups = {name: fc.rollup_scores(bt, group) for name, group in groups.items()}
    metrics = {"wape_holdout": every["wape_model"], "wape_seasonal_naive": every["wape_seasonal_naive"],
               "wape_older_90d": old["wape_model"], "wape_seasonal_naive_older_90d": old["wape_seasonal_naive"],
               "wape_younger_90d": young["wape_model"],
               "wape_seasonal_naive_younger_90d": young["wape_seasonal_naive"],
               "interval_coverage_90": every["interval_coverage"], "holdout_rows": every["rows"],
               **{f"wape_{n}_rollup": r["wape_model"] for n, r in rollups.items()}}
    metrics = {k: float(v) for k, v in metrics.items() if v == v}  # NaN (no younger tracks): not logged

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-forecasting")
    example = fc.design(series, series.n_days - 1).head(5)[fc.FEATURES].astype(float)
    per_origin = bt.rows.groupby("origin").apply(
        lambda r: fc.wape(r["actual"], r["point"]), include_groups=False).to_dict()
    logged = log_sklearn_model(
        estimator=model.estimator, model_name=FORECAST_MODEL, input_example=example,
        params={"horizon_days": fc.HORIZON, "estimator": "HistGradientBoostingRegressor", "features": ",".join(
            fc.FEATURES), "tracks": len(series.isrcs), "history_days": series.n_days,
            "backtest_origins": len(bt.origins)},
        metrics=metrics,
        lower_is_better="wape_holdout",
        trusted_types=["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
        artifacts={"interval_offsets.json": json.dumps({"lower_log": model.lower_log.tolist(),
                                                        "upper_log": model.upper_log.tolist()}),
                   "backtest_wape_by_origin.json": json.dumps({str(k): v for k, v in per_origin.items()}),
                   "backtest_rows.csv": bt.rows.to_csv(index=False)},
    )
    rows = warehouse.create_table_as("ml", "track_stream_forecast", FORECAST_TABLE,
                                     {"predictions": logged.stamp(predictions.drop(columns="track"))})
    artist = fc.rollup_forecast(predictions, groups["artist"], "artist_key", bt.rollup_quantiles.get("artist"))
    label = fc.rollup_forecast(predictions, groups["label"], "label_key", bt.rollup_quantiles.get("label"))
    artist_rows = warehouse.create_table_as("ml", "artist_stream_forecast", ARTIST_TABLE,
                                            {"predictions": logged.stamp(artist)})
    label_rows = warehouse.create_table_as("ml", "label_stream_forecast", LABEL_TABLE,
                                           {"predictions": logged.stamp(label)})
    say(f"  forecast: WAPE {every['wape_model']:.3f} vs seasonal-naive {every['wape_seasonal_naive']:.3f} "
        f"(older than 90 days {old['wape_model']:.3f} vs {old['wape_seasonal_naive']:.3f}), "
        f"MLflow run {logged.run_id[:8]}, {FORECAST_MODEL} v{logged.version}")
    yield dg.MaterializeResult(asset_key=["ml", "track_stream_forecast"], metadata={
        "dagster/row_count": rows,
        **logged.metadata(),
        "wape_holdout": every["wape_model"],
        "wape_seasonal_naive": every["wape_seasonal_naive"],
        "wape_older_90d": old["wape_model"],
        "wape_seasonal_naive_older_90d": old["wape_seasonal_naive"],
        "interval_coverage_90": every["interval_coverage"],
    })
    for key, n, name in ((["ml", "artist_stream_forecast"], artist_rows, "artist"),
                         (["ml", "label_stream_forecast"], label_rows, "label")):
        yield dg.MaterializeResult(asset_key=key, metadata={
            "dagster/row_count": n, "mlflow_run_id": logged.run_id, "model_version": logged.version,
            f"wape_{name}_rollup": rollups[name]["wape_model"],
            f"wape_{name}_rollup_seasonal_naive": rollups[name]["wape_seasonal_naive"]})
