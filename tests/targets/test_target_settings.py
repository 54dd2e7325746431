"""Choosing the target from the environment, and the command that lands on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.connectors import DEEZER
from ingestion.targets import DuckDBTarget
from ingestion.targets.clickhouse import ClickHouseTarget
from orchestration.settings import get_settings
from tests.support.targets import copy_files

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("TM_TARGET", "TM_POSTGRES_DSN", "TM_CLICKHOUSE_PATH", "TM_CLICKHOUSE_DSN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TM_VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


def test_duckdb_stays_the_default_of_the_whole_pipeline(env, tmp_path: Path) -> None:
    settings = get_settings()
    assert settings.target == "duckdb"
    with settings.open_landing_target() as target:
        assert isinstance(target, DuckDBTarget)
    assert settings.warehouse_path.exists()


def test_postgres_and_clickhouse_are_chosen_by_one_variable(env, tmp_path: Path) -> None:
    env.setenv("TM_TARGET", "postgres")
    with pytest.raises(ValueError, match="TM_POSTGRES_DSN"):
        get_settings()
    env.setenv("TM_POSTGRES_DSN", "host=127.0.0.1 dbname=tm password=secret")
    assert get_settings().postgres_dsn == "host=127.0.0.1 dbname=tm password=secret"
    assert "secret" not in repr(get_settings())
    # the whole pipeline runs there: dbt's profile gets the DSN's parts
    assert get_settings().dbt_env()["TM_POSTGRES_DB"] == "tm"

    env.setenv("TM_TARGET", "clickhouse")
    assert get_settings().clickhouse_path == tmp_path / "var" / "clickhouse"
    env.setenv("TM_CLICKHOUSE_PATH", str(tmp_path / "ch"))
    assert get_settings().clickhouse_path == tmp_path / "ch"

    env.setenv("TM_TARGET", "snowflake")
    with pytest.raises(ValueError, match="choose from duckdb, postgres, clickhouse"):
        get_settings()


def test_the_land_command_lands_on_the_configured_target(sample, tmp_path: Path) -> None:
    landing, manifest = sample
    deezer = [f for f in manifest["files"] if f["source"] == "deezer"]
    var = tmp_path / "var"
    copy_files(landing, var / "landing", [f["file"] for f in deezer])
    environment = {**os.environ, "TM_VAR_DIR": str(var), "TM_TARGET": "clickhouse"}
    environment.pop("TM_CLICKHOUSE_PATH", None)
    environment.pop("TM_CLICKHOUSE_DSN", None)
    proc = subprocess.run([sys.executable, "-m", "orchestration.land", "--source", "deezer"], cwd=REPO_ROOT,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "landed on clickhouse" in proc.stdout and "✓" in proc.stdout
    with ClickHouseTarget(var / "clickhouse") as target:  # the command has exited: the path is free
        assert target.query(f"SELECT count(*) FROM {DEEZER.raw_table}")[0][0] == sum(
            f["expected"]["landed"] for f in deezer)
