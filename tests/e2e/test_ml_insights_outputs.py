"""End to end: the insights asset (orchestration/assets/ml/insights.py) on the session's pipeline run.

Every number an insight's narrative prints is recomputed here from the warehouse with this test's own SQL, built
from the recipe metrics_json describes (table, filter, aggregation), and must print the same to the narrative's
precision; the table is ranked by priority = impact x confidence x urgency and links each insight to its entities.
"""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

TYPES = {"anomaly", "trend_break", "opportunity", "risk", "benchmark_deviation"}


@pytest.fixture(scope="module")
def con(pipeline_run):
    connection = duckdb.connect(str(pipeline_run.warehouse_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def table(con) -> pd.DataFrame:
    return con.execute("select * from ml.insights order by rank").df()


def _sql_filter(spec: dict) -> str:
    clauses = []
    for column, value in spec.items():
        if column == "usage_date":
            clauses.append(f"usage_date >= DATE '{value[0]}' AND usage_date <= DATE '{value[1]}'")
        elif column == "isrc_not":
            clauses.append(f"isrc != '{value}'")
        elif value is True:
            clauses.append(f"{column} IS TRUE")
        else:
            clauses.append(f"{column} = '{value}'")
    return " AND ".join(clauses)


def _recompute(con, metric: dict, known: dict[str, float]) -> float:
    """The test's own reading of a metric's recipe."""
    agg = metric["aggregation"]
    if agg == "calendar_days":
        first, last = (pd.Timestamp(d) for d in metric["filter"]["usage_date"])
        return float((last - first).days + 1)
    if agg in {"product", "ratio", "pct_change"}:
        a, b = (known[n] for n in metric["of"])
        if agg == "product":
            return a * b
        if agg == "ratio":
            return float(metric.get("scale") or 1.0) * (a / b)
        return 100.0 * (a - b) / b

    def total(where: dict) -> float:
        got = con.execute(f"SELECT SUM({metric['column']}) FROM {metric['table']} WHERE {_sql_filter(where)}"
                          ).fetchone()[0]
        return float(got or 0)

    if agg == "sum":
        return total(metric["filter"])
    if agg == "weekly_mean":
        first, last = (pd.Timestamp(d) for d in metric["filter"]["usage_date"])
        return total(metric["filter"]) / (((last - first).days + 1) / 7)
    if agg == "daily_median":
        return float(con.execute(
            f"SELECT quantile_cont(day_total, 0.5) FROM (SELECT usage_date, SUM({metric['column']}) AS day_total "
            f"FROM {metric['table']} WHERE {_sql_filter(metric['filter'])} GROUP BY usage_date)").fetchone()[0])
    if agg == "share":
        return float(metric.get("scale") or 1.0) * (total(metric["filter"]) / total(metric["denominator_filter"]))
    raise AssertionError(f"unknown aggregation {agg}")


def test_insights_are_ranked_scored_and_linked(table: pd.DataFrame, con) -> None:
    assert len(table) > 0
    assert set(table["insight_type"]) <= TYPES
    assert table["insight_id"].is_unique
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert table["priority"].is_monotonic_decreasing
    for column in ("impact", "confidence", "urgency", "priority"):
        assert table[column].between(0, 1).all(), column
    assert (table["priority"] - table["impact"] * table["confidence"] * table["urgency"]).abs().max() < 1e-9
    tracks = con.execute("SELECT isrc, track_title, artist_name, label_key FROM marts.dim_track").df()
    assert set(table["isrc"]) <= set(tracks["isrc"])
    assert (table["entity_type"] == "track").all() and (table["entity_id"] == table["isrc"]).all()
    labels = dict(con.execute("SELECT label_key, label_id FROM marts.dim_label").fetchall())
    assert all(labels.get(k) == i for k, i in zip(table["label_key"], table["label_id"], strict=True))
    assert table["entity_url"].str.startswith("/superset/dashboard/").all()
    assert all(f"isrc={i}" in url for i, url in zip(table["isrc"], table["entity_url"], strict=True))
    series = table[table["insight_type"] == "anomaly"]
    assert series["platform"].notna().all() and series["territory"].notna().all()


def test_every_narrative_number_is_recomputed_from_the_marts(table: pd.DataFrame, con) -> None:
    checked = 0
    for row in table.itertuples(index=False):
        known: dict[str, float] = {}
        metrics = json.loads(row.metrics_json)["metrics"]
        assert metrics, row.narrative
        for metric in metrics:
            value = _recompute(con, metric, known)
            known[metric["name"]] = value
            printed = format(value, metric["format"])
            assert printed == metric["display"], (row.insight_id, metric["name"], printed, metric["display"])
            if metric["quoted"]:
                assert printed in row.narrative, (printed, row.narrative)
            checked += 1
        # and the narrative prints no number that is not one of those (dates and names aside)
        text = re.sub(r"\d{4}-\d{2}-\d{2}", "", row.narrative)
        for name in (row.entity_name, row.artist_name, row.label_name):
            text = text.replace(name, "") if isinstance(name, str) else text
        quoted = {m["display"].lstrip("+-") for m in metrics if m["quoted"]}
        assert set(re.findall(r"\d[\d,]*(?:\.\d+)?", text)) <= quoted, row.narrative
    assert checked >= len(table)


def test_insights_are_tracked_and_registered(table: pd.DataFrame, pipeline_run) -> None:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=pipeline_run.mlflow_tracking_uri)
    experiment = client.get_experiment_by_name("tunemantra-insights")
    assert experiment is not None
    run_ids = set(table["mlflow_run_id"])
    assert len(run_ids) == 1
    run = client.get_run(run_ids.pop())
    assert run.info.status == "FINISHED" and run.info.experiment_id == experiment.experiment_id
    assert run.data.metrics["insights"] == len(table)
    assert run.data.metrics["unquoted_narrative_numbers"] == 0
    model_name = table["model_name"].iloc[0]
    champion = client.get_model_version_by_alias(model_name, "champion")
    assert str(champion.version) == str(table["model_version"].iloc[0])
    assert champion.run_id == run.info.run_id
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert "insights.csv" in artifacts
