"""How Dagster splits the dbt project into its two dbt assets (orchestration/assets/dbt.py): the models of the
selector ``usage_daily`` (partitioned by usage day) and everything else. The split must cover every model once,
put every data test with the models it reads, and no model outside may read one inside: the unpartitioned step
runs first, then the daily one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

_DUMP = """
import json
from orchestration.assets.dbt import DBT_ASSETS, MANIFEST_PATH, usage_daily_models
print(json.dumps({
    "manifest": str(MANIFEST_PATH),
    "selector_models": usage_daily_models(),
    "assets": {a.op.name: {"partitioned": a.partitions_def is not None,
                           "keys": sorted(k.to_user_string() for k in a.keys),
                           "checks": sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in a.check_keys)}
               for a in DBT_ASSETS},
}))
"""


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> dict:
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "TM_VAR_DIR": str(var), "DAGSTER_HOME": str(var)}
    proc = subprocess.run([sys.executable, "-c", _DUMP], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    found["manifest"] = json.loads(Path(found["manifest"]).read_text())
    return found


def _models(manifest: dict) -> dict[str, dict]:
    return {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}


def test_the_partitioned_asset_is_the_selector_and_the_other_holds_the_rest(split: dict) -> None:
    manifest, assets = split["manifest"], split["assets"]
    daily, rest = assets["usage_daily_dbt_models"], assets["tunemantra_dbt_models"]
    assert daily["partitioned"] and not rest["partitioned"]
    by_key = {f"{m['fqn'][1]}/{m['name']}": m["name"] for m in _models(manifest).values()}
    assert sorted(by_key[k] for k in daily["keys"]) == split["selector_models"]
    outputs = assets["ml_output_dbt_models"]  # the marts on the models' outputs: their own asset, after the models
    assert set(daily["keys"]).isdisjoint(rest["keys"])
    assert set(outputs["keys"]).isdisjoint(set(daily["keys"]) | set(rest["keys"]))
    assert set(by_key) <= set(daily["keys"]) | set(rest["keys"]) | set(outputs["keys"])
    tagged = {f"{m['fqn'][1]}/{m['name']}" for m in _models(manifest).values() if "ml_outputs" in m["tags"]}
    assert tagged and set(outputs["keys"]) == tagged and "marts/rpt_track_forecast" in tagged
    # the usage lineage, and not the catalogue or the other families
    assert {"fct_usage_daily", "fct_usage", "int_usage_unified", "int_reported_recordings_matched",
            "rpt_performance_overview", "rpt_statement_reconciliation", "rpt_unmatched_usage_queue"} \
        <= set(split["selector_models"])
    assert not {"dim_track", "stg_spotify__daily_streams", "fct_airplay", "int_deliveries_current"} & \
        set(split["selector_models"])


def test_every_data_test_is_a_check_of_exactly_one_dbt_asset(split: dict) -> None:
    manifest, assets = split["manifest"], split["assets"]
    checks = [c for a in assets.values() for c in a["checks"]]
    assert len(checks) == len(set(checks))
    tests = [t for t in manifest["nodes"].values() if t["resource_type"] == "test" and t.get("attached_node")
             and t["attached_node"].startswith("model.")]
    named = {f"{manifest['nodes'][t['attached_node']]['fqn'][1]}/{manifest['nodes'][t['attached_node']]['name']}"
             f":{t['name']}" for t in tests}
    assert named <= set(checks), sorted(named - set(checks))[:5]
    # a test of a usage model that also reads a dimension is checked with the usage model, by the daily step
    assert "marts/fct_usage_daily:relationships_fct_usage_daily_platform_key__platform_key__ref_dim_platform_" \
        in assets["usage_daily_dbt_models"]["checks"]


def test_no_model_outside_the_selection_reads_one_inside_it(split: dict) -> None:
    manifest = split["manifest"]
    inside = {k for k, m in _models(manifest).items() if m["name"] in split["selector_models"]}
    children = manifest["child_map"]
    downstream_of_inside: set[str] = set()
    todo = [c for k in inside for c in children.get(k, [])]
    while todo:
        node = todo.pop()
        if node not in downstream_of_inside:
            downstream_of_inside.add(node)
            todo.extend(children.get(node, []))
    # the marts on the models' outputs do read usage models: their dbt asset runs after the ml assets, which
    # depend on both dbt assets (Dagster orders them by those dependencies)
    outputs = {k for k, m in _models(manifest).items() if "ml_outputs" in m["tags"]}
    between = sorted(n for n in downstream_of_inside - inside - outputs
                     if n.startswith(("model.", "snapshot.", "seed."))
                     and any(p in inside for p in manifest["parent_map"].get(n, [])))
    assert between == []
    assert outputs and not outputs & inside
