"""The dbt project builds on ClickHouse (the engine embedded in-process by chDB, behind dbt-clickhouse: launcher
``python -m orchestration.clickhouse_dbt``) as on DuckDB: the same sample lands on both through the landing
contract, then every model, seed, snapshot, data test and unit test builds on each (exposures aside). Incremental
runs are full refreshes on ClickHouse for now (the reason is in dbt_project/target_exceptions.yml, section
clickhouse).

Checked: every selected node succeeds on ClickHouse; no built column carries a qualified name (ClickHouse names a
column of ``t.*`` or ``t.col`` ``t.col`` where a name recurs in a query of several joins: a silent rename the
models avoid); and ``fct_usage`` per source family agrees exactly with DuckDB (rows, units, platform units,
revenue, revenue_eur; revenue_usd to the cent: DuckDB divides DECIMALs in DOUBLE, ClickHouse exactly)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT
from tests.conftest import generate_sample, pipeline_env

pytestmark = pytest.mark.slow

SELECTION = ["--exclude", "resource_type:exposure"]  # every model, seed, snapshot and test (exposures: no-op)
USAGE_BY_FAMILY = """
    select source_family, count(*) as rows, sum(units), sum(platform_units), sum(revenue), sum(revenue_eur),
           sum(revenue_usd)
    from marts.fct_usage group by 1"""
TO_THE_CENT = {6}  # revenue_usd


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    log.write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"{' '.join(command[:4])} failed ({proc.returncode}):\n{proc.stdout[-6000:]}"


def _land_and_build(var_dir: Path, target: str, out: Path) -> dict[str, str]:
    """Land var_dir/landing on the target, dbt build the selection there; {unique_id: status}."""
    env = {**pipeline_env(var_dir), "TM_TARGET": target, "DBT_USE_COLORS": "false"}
    if target == "clickhouse":
        env["TM_CLICKHOUSE_PATH"] = str(var_dir / "clickhouse")
    _run([sys.executable, "-m", "orchestration.land"], env, out / f"land_{target}.log")
    target_path = out / f"target_{target}"
    common = ["--target-path", str(target_path), "--log-path", str(out / f"logs_{target}"), *SELECTION]
    if target == "clickhouse":
        command = [sys.executable, "-m", "orchestration.clickhouse_dbt", "build", "--full-refresh", *common]
    else:
        command = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(DBT_PROJECT_DIR),
                   "--profiles-dir", str(DBT_PROJECT_DIR), "--target", target, *common]
    _run(command, env, out / f"dbt_{target}.log")
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] for r in results}


def _keyed(rows) -> dict[str, tuple]:
    def exact(i: int, value) -> Decimal | None:
        if value is None:
            return None
        value = Decimal(str(value))
        return value.quantize(Decimal("0.01")) if i in TO_THE_CENT else value

    return {row[0]: tuple(exact(i, v) for i, v in enumerate(row) if i >= 1) for row in rows}


def test_dbt_builds_on_clickhouse_as_on_duckdb(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    generate_sample(var_dir)

    with ThreadPoolExecutor(2) as pool:
        duckdb_run = pool.submit(_land_and_build, var_dir, "duckdb", tmp_path)
        clickhouse_run = pool.submit(_land_and_build, var_dir, "clickhouse", tmp_path)
        on_duckdb, on_clickhouse = duckdb_run.result(), clickhouse_run.result()

    assert set(on_clickhouse) == set(on_duckdb)
    assert any(uid.startswith("model.tunemantra.fct_usage") for uid in on_clickhouse)
    assert any(uid.startswith("unit_test.") for uid in on_clickhouse)
    failed = {uid: status for uid, status in on_clickhouse.items() if status not in ("success", "pass", "warn")}
    assert not failed

    import clickhouse_connect

    client = clickhouse_connect.get_client(interface="chdb", path=str(var_dir / "clickhouse"))
    try:
        qualified = client.query(
            "select database, table, name from system.columns where database in "
            "('staging', 'intermediate', 'marts', 'reference', 'snapshots') and position(name, '.') > 0").result_rows
        on_ch = client.query(USAGE_BY_FAMILY).result_rows
    finally:
        client.close()
    assert not qualified
    with duckdb.connect(str(var_dir / "warehouse" / "tunemantra.duckdb"), read_only=True) as con:
        on_duck = con.execute(USAGE_BY_FAMILY).fetchall()

    usage = _keyed(on_duck)
    assert {"daily_feed", "dsr_statement"} <= set(usage)
    assert _keyed(on_ch) == usage
