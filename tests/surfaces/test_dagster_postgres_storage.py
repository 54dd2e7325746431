"""A shared deployment keeps Dagster's runs and event logs in PostgreSQL (infra/dagster/dagster.postgres.yaml,
dagster-postgres): an asset materialised with that instance is a run and events in the database, and the instance
reads them back."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, pipeline_env

pytestmark = pytest.mark.slow


def _url(dsn: str) -> str:
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(dsn)
    return f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"


def test_runs_and_events_are_stored_in_postgres(var_copy: Path, pg_dsn: str, tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "infra" / "dagster" / "dagster.postgres.yaml", home / "dagster.yaml")
    env = {**pipeline_env(var_copy), "DAGSTER_HOME": str(home), "TM_DAGSTER_POSTGRES_URL": _url(pg_dsn)}
    proc = subprocess.run([str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                           "orchestration.definitions", "--select", "raw/fx__monthly_rates"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    import psycopg2

    with contextlib.closing(psycopg2.connect(pg_dsn)) as con, con.cursor() as cur:
        cur.execute("SELECT run_id, status FROM runs")
        runs = cur.fetchall()
        cur.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
                    "AND asset_key LIKE %s", ['%fx__monthly_rates%'])
        materialized = cur.fetchone()[0]
    assert [status for _, status in runs] == ["SUCCESS"]
    assert materialized == 1

    # the instance reads the same history back (what the webserver and the daemon of a shared deployment do)
    script = ("import dagster as dg\n"
              "with dg.DagsterInstance.get() as instance:\n"
              "    event = instance.get_latest_materialization_event(dg.AssetKey(['raw', 'fx__monthly_rates']))\n"
              "    print(event.run_id, type(instance.run_storage).__name__)\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == [runs[0][0], "PostgresRunStorage"]
    # no SQLite run or event storage beside it (the local folder holds the steps' compute logs only)
    assert not (home / "history").exists() and not list(home.rglob("*.db"))


def test_runs_never_overlap_and_a_run_steps_one_at_a_time(tmp_path: Path) -> None:
    """Both instance configurations queue runs one at a time, and every job runs its steps in one process, one
    after the other: the embedded warehouses take one writer (or one process) at a time."""
    import yaml

    local = yaml.safe_load((REPO_ROOT / "infra" / "dagster" / "dagster.yaml").read_text())
    shared = yaml.safe_load((REPO_ROOT / "infra" / "dagster" / "dagster.postgres.yaml").read_text())
    assert "storage" not in local
    assert shared["storage"]["postgres"]["postgres_url"] == {"env": "TM_DAGSTER_POSTGRES_URL"}
    assert local["run_queue"]["max_concurrent_runs"] == shared["run_queue"]["max_concurrent_runs"] == 1
    script = ("from orchestration.definitions import defs\n"
              "for name in ('full_pipeline', 'usage_daily'):\n"
              "    print(name, defs.resolve_job_def(name).executor_def.name)\n"
              "print('ad_hoc', defs.resolve_implicit_global_asset_job_def().executor_def.name)\n")
    env = {**os.environ, "TM_VAR_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    executors = dict(line.split() for line in proc.stdout.strip().splitlines())
    assert executors == {"full_pipeline": "in_process", "usage_daily": "in_process", "ad_hoc": "in_process"}
