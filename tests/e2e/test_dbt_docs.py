"""The dbt docs site builds (``dbt docs generate``, what ``make docs`` serves), and it documents everything: every
model has a description, every column the warehouse actually holds is described, and every mart enforces a
contract and carries a label key (or says in its description why it cannot). Runs on a copy of the session's
warehouse (docs generation opens it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, pipeline_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs(pipeline_run, tmp_path_factory) -> tuple[dict, dict]:
    import shutil

    var_dir = tmp_path_factory.mktemp("docs") / "var"
    (var_dir / "warehouse").mkdir(parents=True)
    shutil.copy(pipeline_run.warehouse_path, var_dir / "warehouse" / "tunemantra.duckdb")
    target = var_dir / "dbt_docs"
    # every node, the marts on the models' outputs too (the project's default selector leaves them out of a
    # plain build): the same command as make docs
    proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--profiles-dir", ".",
                           "--select", "fqn:*", "--target-path", str(target)], cwd=REPO_ROOT / "dbt_project",
                          env=pipeline_env(var_dir),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert (target / "index.html").exists()
    return json.loads((target / "manifest.json").read_text()), json.loads((target / "catalog.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {k: v for k, v in manifest["nodes"].items()
            if v["resource_type"] in ("model", "snapshot", "seed") and v["package_name"] == "tunemantra"}


def test_every_model_and_every_column_it_holds_is_described(docs) -> None:
    manifest, catalog = docs
    undescribed_models, undescribed_columns = [], []
    for unique_id, node in _models(manifest).items():
        if not node["description"].strip():
            undescribed_models.append(node["name"])
        documented = {name.lower(): c for name, c in node["columns"].items()}
        held = catalog["nodes"].get(unique_id, {}).get("columns", {})
        assert held or node["resource_type"] == "seed" or node["config"].get("materialized") == "ephemeral", \
            f"{node['name']} is not in the warehouse catalog"
        for column in held:
            doc = documented.get(column.lower())
            if doc is None or not doc["description"].strip():
                undescribed_columns.append(f"{node['name']}.{column}")
    assert undescribed_models == []
    assert undescribed_columns == []


def test_every_mart_has_a_contract_and_a_label_key(docs) -> None:
    manifest, catalog = docs
    missing = []
    for unique_id, node in _models(manifest).items():
        if node["resource_type"] != "model" or "/marts/" not in f"/{node['original_file_path']}":
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            missing.append(f"{node['name']}: no enforced contract")
        held = {c.lower() for c in catalog["nodes"].get(unique_id, {}).get("columns", {})}
        if "label_key" not in held and "label key" not in node["description"].lower():
            missing.append(f"{node['name']}: no label_key and no reason given")
    assert missing == []
