"""End to end: the recommendation assets (orchestration/assets/ml/recommendations.py) on the session's pipeline run
(12 tracks, 8 artists): collaboration suggestions never repeat a reported pair, platform priorities and release
timing cover the artists and labels with data, every row explains itself with a confidence in [0, 1], and each
model is logged in the "tunemantra-recommendations" experiment and registered with the champion alias."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ml import recommendations as rc

pytestmark = pytest.mark.slow

TABLES = {
    "collaboration_recommendations": rc.MODEL_COLLABORATION,
    "platform_priorities": rc.MODEL_PLATFORM,
    "release_timing": rc.MODEL_TIMING,
}


@pytest.fixture(scope="module")
def frames(pipeline_run) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    try:
        out = {t: con.execute(f"select * from ml.{t}").df() for t in TABLES}
        out["artists"] = con.execute("select artist_key from marts.dim_artist").df()
        out["overlap"] = con.execute(rc.OVERLAP_SQL).df()
        out["daily_artists"] = con.execute(
            "select distinct t.artist_key from marts.fct_usage_daily as u "
            "inner join marts.dim_track as t on t.track_key = u.track_key where u.is_catalogue_match").df()
        out["labels"] = con.execute(rc.RELEASES_SQL).df()
    finally:
        con.close()
    return out


def test_collaboration_suggestions_are_new_ranked_and_explained(frames) -> None:
    recs, artists = frames["collaboration_recommendations"], set(frames["artists"]["artist_key"])
    pairs = rc.pair_table(frames["overlap"])
    assert len(pairs) > 0  # the 8 artists' reported pairs reach the mart
    assert len(recs) > 0
    assert set(recs["artist_key"]) <= artists and set(recs["recommended_artist_key"]) <= artists
    reported = set(zip(pairs["a"], pairs["b"], strict=True)) | set(zip(pairs["b"], pairs["a"], strict=True))
    assert not any(p in reported for p in zip(recs["artist_key"], recs["recommended_artist_key"], strict=True))
    assert (recs["artist_key"] != recs["recommended_artist_key"]).all()
    for _, g in recs.groupby("artist_key"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1)) and len(g) <= rc.TOP_K
        assert g["score"].is_monotonic_decreasing
    assert recs["score"].between(0, 1).all() and recs["confidence"].between(0, 1).all()
    assert recs["explanation"].str.contains("smaller audience").all()


def test_platform_priorities_cover_the_artists_with_usage(frames) -> None:
    table = frames["platform_priorities"]
    assert set(table["artist_key"]) == set(frames["daily_artists"]["artist_key"])
    assert (table["platform_code"] != table["runner_up_platform_code"]).all()
    assert (table["revenue_growth_monthly"] >= table["runner_up_growth_monthly"]).all()
    assert table["confidence"].between(0.5, 1).all()
    assert table["platform_share"].between(0, 1).all() and (table["rate_per_1000_streams_eur"] > 0).all()
    assert all(e.startswith(p + ":") for e, p in zip(table["explanation"], table["platform_code"], strict=True))


def test_release_timing_covers_the_labels_with_measured_releases(frames) -> None:
    table = frames["release_timing"]
    assert set(table["label_key"]) == set(frames["labels"]["label_key"])
    assert set(table["best_weekday"]) <= set(rc.WEEKDAYS)
    assert table["confidence"].between(0, 1).all() and (table["weekday_uplift"] > 0).all()
    assert (table["weekday_releases"] <= table["releases"]).all()
    assert table["explanation"].str.contains("releases of").all()


def test_each_model_is_tracked_and_registered_as_champion(frames, pipeline_run) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-recommendations")
    assert experiment is not None
    for table_name, model_name in TABLES.items():
        table = frames[table_name]
        assert len(table) > 0, table_name
        assert set(table["model_name"]) == {model_name}
        run_ids = set(table["mlflow_run_id"])
        assert len(run_ids) == 1
        run = client.get_run(run_ids.pop())
        assert run.info.status == "FINISHED" and run.info.experiment_id == experiment.experiment_id
        champion = client.get_model_version_by_alias(model_name, "champion")
        assert str(champion.version) == str(table["model_version"].iloc[0]), table_name
    run = client.get_run(frames["collaboration_recommendations"]["mlflow_run_id"].iloc[0])
    assert "self_holdout_hit_rate_at_10" in run.data.metrics
