"""The forecast assets on the session's pipeline run (12 tracks): one 28-day forecast per track with 28 days of
streams, artist and label roll-ups that add up to it, and the model in MLflow with its champion alias."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest


def _query(path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_rollups_add_up_to_the_track_forecast(pipeline_run) -> None:
    path = pipeline_run.warehouse_path
    last_day = dt.date.fromisoformat(pipeline_run.manifest["totals"]["last_date"])
    (tracks, total), = _query(path, "select count(distinct isrc), sum(predicted_streams) from ml.track_stream_forecast")
    artists = {t["artist_id"] for t in pipeline_run.manifest["hidden"]["tracks"].values()}
    for table, key, most in (("artist_stream_forecast", "artist_key", len(artists)), ("label_stream_forecast",
                                                                                         "label_key", 9)):
        (groups, days, first, last, summed, members, bad), = _query(path, f"""
            select count(distinct {key}), count(distinct forecast_date), min(forecast_date), max(forecast_date),
                   sum(predicted_streams), sum(tracks) / 28,
                   count(*) filter (where not (predicted_streams_lower <= predicted_streams
                                               and predicted_streams <= predicted_streams_upper)
                                    or predicted_streams < 0 or model_version is null or mlflow_run_id is null)
            from ml.{table}""")
        assert 1 <= groups <= most
        assert (days, first, last) == (28, last_day + dt.timedelta(days=1), last_day + dt.timedelta(days=28))
        assert summed == pytest.approx(total, rel=1e-9)
        assert members == tracks and bad == 0
    (named,), = _query(path, "select count(*) from ml.artist_stream_forecast where artist_name is null")
    assert named == 0


def test_forecast_is_in_mlflow_with_its_backtest(pipeline_run) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-forecasting")
    assert experiment is not None
    champion = client.get_model_version_by_alias("track_stream_forecast", "champion")
    run = client.get_run(champion.run_id)
    assert run.info.experiment_id == experiment.experiment_id
    metrics = run.data.metrics
    for name in ("wape_holdout", "wape_seasonal_naive", "wape_older_90d", "wape_seasonal_naive_older_90d",
                 "interval_coverage_90", "wape_artist_rollup", "wape_label_rollup"):
        assert name in metrics
    assert 0 < metrics["wape_holdout"] < 1 and 0 < metrics["interval_coverage_90"] <= 1
    (versions,), = _query(pipeline_run.warehouse_path,
                          "select list(distinct model_version) from ml.track_stream_forecast")
    assert len(versions) == 1  # one fit behind every row, registered under the experiment
    assert client.get_run(client.get_model_version("track_stream_forecast", versions[0]).run_id
                          ).info.experiment_id == experiment.experiment_id
