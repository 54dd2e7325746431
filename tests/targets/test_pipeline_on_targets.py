"""The whole pipeline runs on PostgreSQL and on ClickHouse as on DuckDB, chosen by one variable (TM_TARGET).

For each target, the session's sample (the one the DuckDB pipeline run of tests/conftest.py landed) arrives in two
deliveries, as in production:

1. everything but the late file and the restatements: landed there (``python -m orchestration.land``) and built
   by dbt (the incremental models start full);
2. the held-back files: the pipeline runs (``python -m orchestration.demo``, what ``make pipeline`` runs): landing,
   an *incremental* dbt build, Great Expectations, the forecast in MLflow, the serving layer.

Compared with the session's DuckDB run, which landed and built everything at once:

* the same dbt nodes ran with the same status (run_results.json), but for dbt_project/target_exceptions.yml;
* the reconciliation totals agree exactly: ``rpt_delivery_reconciliation`` per file and currency, ``fct_usage``
  per source family (the money columns listed under ``to_the_cent`` to the cent, with the reason given there);
* every served table holds as many rows as on DuckDB (marts, model outputs, quality history), so the
  incremental build on the target ended where the full build on DuckDB did;
* on ClickHouse no built column carries a join-qualified name (``t.col``: a silent rename the models avoid).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from orchestration.warehouses import warehouse_for
from orchestration.warehouses.base import WarehouseResource
from tests.conftest import PipelineRun, late_and_restated, pipeline_env

pytestmark = pytest.mark.slow

EXCEPTIONS = yaml.safe_load((DBT_PROJECT_DIR / "target_exceptions.yml").read_text())
RECONCILIATION = """
    select source_name, file_name, coalesce(currency, '') as currency, count(*) as rows, sum(usage_lines),
           sum(units), sum(revenue), sum(revenue_eur), sum(revenue_usd)
    from marts.rpt_delivery_reconciliation group by 1, 2, 3"""
USAGE_BY_FAMILY = """
    select source_family, count(*) as rows, sum(units), sum(platform_units), sum(revenue), sum(revenue_eur),
           sum(revenue_usd)
    from marts.fct_usage group by 1"""
# (the query, the width of its key, the money column of each position)
TOTALS = {"reconciliation": (RECONCILIATION, 3, (None,) * 6 + ("revenue", "revenue_eur", "revenue_usd")),
          "usage_by_family": (USAGE_BY_FAMILY, 1, (None,) * 4 + ("revenue", "revenue_eur", "revenue_usd"))}


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    log.write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"{' '.join(command[:4])} failed ({proc.returncode}):\n{proc.stdout[-6000:]}"


def _statuses(run_dir: Path) -> dict[str, str]:
    """{unique_id: status} of every dbt node a pipeline run built (one run_results.json per dbt step)."""
    statuses: dict[str, str] = {}
    for run_results in run_dir.glob("*/run_results.json"):
        statuses.update({r["unique_id"]: r["status"] for r in json.loads(run_results.read_text())["results"]})
    return statuses


def _exact(value: Any, column: str | None, to_the_cent: set[str]) -> Any:
    if value is None:
        return None
    value = Decimal(str(value))
    return value.quantize(Decimal("0.01")) if column in to_the_cent else value


def _totals(warehouse: WarehouseResource, to_the_cent: set[str]) -> dict[str, dict[tuple, tuple]]:
    out = {}
    for name, (sql, width, money) in TOTALS.items():
        out[name] = {tuple(row[:width]): tuple(_exact(v, money[i], to_the_cent) for i, v in enumerate(row)
                                               if i >= width)
                     for row in warehouse.query(sql)}
    return out


@pytest.fixture(params=["postgres", "clickhouse"])
def target_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The settings of a run on the target: a fresh PostgreSQL database or a fresh chDB folder."""
    var_dir = tmp_path / "var"
    if request.param == "postgres":
        return Settings(var_dir=var_dir, target="postgres", postgres_dsn=request.getfixturevalue("pg_dsn"))
    return Settings(var_dir=var_dir, target="clickhouse", clickhouse_path=tmp_path / "clickhouse")


