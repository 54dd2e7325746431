"""Insights: trend breaks, anomalies, opportunities, risks and benchmark deviations over the marts and the other
models' outputs, ranked by impact x confidence x urgency, each with a narrative whose numbers are recomputable
from the marts (ml/insights.py); the ranking logged and registered in MLflow."""

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

MODEL_NAME = "insight_ranker"
INSIGHTS_TABLE = """
    SELECT i.insight_id, i.rank::INTEGER AS rank, i.insight_type, i.entity_type, i.entity_id, i.entity_name,
           i.isrc, i.artist_key, i.artist_name, i.label_key, i.label_id, i.label_name, i.platform, i.territory,
           i.period_start::DATE AS period_start, i.period_end::DATE AS period_end, i.impact_streams, i.impact,
           i.confidence, i.urgency, i.priority, i.headline, i.narrative, i.metrics_json, i.entity_url,
           i.model_name, i.model_version, i.mlflow_run_id
    FROM {insights} AS i
    ORDER BY i.priority DESC, i.rank"""


@dg.asset(
    key=["ml", "insights"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"]),
          dg.AssetKey(["marts", "dim_label"]), dg.AssetKey(["marts", "dim_platform"]),
          dg.AssetKey(["ml", "stream_anomalies"]), dg.AssetKey(["ml", "track_stream_forecast"]),
          dg.AssetKey(["ml", "churn_scores"])],
    description="Ranked insights (anomaly, trend_break, opportunity, risk, benchmark_deviation) with priority = "
                "impact x confidence x urgency, a plain-language narrative whose every number is recomputable "
                "from the marts (metrics_json), and a dashboard link per entity (ml/insights.py).",
)
def insights(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    import pandas as pd

    from ml import insights as ins
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    anomalies = ins.read_optional(warehouse, ins.ANOMALIES_TABLE)
    inputs = ins.load(warehouse, anomalies=anomalies, forecasts=ins.read_optional(warehouse, ins.FORECASTS_TABLE),
                      churn=ins.read_optional(warehouse, ins.CHURN_TABLE))
    if anomalies is None:  # the anomaly model's table is not there: run its detector on the same daily frame
        try:
            from ml import anomalies as an

            inputs.anomalies = an.detect(inputs.daily[["isrc", "platform", "territory", "usage_date", "streams"]])
        except Exception as exc:  # no anomaly model at all: the other insight types still stand
            context.log.warning(f"insights without anomalies: {exc!r}")
            inputs.anomalies = None
    frame = ins.generate(inputs)

    # self-check: every number a narrative prints is one of its metrics_json's quoted numbers
    unquoted = sum(len(ins.unquoted_numbers(row)) for row in frame.to_dict("records"))
    counts = frame["insight_type"].value_counts().to_dict() if len(frame) else {}
    metrics = {"insights": float(len(frame)), "unquoted_narrative_numbers": float(unquoted),
               "top_priority": float(frame["priority"].iloc[0]) if len(frame) else 0.0,
               **{f"insights_{kind}": float(counts.get(kind, 0)) for kind in ins.INSIGHT_TYPES}}

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-insights")
    example = (frame[ins.SCORE_FEATURES].head(5) if len(frame) else
               pd.DataFrame({"impact": [0.5], "confidence": [0.9], "urgency": [1.0]})).astype(float)
    ranker = ins.InsightRanker().fit(example)
    logged = log_sklearn_model(
        estimator=ranker, model_name=MODEL_NAME, input_example=example.reset_index(drop=True),
        params={"priority": "impact x confidence x urgency", "impact": "1 - min/max of observed and normal volume",
                "half_life_days": ins.HALF_LIFE_DAYS,
                "urgency_weights": ",".join(f"{k}={v}" for k, v in ins.URGENCY_WEIGHT.items()), "alpha": ins.ALPHA,
                "anomalies_from": "ml.stream_anomalies" if anomalies is not None else "ml.anomalies.detect"},
        metrics=metrics, lower_is_better="unquoted_narrative_numbers",
        trusted_types=["ml.insights.InsightRanker"],
        artifacts={"insights.csv": frame.to_csv(index=False)},
    )
    frame = logged.stamp(frame)
    rows = warehouse.create_table_as("ml", "insights", INSIGHTS_TABLE, {"insights": frame})
    top = frame.iloc[0]["headline"] if len(frame) else "none"
    say(f"  insights: {rows} ({', '.join(f'{k} {v}' for k, v in counts.items())}); top: {top}; MLflow run "
        f"{logged.run_id[:8]}, {MODEL_NAME} v{logged.version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows,
        **logged.metadata(),
        "top_insight": str(top),
        "unquoted_narrative_numbers": unquoted,
        **{f"insights_{kind}": int(counts.get(kind, 0)) for kind in ins.INSIGHT_TYPES},
    })
