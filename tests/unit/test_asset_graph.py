"""Snapshot of every asset key, its group, its upstream keys and its checks: catches accidental graph changes.

After an intended change, refresh with ``UPDATE_SNAPSHOTS=1 make test-fast`` and review the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "asset_graph.json"

_DUMP = """
import json
from orchestration.definitions import defs
graph = defs.resolve_asset_graph()
out = {}
for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
    node = graph.get(key)
    out[key.to_user_string()] = {
        "group": node.group_name,
        "deps": sorted(p.to_user_string() for p in node.parent_keys),
        "checks": sorted(c.name for c in node.check_keys),
    }
print(json.dumps(out))
"""


def current_graph(tmp_path: Path) -> dict:
    env = {**os.environ, "TM_VAR_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", _DUMP], capture_output=True, text=True, env=env, check=True,
                          cwd=SNAPSHOT.parent.parent.parent)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_asset_graph_matches_snapshot(tmp_path: Path) -> None:
    graph = current_graph(tmp_path)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(graph, indent=2, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), "no snapshot committed: run with UPDATE_SNAPSHOTS=1 and review it"
    assert graph == json.loads(SNAPSHOT.read_text())


def test_no_asset_stands_alone(tmp_path: Path) -> None:
    """Every asset reads from another or is read by another: one graph from report files to the serving layer."""
    graph = current_graph(tmp_path)
    read = {dep for node in graph.values() for dep in node["deps"]}
    assert sorted(key for key, node in graph.items() if not node["deps"] and key not in read) == []
    assert {g["group"] for g in graph.values()} == {"collect", "raw", "staging", "intermediate", "marts", "quality",
                                                    "ml", "ml_marts", "alerts", "serving"}


def test_graph_runs_from_raw_files_to_the_serving_copy(tmp_path: Path) -> None:
    graph = current_graph(tmp_path)
    assert {g["group"] for g in graph.values()} >= {"raw", "staging", "intermediate", "marts", "ml", "serving"}
    assert "marts/fct_usage_daily" in graph["ml/track_stream_forecast"]["deps"]
    assert "ml/track_stream_forecast" in graph["serving/serving_copy"]["deps"]
    assert "gx_raw_suite" in graph["raw/deezer__daily_streams"]["checks"]
    assert "gx_mart_suite" in graph["marts/fct_usage_daily"]["checks"]
    # the models read the marts, the insights read the models, the alerts read the insights; the marts on the
    # models' outputs come after the models, and the serving copy after all of them
    assert "ml/stream_anomalies" in graph["ml/insights"]["deps"]
    assert {"ml/insights", "ml/stream_anomalies"} <= set(graph["alerts/alert_deliveries"]["deps"])
    assert "ml/track_stream_forecast" in graph["marts/rpt_track_forecast"]["deps"]
    assert graph["marts/rpt_track_forecast"]["group"] == "ml_marts"
    assert {"marts/rpt_track_forecast", "ml/insights", "ml/marketing_attribution"} <= set(
        graph["serving/serving_copy"]["deps"])
    assert "gx_forecast_suite" in graph["ml/track_stream_forecast"]["checks"]
    assert "gx_score_suite" in graph["ml/churn_scores"]["checks"]
    # walking up from the serving copy reaches every source the marts read (dbt sources), and every raw
    # table is landed by a connector asset with its checks
    seen, todo = set(), ["serving/serving_copy"]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(graph.get(key, {}).get("deps", []))
    assert {"raw/spotify__daily_streams", "raw/apple_music__daily_streams", "raw/deezer__daily_streams",
            "raw/catalogue__tracks", "raw/fx__monthly_rates"} <= seen
    for key in (k for k in graph if k.startswith("raw/")):
        assert graph[key]["group"] == "raw"
        if key in ("raw/_ledger", "raw/_quarantine"):  # the contract's own records, written by every raw asset
            assert len(graph[key]["deps"]) >= 30 and "raw/spotify__daily_streams" in graph[key]["deps"]
            continue
        assert {"gx_raw_suite", "collection_completeness", "collection_error_rate"} <= set(graph[key]["checks"])
    assert graph["raw/social__engagement"]["deps"] == ["collect/social_api_pull"]
