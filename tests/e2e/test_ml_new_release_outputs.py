"""The new-release asset on the session's pipeline run: one row per release out in the usage window, first-28-day
streams observed where complete, and the model in MLflow ("tunemantra-new-release") with its champion alias."""

from __future__ import annotations

import datetime as dt

import duckdb


def test_one_row_per_release_in_the_window(pipeline_run) -> None:
    totals = pipeline_run.manifest["totals"]
    first, last = dt.date.fromisoformat(totals["first_date"]), dt.date.fromisoformat(totals["last_date"])
    con = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    try:
        expected = con.execute("select count(*) from marts.dim_release where release_date >= ?", [first]).fetchone()[0]
        rows = con.execute("""
            select release_key, release_date, days_observed, actual_first_28d_streams, predicted_first_28d_streams,
                   baseline_first_28d_streams, model_name, model_version
            from ml.new_release_forecast""").fetchall()
    finally:
        con.close()
    assert expected > 0 and len(rows) == expected == len({r[0] for r in rows})
    for _key, released, days, actual, predicted, baseline, model_name, version in rows:
        assert released >= first and days == min(28, (last - released).days + 1)
        assert (actual is not None) == (days == 28)
        assert predicted >= 0 and baseline >= 0 and model_name and version


def test_new_release_model_in_mlflow(pipeline_run) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-new-release")
    assert experiment is not None
    champion = client.get_model_version_by_alias("new_release_first_28d", "champion")
    assert client.get_run(champion.run_id).info.experiment_id == experiment.experiment_id
