"""Recommendations (ml/recommendations.py): collaboration partners, the platform to prioritise per artist and the
release timing per label, each row with an explanation and a confidence, tracked in MLflow
("tunemantra-recommendations")."""

import time
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.progress import say
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind

if TYPE_CHECKING:
    import pandas as pd


EXPERIMENT = "tunemantra-recommendations"

COLLABORATION_TABLE = """
    SELECT r.artist_key, r.artist_name, r.recommended_artist_key, r.recommended_artist_name,
           CAST(r.rank AS INTEGER) AS rank, r.score, r.confidence, r.same_genre,
           CAST(r.shared_related_artists AS INTEGER) AS shared_related_artists, r.explanation,
           r.model_name, r.model_version, r.mlflow_run_id
    FROM {recs} AS r
    ORDER BY r.artist_key, r.rank"""
PLATFORM_TABLE = """
    SELECT p.artist_key, p.artist_name, p.platform_code, p.revenue_growth_monthly, p.runner_up_platform_code,
           p.runner_up_growth_monthly, p.rate_per_1000_streams_eur, p.platform_share, p.confidence, p.explanation,
           CAST(p.months_used AS INTEGER) AS months_used, p.model_name, p.model_version, p.mlflow_run_id
    FROM {priorities} AS p
    ORDER BY p.artist_key"""
TIMING_TABLE = """
    SELECT t.label_key, t.label_name, t.best_weekday, t.weekday_uplift, CAST(t.weekday_releases AS INTEGER)
           AS weekday_releases, CAST(t.releases AS INTEGER) AS releases, t.best_month, t.month_seasonality_index,
           t.confidence, t.explanation, t.model_name, t.model_version, t.mlflow_run_id
    FROM {timing} AS t
    ORDER BY t.label_key"""

_LOOKUP = ["ml.recommendations.LookupModel"]



@dg.asset(
    key=["ml", "collaboration_recommendations"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_artist_audience_overlap"]), dg.AssetKey(["marts", "dim_artist"]),
          dg.AssetKey(["marts", "dim_track"]), dg.AssetKey(["marts", "fct_usage_daily"])],
    description="Top-10 new collaboration partners per artist from latent tastes learned on the reported audience "
                "overlaps (ml/recommendations.py), with explanation and refit-stability confidence; self-holdout "
                "hit-rate@10 vs the popularity baseline logged in MLflow.",
)
def collaboration_recommendations(context: dg.AssetExecutionContext, warehouse: WarehouseResource
                                  ) -> dg.MaterializeResult:
    from ml import recommendations as rc
    from ml.tracking import configure, log_sklearn_model

    started = time.perf_counter()
    settings = get_settings()
    artists = rc.Artists.from_frames(warehouse.frame(rc.ARTIST_TRACKS_SQL), warehouse.frame(rc.ARTIST_STREAMS_SQL))
    pairs = rc.pair_table(warehouse.frame(rc.OVERLAP_SQL))
    say(f"  recommendations: {len(artists.keys)} artists, {len(pairs)} reported related pairs")
    recs, model = rc.recommend(artists, pairs)
    own = rc.self_holdout(artists, pairs)
    base = rc.self_holdout(artists, pairs, use_baseline=True)
    ratio = own["hit_rate"] / base["hit_rate"] if base["hit_rate"] > 0 else float("nan")

    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, EXPERIMENT)
    example = pairs.head(5).rename(columns={"a": "artist_key", "b": "related_artist_key"})[
        ["artist_key", "related_artist_key"]]
    assert model is not None
    logged = log_sklearn_model(
        estimator=model, model_name=rc.MODEL_COLLABORATION, input_example=example,
        params={"rank": model.rank, "reg": model.reg, "unobserved_weight": model.unobserved_weight,
                "top_k": rc.TOP_K, "artists": len(artists.keys), "reported_pairs": len(pairs)},
        metrics={"self_holdout_hit_rate_at_10": own["hit_rate"],
                 "self_holdout_miss_rate_at_10": 1.0 - own["hit_rate"],
                 "popularity_hit_rate_at_10": base["hit_rate"], "hit_rate_ratio_vs_popularity": ratio,
                 "training_rmse_logit": model.training_rmse_, "genre_coefficient": model.genre_coef_},
        lower_is_better="self_holdout_miss_rate_at_10",
        trusted_types=["ml.recommendations.AudienceTasteModel"],
        artifacts={"collaboration_recommendations.csv": recs.to_csv(index=False)},
    )
    rows = warehouse.create_table_as("ml", "collaboration_recommendations", COLLABORATION_TABLE,
                                     {"recs": logged.stamp(recs)})
    say(f"  recommendations: self-holdout hit-rate@10 {own['hit_rate']:.3f} vs popularity {base['hit_rate']:.3f}, "
        f"{rows} rows, {rc.MODEL_COLLABORATION} v{logged.version} ({time.perf_counter() - started:.1f}s)")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, **logged.metadata(),
        "self_holdout_hit_rate_at_10": own["hit_rate"], "popularity_hit_rate_at_10": base["hit_rate"],
    })


