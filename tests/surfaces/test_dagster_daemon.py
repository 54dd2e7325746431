"""Dagster's daemon at work, as `make ui` runs it (dagster dev: webserver and daemon), on a copy of the session's
warehouse:

* a backfill of three usage days is ONE run (the usage lineage's backfill policy), hands dbt exactly those days as
  its window, and materialises exactly those three partitions;
* the sensor ``new_report_files``, once started, starts a run when a report file lands in the landing folder, and
  that run lands the file; its staging gate validates the new batch alone and records its warning.

Everything goes through the webserver's GraphQL API and the real daemon process; the test stops both by the process
group it started.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.dagster_dev import DagsterDev, dagster_dev

pytestmark = pytest.mark.slow

DAYS = ["2026-10-29", "2026-10-30", "2026-10-31"]
FINISHED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


class Dagster(DagsterDev):
    def runs(self, tag: tuple[str, str]) -> list[dict[str, Any]]:
        data = self.graphql("""query($key: String!, $value: String!) {
            runsOrError(filter: {tags: [{key: $key, value: $value}]}) {
              ... on Runs { results { runId status jobName tags { key value } } } } }""",
                            {"key": tag[0], "value": tag[1]})
        return data["runsOrError"]["results"]


@pytest.fixture()
def dagster_daemon(var_copy: Path, tmp_path: Path) -> Iterator[tuple[Dagster, Path]]:
    with dagster_dev(var_copy, tmp_path / "dagster_dev.log") as dev:
        yield Dagster(dev.port), var_copy


def _repository(dagster: Dagster) -> dict[str, str]:
    data = dagster.graphql(
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }")
    node = data["repositoriesOrError"]["nodes"][0]
    return {"repositoryName": node["name"], "repositoryLocationName": node["location"]["name"]}


def _usage_daily_assets(dagster: Dagster) -> list[list[str]]:
    data = dagster.graphql("{ assetNodes { assetKey { path } partitionDefinition { description } } }")
    return [n["assetKey"]["path"] for n in data["assetNodes"] if n["partitionDefinition"]]


def test_a_three_day_backfill_is_one_run_of_exactly_those_days(dagster_daemon: tuple[Dagster, Path]) -> None:
    dagster, var_dir = dagster_daemon
    assets = _usage_daily_assets(dagster)
    assert ["marts", "fct_usage_daily"] in assets and ["marts", "dim_track"] not in assets
    launched = dagster.graphql("""mutation($params: LaunchBackfillParams!) {
        launchPartitionBackfill(backfillParams: $params) {
          ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
                               {"params": {"assetSelection": [{"path": p} for p in assets], "partitionNames": DAYS}})
    backfill_id = launched["launchPartitionBackfill"].get("backfillId")
    assert backfill_id, launched

    def finished() -> str | None:
        data = dagster.graphql("""query($id: String!) { partitionBackfillOrError(backfillId: $id) {
            ... on PartitionBackfill { status } } }""", {"id": backfill_id})
        status = data["partitionBackfillOrError"]["status"]
        return status if status in FINISHED else None

    status = dagster.wait("the backfill", finished)
    runs = dagster.runs(("dagster/backfill", backfill_id))
    assert len(runs) == 1 and runs[0]["status"] == "SUCCESS", (status, runs)
    run_id = runs[0]["runId"]

    # dbt got the three days as its window, once
    windows = [json.loads(p.read_text())["args"].get("vars") for p in
               (var_dir / "dbt" / "runs" / run_id).glob("*/run_results.json")]
    assert windows == [{"usage_from": DAYS[0], "usage_to": DAYS[-1]}]

    # the run materialised exactly those partitions, of every asset of the usage lineage
    data = dagster.graphql("""query($id: ID!) { runOrError(runId: $id) {
        ... on Run { assetMaterializations { assetKey { path } partition } } } }""", {"id": run_id})
    materialized: dict[str, list[str]] = {}
    for event in data["runOrError"]["assetMaterializations"]:
        materialized.setdefault("/".join(event["assetKey"]["path"]), []).append(event["partition"])
    assert {key: sorted(days) for key, days in materialized.items() if key in {"/".join(p) for p in assets}} == \
        {"/".join(p): DAYS for p in assets}


def test_the_sensor_starts_a_run_when_a_report_lands(dagster_daemon: tuple[Dagster, Path]) -> None:
    dagster, var_dir = dagster_daemon
    selector = {**_repository(dagster), "sensorName": "new_report_files"}
    started = dagster.graphql("""mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
        ... on Sensor { sensorState { status } } ... on PythonError { message } } }""", {"selector": selector})
    assert started["startSensor"]["sensorState"]["status"] == "RUNNING", started

    def ticks() -> list[dict[str, Any]]:
        data = dagster.graphql("""query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
            ... on Sensor { sensorState { ticks(limit: 10) { status skipReason runIds } } } } }""",
                               {"selector": selector})
        return data["sensorOrError"]["sensorState"]["ticks"]

    baseline = dagster.wait("the sensor's first tick", lambda: [t for t in ticks() if t["status"] != "STARTED"])
    assert "baseline" in (baseline[-1]["skipReason"] or "")

    # a platform delivers a new month: three lines of recordings the catalogue does not hold (a warning at
    # staging, not a stop: unmatched usage is kept, flagged and queued)
    unknown = ["QZZZZ2600001", "QZZZZ2600002", "QZZZZ2600003"]
    new_file = var_dir / "landing" / "spotify" / "spotify_daily_streams_2026-11.csv"
    new_file.write_text("date,country,isrc,track_name,artist_name,streams,estimated_revenue_eur\n"
                        + "".join(f"2026-11-0{d},DE,{isrc},Title {d},An Artist,{10 * d},0.0{d}\n"
                                  for d, isrc in enumerate(unknown, start=1)))

    runs = dagster.wait("a run started by the sensor", lambda: dagster.runs(("dagster/sensor_name",
                                                                            "new_report_files")), timeout=180)
    assert len(runs) == 1 and runs[0]["jobName"] == "full_pipeline"
    finished = dagster.wait("the sensor's run", lambda: [r for r in dagster.runs(("dagster/sensor_name",
                                                                                   "new_report_files"))
                                                         if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")])
    assert finished[0]["status"] == "SUCCESS", finished
    with duckdb.connect(str(var_dir / "warehouse" / "tunemantra.duckdb"), read_only=True) as con:
        landed = con.execute("SELECT status, rows_landed, batch_id FROM raw._ledger WHERE file_name = ?",
                             ["spotify/spotify_daily_streams_2026-11.csv"]).fetchall()
        kept = con.execute("SELECT sum(streams), bool_or(is_catalogue_match) FROM marts.fct_usage_daily "
                           "WHERE usage_date >= '2026-11-01'").fetchone()
        staged_before = con.execute("SELECT count(*) FROM staging.stg_spotify__daily_streams "
                                    "WHERE usage_date < '2026-11-01'").fetchone()[0]
        recorded = con.execute("""
            SELECT expectation, severity, rows_validated, failing_rows, examples FROM quality.expectation_results
            WHERE asset = 'staging.stg_spotify__daily_streams' AND NOT success AND run_id = ?""",
                               [finished[0]["runId"]]).fetchall()
        validated = con.execute("SELECT count(*) FROM quality.validated_batches WHERE batch_id = ?",
                                [landed[0][2]]).fetchone()[0]
    assert [row[:2] for row in landed] == [("landed", 3)]
    assert kept == (60, False)  # kept and flagged as unmatched, never dropped
    # the staging suite read the new batch alone (3 lines, not the months before) and recorded its warning
    assert staged_before > 1000
    assert [row[:4] for row in recorded] == [("isrc_in_catalogue", "warning", 3, 3)]
    assert sorted(json.loads(recorded[0][4])) == unknown
    assert validated == 1
