"""`make ui` serves the whole asset graph and the demo's run history (dagster dev, webserver + daemon)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.dagster_dev import dagster_dev

pytestmark = pytest.mark.slow

SNAPSHOT = REPO_ROOT / "tests" / "snapshots" / "asset_graph.json"


def test_dagster_ui_shows_the_graph_and_the_run(pipeline_run, var_copy: Path, tmp_path: Path) -> None:
    # on a copy: the daemon writes to the instance's storage, and the session's var folder stays as the pipeline
    # left it for the tests that copy it meanwhile
    with dagster_dev(var_copy, tmp_path / "dagster_dev.log") as dagster:
        nodes = dagster.graphql("{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert keys == set(json.loads(SNAPSHOT.read_text()))
        assert {n["groupName"] for n in nodes} >= {"raw", "staging", "intermediate", "marts", "quality", "ml",
                                                   "serving"}
        runs = dagster.graphql("{ runsOrError { ... on Runs { results { runId status jobName } } } }")
        results = runs["runsOrError"]["results"]
        assert {"runId": pipeline_run.summary["run_id"], "status": "SUCCESS", "jobName": "full_pipeline"} in results


def test_dagster_dev_stops_cleanly_when_the_test_run_inherited_sigint_ignored(tmp_path: Path) -> None:
    """A test run started in the background by a non-interactive shell has SIGINT ignored, and so had every
    dagster dev it started: the test's SIGINT did nothing and each teardown waited its 60 s for SIGKILL."""
    (tmp_path / "var" / "dagster").mkdir(parents=True)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with dagster_dev(tmp_path / "var", tmp_path / "dagster_dev.log") as dagster:
            assert dagster.graphql("{ version }")["version"]
    finally:
        signal.signal(signal.SIGINT, previous)
    assert dagster.stopped_by == "SIGINT", (tmp_path / "dagster_dev.log").read_text()[-2000:]
