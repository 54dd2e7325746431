"""Engagement-drop ("churn") risk of tracks and artists over the next 28 days (ml/churn.py), logged and
registered in MLflow."""

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

CHURN_MODEL = "engagement_drop_classifier"
CHURN_TABLE = """
    SELECT c.entity_type, c.entity_id, c.entity_name, CAST(c.as_of_date AS DATE) AS as_of_date,
           c.churn_probability, c.risk_band, c.top_reason, c.trend_7_28, c.trend_28_56, c.peak_excess,
           c.model_name, c.model_version, c.mlflow_run_id
    FROM {scores} AS c
    ORDER BY c.entity_type DESC, c.churn_probability DESC, c.entity_id"""


def _or(value: float, default: float) -> float:
    """A metric MLflow and Dagster can store: ``default`` when undefined (e.g. a single class held out)."""
    return float(value) if value == value else default  # NaN != NaN


@dg.asset(
    key=["ml", "churn_scores"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"])],
    description="Probability that each settled track and artist loses more than 25% of its streams over the next "
                "28 days (gradient boosting on momentum, peak and seasonal features, ml/churn.py), with a risk band "
                "and the main reason; AUC on held-out weeks vs a naive decline rule, logged in MLflow.",
)
def churn_scores(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    import json

    import numpy as np
    import pandas as pd

    from ml import churn as ch
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    entities = list(ch.build_entities(warehouse.frame(ch.DAILY_STREAMS), warehouse.frame(ch.TRACKS)))
    examples = ch.labelled_examples(entities)
    bt = ch.backtest(entities, examples)
    model, scores = ch.score_latest(entities, examples)
    estimator = model
    if estimator is None:  # a single class in a tiny catalogue: the naive rule scores; log a prior model
        from sklearn.dummy import DummyClassifier

        labels = examples["label"].to_numpy() if len(examples) else np.zeros(1, dtype=int)
        frame = examples[ch.FEATURES].astype(float) if len(examples) else pd.DataFrame(
            np.zeros((1, len(ch.FEATURES))), columns=ch.FEATURES)
        estimator = DummyClassifier(strategy="prior").fit(frame, labels)
    example = (examples[ch.FEATURES].astype(float).head(5) if len(examples)
               else pd.DataFrame(np.zeros((1, len(ch.FEATURES))), columns=ch.FEATURES))
    auc = float(bt.auc)

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, "tunemantra-churn")
    logged = log_sklearn_model(
        estimator=estimator, model_name=CHURN_MODEL, input_example=example,
        params={"estimator": type(estimator).__name__, "horizon_days": ch.HORIZON, "drop_ratio": ch.DROP_RATIO,
                "settled_days": ch.SETTLED_DAYS, "holdout_weeks": ch.HOLDOUT_WEEKS, "features": ",".join(ch.FEATURES)},
        metrics={"auc_holdout": _or(auc, 0.5), "auc_loss_holdout": 1.0 - _or(auc, 0.5),
                 "auc_naive_rule": _or(bt.auc_baseline, 0.5), "auc_naive_7_28": _or(bt.auc_recent_decline, 0.5),
                 "holdout_rows": float(bt.holdout_rows), "train_rows": float(bt.train_rows),
                 "labelled_rows": float(len(examples)),
                 "positive_rate": float(examples["label"].mean()) if len(examples) else 0.0},
        lower_is_better="auc_loss_holdout",
        trusted_types=["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
        artifacts={"backtest.json": json.dumps({k: (str(v) if isinstance(v, pd.Timestamp) else v)
                                                for k, v in bt.__dict__.items()}, default=str),
                   "top_risks.csv": scores.head(50).to_csv(index=False)},
    )
    scores = logged.stamp(scores).assign(as_of_date=pd.to_datetime(scores["as_of_date"]))
    rows = warehouse.create_table_as("ml", "churn_scores", CHURN_TABLE, {"scores": scores})
    high = int((scores["risk_band"] == "high").sum())
    say(f"  churn: AUC {auc:.3f} on held-out weeks vs naive rule {bt.auc_baseline:.3f}; {rows} entities scored, "
        f"{high} high risk; MLflow run {logged.run_id[:8]}, {CHURN_MODEL} v{logged.version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, **logged.metadata(), "auc_holdout": _or(auc, 0.5),
        "auc_naive_rule": _or(bt.auc_baseline, 0.5),
        "high_risk": high,
    })
