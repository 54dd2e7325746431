"""Conventions of the dbt project that a review would otherwise have to catch, checked on the parsed manifest
(``dbt parse``: no warehouse needed): every model and snapshot has a primary-key test, every model a
description, staging models are views named ``stg_<source>__<entity>`` in ``staging/<source>/``, every mart
enforces its contract, and every exposure depends on at least one mart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    target = tmp_path_factory.mktemp("dbt_parse")
    env = {**os.environ, "TM_WAREHOUSE_PATH": str(target / "unused.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--profiles-dir", ".", "--target-path",
                           str(target)], cwd=REPO_ROOT / "dbt_project", env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return json.loads((target / "manifest.json").read_text())


def _ours(manifest: dict, *kinds: str) -> dict[str, dict]:
    return {k: v for k, v in manifest["nodes"].items()
            if v["resource_type"] in kinds and v["package_name"] == "tunemantra"}


def test_every_model_and_snapshot_has_a_primary_key_test(manifest: dict) -> None:
    keyed = {dep for test in _ours(manifest, "test").values()
             if (test.get("test_metadata") or {}).get("name") in ("unique", "unique_combination")
             for dep in test["depends_on"]["nodes"]}
    assert sorted(v["name"] for k, v in _ours(manifest, "model", "snapshot").items() if k not in keyed) == []


def test_every_model_is_described(manifest: dict) -> None:
    assert sorted(v["name"] for v in _ours(manifest, "model").values() if not v["description"].strip()) == []


def test_staging_models_are_views_named_for_their_source(manifest: dict) -> None:
    wrong = []
    for node in _ours(manifest, "model").values():
        path = Path(node["original_file_path"])
        if path.parts[1] != "staging":
            continue
        source = path.parts[2]
        if not node["name"].startswith(f"stg_{source}__") or node["config"]["materialized"] != "view":
            wrong.append(str(path))
    assert wrong == []


def test_every_mart_enforces_its_contract(manifest: dict) -> None:
    assert sorted(v["name"] for v in _ours(manifest, "model").values()
                  if Path(v["original_file_path"]).parts[1] == "marts"
                  and not v["config"].get("contract", {}).get("enforced")) == []


def test_every_exposure_reads_marts(manifest: dict) -> None:
    exposures = manifest["exposures"].values()
    assert exposures
    for exposure in exposures:
        marts = [d for d in exposure["depends_on"]["nodes"]
                 if Path(manifest["nodes"][d]["original_file_path"]).parts[1] == "marts"]
        assert marts, exposure["name"]


def test_node_names_fit_postgresql_identifiers(manifest: dict) -> None:
    """PostgreSQL truncates identifiers beyond 63 bytes: unit tests and models named longer collide there."""
    names = [v["name"] for v in manifest.get("unit_tests", {}).values()] + [
        v["name"] for v in _ours(manifest, "model", "snapshot", "seed").values()]
    assert [n for n in names if len(n.encode()) > 63] == []
