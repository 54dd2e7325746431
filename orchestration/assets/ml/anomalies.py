"""Stream anomalies: spikes, drops and missing days per track x platform x territory (ml/anomalies.py), written to
``ml.stream_anomalies`` and tracked in MLflow."""

import datetime as dt

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

ANOMALY_MODEL = "stream_anomaly_detector"
# {events}: the detector's rows (EVENT_COLUMNS + model_*), typed in the warehouse
ANOMALY_TABLE = """
    SELECT e.isrc, e.platform, e.territory, CAST(e.start_date AS DATE) AS start_date,
           CAST(e.end_date AS DATE) AS end_date, e.kind,
           CAST(e.observed_streams AS DOUBLE PRECISION) AS observed_streams,
           CAST(e.expected_streams AS DOUBLE PRECISION) AS expected_streams,
           CAST(e.score AS DOUBLE PRECISION) AS score,
           CAST(e.series_median AS DOUBLE PRECISION) AS series_median,
           e.model_name, e.model_version, e.mlflow_run_id, CAST(e.detected_at AS TIMESTAMP) AS detected_at
    FROM {events} AS e
    ORDER BY e.start_date, e.isrc, e.platform, e.territory, e.kind"""


@dg.asset(
    key=["ml", "stream_anomalies"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"])],
    description="Spikes, drops and missing days per track x platform x territory (ml/anomalies.py): each series "
                "against the same track's other platforms and territories, robust to release spikes, campaigns "
                "and whole-platform report gaps; self-checked on planted events, logged and registered in MLflow.",
)
def stream_anomalies(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    import dataclasses

    import pandas as pd

    from ml import anomalies as an
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    daily = warehouse.frame(an.DAILY_SQL)
    daily["usage_date"] = pd.to_datetime(daily["usage_date"])
    detector = an.StreamAnomalyDetector().fit(daily)
    params = detector.detector_params()
    events = an.detect(daily, params)
    medians = an.series_medians(daily)
    busy_series = int((medians >= an.BUSY_MEDIAN).sum())
    flagged = events[["isrc", "platform", "territory"]].drop_duplicates()
    check = an.planted_check(daily, params)
    say(f"  anomalies: {len(events)} events on {len(flagged)} of {len(medians)} series; planted-event recall "
        f"{check['planted_recall']:.2f}")

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-anomalies")
    counts = {f"events_{kind}": float((events["kind"] == kind).sum()) for kind in an.KINDS}
    busy_events = events[events["series_median"] >= an.BUSY_MEDIAN]
    metrics = {
        **counts,
        "events": float(len(events)),
        "events_busy_series": float(len(busy_events)),
        "series": float(len(medians)),
        "busy_series": float(busy_series),
        "share_series_flagged": float(len(flagged) / max(len(medians), 1)),
        **{k: float(v) for k, v in check.items() if v == v},  # NaN (nothing to plant on) is not logged
    }
    # the registry's yardstick: events planted into real busy series and missed (lower is better); a run with
    # nothing to plant on scores 1.0 so it never takes the champion alias from a checked version
    metrics.setdefault("planted_miss_rate", 1.0)
    example = daily.sort_values(["isrc", "platform", "territory", "usage_date"]).head(5).reset_index(drop=True)
    top = events.sort_values("score", ascending=False).head(500)
    logged = log_sklearn_model(
        estimator=detector, model_name=ANOMALY_MODEL, input_example=example,
        params={**{f.name: getattr(params, f.name) for f in dataclasses.fields(params)},
                "busy_median_streams": an.BUSY_MEDIAN, "control": "same track, other platforms/territories"},
        metrics=metrics, lower_is_better="planted_miss_rate",
        trusted_types=["ml.anomalies.StreamAnomalyDetector"],
        artifacts={"events_top500.csv": top.to_csv(index=False)},
    )
    events = logged.stamp(events)
    events["detected_at"] = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    rows = warehouse.create_table_as("ml", "stream_anomalies", ANOMALY_TABLE, {"events": events})
    say(f"  anomalies: {counts}, MLflow run {logged.run_id[:8]}, {ANOMALY_MODEL} v{logged.version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows,
        **logged.metadata(),
        "events_busy_series": len(busy_events),
        **{k: int(v) for k, v in counts.items()},
        "planted_recall": metrics.get("planted_recall", float("nan")),
    })