def _environment(settings: Settings) -> dict[str, str]:
    """The variables that choose the target: what a user sets."""
    env = {**pipeline_env(settings.var_dir), "TM_TARGET": settings.target, "DBT_USE_COLORS": "false"}
    if settings.postgres_dsn:
        env.update(TM_POSTGRES_DSN=settings.postgres_dsn, TM_DBT_THREADS="2")
    if settings.clickhouse_path:
        env["TM_CLICKHOUSE_PATH"] = str(settings.clickhouse_path)
    return env


def test_the_pipeline_runs_on_the_target_as_on_duckdb(pipeline_run: PipelineRun, target_settings: Settings,
                                                      tmp_path: Path) -> None:
    target, var_dir = target_settings.target, target_settings.var_dir
    shutil.copytree(pipeline_run.landing_dir, var_dir / "landing")
    (var_dir / "dagster").mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / "infra" / "dagster" / "dagster.yaml", var_dir / "dagster" / "dagster.yaml")
    env = _environment(target_settings)
    held_back = late_and_restated(pipeline_run.manifest)
    assert any(f.startswith("dsr_") for f in held_back) and any("_v2" in f for f in held_back), held_back
    holding = tmp_path / "held_back"
    for name in held_back:
        (holding / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(var_dir / "landing" / name, holding / name)

    # 1. the first delivery, landed and built there
    _run([sys.executable, "-m", "orchestration.land"], env, tmp_path / "land.log")
    dbt = ([sys.executable, "-m", "orchestration.clickhouse_dbt"] if target == "clickhouse"
           else [str(Path(sys.executable).parent / "dbt")])
    _run([*dbt, "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
          "--target-path", str(tmp_path / "dbt_first"), "--log-path", str(tmp_path / "dbt_logs")],
         {**env, **target_settings.dbt_env()}, tmp_path / "dbt_first.log")

    # 2. the late file and the restatements arrive; the pipeline runs there
    for name in held_back:
        shutil.move(holding / name, var_dir / "landing" / name)
    summary_path = var_dir / "summary.json"
    _run([sys.executable, "-m", "orchestration.demo", "--summary-json", str(summary_path)], env,
         tmp_path / "pipeline.log")
    summary = json.loads(summary_path.read_text())
    assert summary["success"] and summary["target"] == target

    # the same dbt nodes with the same status as the DuckDB run
    excepted = set(EXCEPTIONS[target]["nodes"])
    on_target = _statuses(var_dir / "dbt" / "runs" / summary["run_id"])
    on_duckdb = _statuses(pipeline_run.var_dir / "dbt" / "runs" / pipeline_run.summary["run_id"])
    assert {k: v for k, v in on_target.items() if k not in excepted} == \
        {k: v for k, v in on_duckdb.items() if k not in excepted}
    assert any(uid.startswith("unit_test.") for uid in on_target)
    assert "model.tunemantra.fct_usage_daily" in on_target

    # reconciliation totals, exactly; the served tables, row for row
    to_the_cent = set(EXCEPTIONS[target]["to_the_cent"])
    warehouse = warehouse_for(target_settings)
    reference = _totals(warehouse_for(pipeline_run.settings), to_the_cent)
    assert len(reference["reconciliation"]) > 50
    assert {"daily_feed", "dsr_statement"} <= {key[0] for key in reference["usage_by_family"]}
    assert _totals(warehouse, to_the_cent) == reference
    served = summary["serving"]["tables_rows"]
    assert served == pipeline_run.summary["serving"]["tables_rows"]
    assert served["marts.fct_usage_daily"] > 100_000 and served["ml.track_stream_forecast"] > 0
    if target == "clickhouse":
        assert not warehouse.query(
            "select database, table, name from system.columns where database in "
            "('staging', 'intermediate', 'marts', 'reference', 'snapshots') and position(name, '.') > 0")