@dg.asset(
    key=["ml", "platform_priorities"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "fct_usage_daily"]), dg.AssetKey(["marts", "dim_track"]),
          dg.AssetKey(["marts", "dim_artist"])],
    description="Per artist, the platform to prioritise next (fastest revenue growth over the last three complete "
                "months) with explanation and confidence; backtested on the last months (ml/recommendations.py).",
)
def platform_priorities(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml import recommendations as rc
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    artists = rc.Artists.from_frames(warehouse.frame(rc.ARTIST_TRACKS_SQL), warehouse.frame(rc.ARTIST_STREAMS_SQL))
    daily = warehouse.frame(rc.ARTIST_PLATFORM_DAILY_SQL)
    priorities = rc.platform_priorities(daily, artists)
    backtest = rc.platform_backtest(daily)
    lookup = rc.LookupModel("artist_key", "platform_code")
    lookup.fit(priorities if len(priorities) else _empty_lookup("artist_key", "platform_code"))
    example = (priorities if len(priorities) else _empty_lookup("artist_key", "x"))[["artist_key"]].head(5)
    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, EXPERIMENT)
    logged = log_sklearn_model(
        estimator=lookup, model_name=rc.MODEL_PLATFORM, input_example=example,
        params={"window_months": 3, "score": "mean monthly revenue log growth"},
        metrics={"backtest_hit_share": backtest["hit_share"], "backtest_chance": backtest["chance"],
                 "backtest_miss_share": 1.0 - backtest["hit_share"], "backtest_decisions": backtest["decisions"],
                 "artists": float(len(priorities))},
        lower_is_better="backtest_miss_share", trusted_types=_LOOKUP,
        artifacts={"platform_priorities.csv": priorities.to_csv(index=False)},
    )
    rows = warehouse.create_table_as("ml", "platform_priorities", PLATFORM_TABLE,
                                     {"priorities": logged.stamp(priorities)})
    say(f"  platform priorities: {rows} artists, backtest {backtest['hit_share']:.2f} vs chance "
        f"{backtest['chance']:.2f}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, "mlflow_run_id": logged.run_id, "model_version": logged.version,
        "backtest_hit_share": backtest["hit_share"], "backtest_chance": backtest["chance"],
    })


@dg.asset(
    key=["ml", "release_timing"],
    group_name="ml",
    kinds={"scikitlearn", "mlflow", target_kind()},
    deps=[dg.AssetKey(["marts", "rpt_release_performance"]), dg.AssetKey(["marts", "rpt_trend_seasonality"])],
    description="Per label, the release weekday with the best first-28-day performance against the label's typical "
                "release (shrunk by release count) and its strongest streaming month, with explanation and "
                "confidence (ml/recommendations.py).",
)
def release_timing(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from ml import recommendations as rc
    from ml.tracking import configure, log_sklearn_model

    settings = get_settings()
    releases = warehouse.frame(rc.RELEASES_SQL)
    seasonality = warehouse.frame(rc.SEASONALITY_SQL)
    timing = rc.release_timing(releases, seasonality)
    backtest = rc.timing_backtest(releases)
    lookup = rc.LookupModel("label_key", "best_weekday")
    lookup.fit(timing if len(timing) else _empty_lookup("label_key", "best_weekday"))
    example = (timing if len(timing) else _empty_lookup("label_key", "x"))[["label_key"]].head(5)
    configure(settings.mlflow_tracking_uri, settings.mlflow_artifact_root, EXPERIMENT)
    uplift = backtest["uplift_log"]
    logged = log_sklearn_model(
        estimator=lookup, model_name=rc.MODEL_TIMING, input_example=example,
        params={"prior_releases": 3.0, "metric": "log index vs label median, first 28 days"},
        metrics={"backtest_uplift_log": uplift, "backtest_negative_uplift_log": -uplift,
                 "backtest_test_releases": backtest["test_releases"], "labels": float(len(timing))},
        lower_is_better="backtest_negative_uplift_log", trusted_types=_LOOKUP,
        artifacts={"release_timing.csv": timing.to_csv(index=False)},
    )
    rows = warehouse.create_table_as("ml", "release_timing", TIMING_TABLE, {"timing": logged.stamp(timing)})
    say(f"  release timing: {rows} labels, backtest log uplift {uplift:.3f}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, "mlflow_run_id": logged.run_id, "model_version": logged.version,
        "backtest_uplift_log": uplift,
    })


def _empty_lookup(key: str, value: str) -> "pd.DataFrame":
    """A one-row placeholder when nothing was scored (a tiny run): the lookup model still needs a signature."""
    import pandas as pd

    return pd.DataFrame({key: ["none"], value: [""]})


RECOMMENDATION_ASSETS = [collaboration_recommendations, platform_priorities, release_timing]
