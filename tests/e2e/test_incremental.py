"""Incremental = full refresh: a warehouse built before a late file and two restatements arrived, then landed
again and built incrementally, holds marts identical to a full refresh of the same raw data (``EXCEPT ALL``
both ways returns no row, for every table of the marts schema).

Runs on a copy of the session's var folder: the landing files are the session's sample; the warehouse is
rebuilt from scratch in the copy with the manifest's late and restating files held back for the first build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, late_and_restated, pipeline_env

pytestmark = pytest.mark.slow

DBT = str(Path(sys.executable).parent / "dbt")


def _run(cmd: list[str], var_dir: Path, cwd: Path = REPO_ROOT) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=pipeline_env(var_dir), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"


def _dbt(var_dir: Path, *args: str) -> None:
    _run([DBT, "build", "--profiles-dir", ".", "--target-path", str(var_dir / "dbt_target"), *args], var_dir,
         cwd=REPO_ROOT / "dbt_project")


def _land(var_dir: Path) -> None:
    _run([sys.executable, "-m", "orchestration.land"], var_dir)


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = ? "
                                      "and table_type = 'BASE TABLE' order by 1", [schema]).fetchall()]


def test_an_incremental_build_after_a_late_file_and_restatements_equals_a_full_refresh(pipeline_run, var_copy) -> None:
    manifest = pipeline_run.manifest
    held_back = late_and_restated(manifest)
    assert any("_v2" in f for f in held_back) and any(f.startswith("dsr_") for f in held_back), held_back
    assert any(f.get("late") for f in manifest["files"]), "the sample has no late file"
    landing = var_copy / "landing"
    holding = var_copy / "held_back"
    for name in held_back:
        (holding / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(landing / name, holding / name)
    shutil.rmtree(var_copy / "warehouse")

    _land(var_copy)
    _dbt(var_copy)  # the first build: incremental models start full
    for name in held_back:
        shutil.move(holding / name, landing / name)
    _land(var_copy)
    _dbt(var_copy)  # incremental: picks up the late month and the restated ones

    warehouse = var_copy / "warehouse" / "tunemantra.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        marts = _tables(con, "marts")
        assert "fct_usage_daily" in marts and "fct_usage" in marts
        con.execute("create schema incremental_build")
        for table in marts:
            con.execute(f"create table incremental_build.{table} as select * from marts.{table}")
        counted_late = con.execute(
            "select count(*) from marts.fct_usage_daily where file_name in (select unnest(?))",
            [held_back]).fetchall()[0][0]
    finally:
        con.close()
    assert counted_late > 0, "the incremental build counted nothing from the files that arrived late"

    _dbt(var_copy, "--full-refresh")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert _tables(con, "marts") == marts
        for table in marts:
            for left, right in (("marts", "incremental_build"), ("incremental_build", "marts")):
                diff = con.execute(f"select count(*) from (select * from {left}.{table} "
                                   f"except all select * from {right}.{table})").fetchall()[0][0]
                assert diff == 0, f"{table}: {diff} rows of {left} not in {right}"
        superseded = [f["file"] for f in manifest["files"] if f.get("superseded_by")]
        assert superseded
        counted = con.execute("""select count(*) from marts.fct_usage where batch_id in (
            select batch_id from raw._ledger where file_name in (select unnest(?)))""", [superseded]).fetchall()
        assert counted == [(0,)]
    finally:
        con.close()
