"""`make ui` serves the whole asset graph and the demo's run history (dagster dev, webserver + daemon)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO_ROOT, pipeline_env
from tests.support.network import free_port

pytestmark = pytest.mark.slow

SNAPSHOT = REPO_ROOT / "tests" / "snapshots" / "asset_graph.json"


def _graphql(port: int, query: str) -> dict:
    resp = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=60)
    resp.raise_for_status()
    return resp.json()["data"]


def test_dagster_ui_shows_the_graph_and_the_run(pipeline_run, tmp_path: Path) -> None:
    port = free_port()
    dagster = Path(sys.executable).parent / "dagster"
    log = (tmp_path / "dagster_dev.log").open("w")
    proc = subprocess.Popen([str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p",
                             str(port)], cwd=REPO_ROOT, env=pipeline_env(pipeline_run.var_dir), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(1)
        else:
            pytest.fail("dagster dev did not answer within 120 s")
        nodes = _graphql(port, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert keys == set(json.loads(SNAPSHOT.read_text()))
        assert {n["groupName"] for n in nodes} >= {"raw", "staging", "intermediate", "marts", "ml", "serving"}
        runs = _graphql(port, "{ runsOrError { ... on Runs { results { runId status jobName } } } }")
        results = runs["runsOrError"]["results"]
        assert {"runId": pipeline_run.summary["run_id"], "status": "SUCCESS", "jobName": "full_pipeline"} in results
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # the process group we started; dagster dev stops its children
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
