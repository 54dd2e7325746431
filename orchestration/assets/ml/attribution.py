"""Marketing attribution: each marketing touch credited with incremental streams by six methods (ml/attribution.py),
logged and registered in MLflow."""

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

ATTRIBUTION_TABLE = """
    SELECT c.activity_id, c.activity_type, c.method, c.credited_streams, c.credited_share, c.spend,
           c.cost_per_incremental_stream, c.model_name, c.model_version, c.mlflow_run_id
    FROM {credits} AS c
    ORDER BY c.method, c.activity_id"""


@dg.asset(
    key=["ml", "marketing_attribution"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_marketing_touches"]), dg.AssetKey(["marts", "fct_usage_daily"]),
          dg.AssetKey(["marts", "dim_track"])],
    description="Incremental streams credited to each marketing touch by first touch, last touch, linear, time "
                "decay, position based and a data-driven response model (ml/attribution.py); spend in EUR and "
                "cost per incremental stream; logged and registered in MLflow.",
)
def marketing_attribution(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    import numpy as np
    import pandas as pd

    from ml import attribution as at
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    touches = warehouse.frame(at.TOUCHES)
    result = at.attribute(touches, warehouse.frame(at.TRACKS), warehouse.frame(at.SERIES),
                          warehouse.frame(at.ARTIST_CANDIDATES))
    table = at.attribution_table(result.credits, touches)
    per_track = result.per_track
    say(f"  attribution: {len(touches)} touches on {result.tracks_fitted} tracks, release spike "
        f"A={result.release[0]:.2f} tau={result.release[1]:.1f}d")

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-attribution")
    response = np.column_stack([np.zeros(len(per_track)), per_track["uplift"].to_numpy(float),
                                per_track["peak_days"].to_numpy(float),
                                np.ones(len(per_track))]) if len(per_track) else np.zeros((0, 4))
    estimator = at.TouchResponseModel().fit(response)
    example = pd.DataFrame({"days_since_effect_start": [0.0, 3.0, 7.0, 14.0, 30.0], "uplift": [0.1] * 5,
                            "peak_days": [7.0] * 5, "base_streams": [1000.0] * 5})
    data_driven = result.credits[at.DATA_DRIVEN]
    total = float(data_driven.sum())
    spend = float(touches["spend_eur"].fillna(0.0).sum()) if len(touches) else 0.0
    metrics = {"credited_incremental_streams": total, "touches": float(len(touches)),
               "tracks_fitted": float(result.tracks_fitted), "fit_cost_per_observation": result.fit_cost,
               "touches_with_credit": float((data_driven > 0.5).sum()), "spend_eur": spend}
    logged = log_sklearn_model(
        estimator=estimator, model_name=at.MODEL_NAME, input_example=example,
        params={"method": "per-track response model, Huber-Poisson least squares", "kernel": "u x e^(1-x)",
                "horizon_days": at.HORIZON_DAYS, "time_decay_half_life_days": at.TIME_DECAY_HALF_LIFE,
                "position_based": "40/20/40", "release_spike_a": round(result.release[0], 4),
                "release_spike_tau_days": round(result.release[1], 3)},
        metrics=metrics, lower_is_better="fit_cost_per_observation",
        trusted_types=["ml.attribution.TouchResponseModel"],
        artifacts={"credits_by_method.csv": result.credits.reset_index().to_csv(index=False),
                   "per_track_fits.csv": per_track.to_csv(index=False)},
    )
    table["model_name"] = at.MODEL_NAME
    table["model_version"] = logged.version
    table["mlflow_run_id"] = logged.run_id
    rows = warehouse.create_table_as("ml", "marketing_attribution", ATTRIBUTION_TABLE, {"credits": table})
    say(f"  attribution: {total:,.0f} incremental streams credited, MLflow run {logged.run_id[:8]}, "
        f"{at.MODEL_NAME} v{logged.version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows,
        "mlflow_run_id": logged.run_id,
        "model_uri": logged.model_uri,
        "model_version": logged.version,
        "is_champion": logged.is_champion,
        "credited_incremental_streams": total,
        "touches": len(touches),
        "tracks_fitted": result.tracks_fitted,
    })
