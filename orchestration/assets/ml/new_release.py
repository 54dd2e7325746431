"""New-release performance: first-28-day streams of each release predicted on its release day (ml/new_release.py),
backtested by time against the label's median release curve scaled by the artist's last release, tracked in
MLflow ("tunemantra-new-release")."""

import json

import dagster as dg
import numpy as np

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

NEW_RELEASE_MODEL = "new_release_first_28d"
NEW_RELEASE_TABLE = """
    SELECT release_key, release_title, release_date::DATE AS release_date, artist_key, artist_name, label_key,
           track_count::INTEGER AS track_count, predicted_first_28d_streams, predicted_first_28d_streams_lower,
           predicted_first_28d_streams_upper, predicted_first_7d_streams, baseline_first_28d_streams,
           days_observed::INTEGER AS days_observed, actual_first_28d_streams, streams_so_far,
           model_name, model_version, mlflow_run_id
    FROM {predictions}
    ORDER BY release_date, release_key"""


@dg.asset(
    key=["ml", "new_release_forecast"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"]),
          dg.AssetKey(["marts", "dim_release"]), dg.AssetKey(["marts", "fct_marketing_touches"])],
    description="First-28-day streams of every release out in the usage window (ml/new_release.py): ridge on log "
                "streams from catalogue features, the artist's history and release-day marketing; backtested by "
                "time against the label's median curve scaled by the artist's last release; in MLflow.",
)
def new_release_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml import new_release as nr
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    data, feats = nr.load(warehouse)
    observed = data.releases["observed"].to_numpy()
    say(f"  new releases: {len(data.releases)} releases, {int(observed.sum())} with their first 28 days observed")
    bt = nr.backtest(data, feats)
    scores = bt.scores()
    estimator = None
    quantiles = None
    if observed.sum() >= nr.MIN_TRAIN:
        estimator = nr.fit(feats[observed], data.releases.loc[observed, "first28"].to_numpy(float))
    if len(bt.rows) >= 3:
        residual = np.log1p(bt.rows["actual"]) - np.log1p(bt.rows["model"])
        quantiles = (float(np.quantile(residual, 0.1)), float(np.quantile(residual, 0.9)))
    table = nr.forecast_table(data, feats, estimator, quantiles)

    run_id, version, uri, champion = "", "baseline", "", False
    if estimator is not None:
        configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-new-release")
        metrics = {k: float(v) for k, v in scores.items() if v == v}
        logged = log_sklearn_model(
            estimator=estimator, model_name=NEW_RELEASE_MODEL, input_example=feats[nr.FEATURES].head(5),
            params={"estimator": "Ridge on log1p(first-28-day streams)", "features": ",".join(nr.FEATURES),
                    "releases_observed": int(observed.sum()), "releases": len(data.releases)},
            # no backtest on a tiny catalogue: the metric the champion alias compares is then infinite
            metrics={**metrics, "wape_model_selection": metrics.get("wape_model", float("inf"))},
            lower_is_better="wape_model_selection",
            artifacts={"backtest.csv": bt.rows.to_csv(index=False),
                       "interval_log_quantiles.json": json.dumps(
                           None if quantiles is None else {"q10": quantiles[0], "q90": quantiles[1]}),
                       "label_median_curve.json": json.dumps(nr.median_curve(data).tolist())},
        )
        run_id, version, uri, champion = logged.run_id, logged.version, logged.model_uri, logged.is_champion
    table = table.assign(model_name=NEW_RELEASE_MODEL if estimator is not None else "label_curve_baseline",
                         model_version=version, mlflow_run_id=run_id)
    rows = warehouse.create_table_as("ml", "new_release_forecast", NEW_RELEASE_TABLE, {"predictions": table})
    say(f"  new releases: WAPE {scores['wape_model']:.3f} vs label-curve baseline {scores['wape_baseline']:.3f} "
        f"on {int(scores['releases'])} held-out releases, {rows} rows")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, "mlflow_run_id": run_id, "model_uri": uri, "model_version": version,
        "is_champion": champion, **{k: float(v) for k, v in scores.items() if v == v}})
