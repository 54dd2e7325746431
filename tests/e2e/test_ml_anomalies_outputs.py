"""The anomaly asset on the session's pipeline run (12 tracks): ``ml.stream_anomalies`` holds well-formed events on
catalogue series that exist in the marts, the injected events on busy series among them, and MLflow holds the
detector with its champion alias."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

KINDS = {"spike", "drop", "missing"}


def _frame(path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_events_are_well_formed_series_of_the_marts(pipeline_run) -> None:
    path = pipeline_run.warehouse_path
    events = _frame(path, "select * from ml.stream_anomalies")
    assert list(events.columns) == ["isrc", "platform", "territory", "start_date", "end_date", "kind",
                                    "observed_streams", "expected_streams", "score", "series_median", "model_name",
                                    "model_version", "mlflow_run_id", "detected_at"]
    series = _frame(path, """select distinct isrc, platform_code as platform, territory_code as territory
                             from marts.fct_usage_daily where is_catalogue_match""")
    first, last = (dt.date.fromisoformat(pipeline_run.manifest["params"][k]) for k in ("start_date", "end_date"))
    if not events.empty:
        assert set(events["kind"]) <= KINDS
        assert len(events.merge(series, on=["isrc", "platform", "territory"])) == len(events)
        assert (pd.to_datetime(events["start_date"]).dt.date >= first).all()
        assert (pd.to_datetime(events["end_date"]).dt.date <= last).all()
        assert (events["start_date"] <= events["end_date"]).all()
        assert events["score"].between(0, 1).all() and (events["expected_streams"] >= 0).all()
        assert (events.loc[events["kind"] == "missing", "observed_streams"] == 0).all()
        spikes, drops = events[events["kind"] == "spike"], events[events["kind"] == "drop"]
        assert (spikes["observed_streams"] > spikes["expected_streams"]).all()
        assert (drops["observed_streams"] < drops["expected_streams"]).all()
        assert events["model_version"].notna().all() and events["mlflow_run_id"].nunique() == 1
    # few events: a 12-track catalogue has a handful of injected anomalies, not dozens of false alarms
    injected = pipeline_run.manifest["hidden"]["anomalies"]
    assert len(events) <= 3 * len(injected) + 5


def test_injected_events_on_busy_series_are_found(pipeline_run) -> None:
    path = pipeline_run.warehouse_path
    events = _frame(path, "select * from ml.stream_anomalies")
    medians = _frame(path, """
        select isrc, platform, territory, median(streams) as median
        from (select isrc, platform_code as platform, territory_code as territory, usage_date, sum(streams) as streams
              from marts.fct_usage_daily where is_catalogue_match group by all)
        group by all""").set_index(["isrc", "platform", "territory"])["median"]
    delivered = _frame(path, "select distinct platform_code as platform, usage_date from marts.fct_usage_daily")
    delivered = set(zip(delivered["platform"], pd.to_datetime(delivered["usage_date"]).dt.date, strict=True))
    for ev in pipeline_run.manifest["hidden"]["anomalies"]:
        key = (ev["isrc"], ev["platform"], ev["territory"])
        start, end = dt.date.fromisoformat(ev["start"]), dt.date.fromisoformat(ev["end"])
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        if medians.get(key, 0) < 50 or not any((ev["platform"], d) in delivered for d in days):
            continue  # the long tail, or an event inside a report the platform never delivered
        hits = events[(events["isrc"] == ev["isrc"]) & (events["platform"] == ev["platform"])
                      & (events["territory"] == ev["territory"]) & (events["kind"] == ev["kind"])
                      & (pd.to_datetime(events["start_date"]).dt.date <= end)
                      & (pd.to_datetime(events["end_date"]).dt.date >= start)]
        assert len(hits) >= 1, ev


def test_detector_is_in_mlflow_with_its_self_check(pipeline_run) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-anomalies")
    assert experiment is not None
    champion = client.get_model_version_by_alias("stream_anomaly_detector", "champion")
    run = client.get_run(champion.run_id)
    assert run.info.experiment_id == experiment.experiment_id
    metrics = run.data.metrics
    for name in ("events_spike", "events_drop", "events_missing", "share_series_flagged", "planted_miss_rate"):
        assert name in metrics
    assert 0 <= metrics["share_series_flagged"] <= 1 and 0 <= metrics["planted_miss_rate"] <= 1
    assert float(run.data.params["event_z"]) >= 5.0
    table = _frame(pipeline_run.warehouse_path, "select distinct model_version, mlflow_run_id from ml.stream_anomalies")
    assert len(table) <= 1  # one run wrote the table (it may hold no event on a 12-track catalogue)
    for version, run_id in table.itertuples(index=False):
        assert client.get_run(run_id).info.experiment_id == experiment.experiment_id
        assert client.get_model_version("stream_anomaly_detector", version).run_id == run_id
