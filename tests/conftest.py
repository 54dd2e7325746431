"""Shared fixtures: one small pipeline run per test session, built once and shared by every test.

The run happens in a temporary ``var`` folder through the same commands a user runs (the generator CLI,
then ``python -m orchestration.demo``), in child processes so that each sees only its own environment.
Truth comes from the generator's manifest, never from the pipeline's own parsers.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestration.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_ROWS = 60_000  # the smallest catalogue (12 tracks) over 426 days: ~150k usage rows


@dataclasses.dataclass
class PipelineRun:
    var_dir: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    output: str
    returncode: int

    @property
    def settings(self) -> Settings:
        return Settings(var_dir=self.var_dir, target="duckdb")

    @property
    def landing_dir(self) -> Path:
        return self.settings.landing_dir

    @property
    def warehouse_path(self) -> Path:
        return self.settings.warehouse_path

    @property
    def serving_path(self) -> Path:
        return self.settings.serving_path

    @property
    def mlflow_tracking_uri(self) -> str:
        return self.settings.mlflow_tracking_uri

    def rerun(self) -> PipelineRun:
        return run_pipeline(self.var_dir, self.manifest)


def pipeline_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TM_", "DAGSTER_", "DBT_LOG_PATH"))}
    env.update(TM_VAR_DIR=str(var_dir), DAGSTER_HOME=str(var_dir / "dagster"),
               TM_WAREHOUSE_PATH=str(var_dir / "warehouse" / "tunemantra.duckdb"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    return env


def generate_sample(var_dir: Path, rows: int = TEST_ROWS, seed: int = 42) -> dict[str, Any]:
    subprocess.run([sys.executable, "-m", "ingestion.generator", "--out", str(var_dir / "landing"), "--rows",
                    str(rows), "--seed", str(seed)], check=True, cwd=REPO_ROOT, env=pipeline_env(var_dir))
    return json.loads((var_dir / "landing" / "manifest.json").read_text())


def late_and_restated(manifest: dict[str, Any]) -> list[str]:
    """The sample's files that arrive after the others in production: the late file and every restatement."""
    return [f["file"] for f in manifest["files"]
            if f.get("late") or (f.get("delivery_version") or 1) > 1 or f.get("supersedes")
            or (f.get("expected", {}).get("delivery_version") or 1) > 1]


def run_pipeline(var_dir: Path, manifest: dict[str, Any]) -> PipelineRun:
    (var_dir / "dagster").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "infra" / "dagster" / "dagster.yaml", var_dir / "dagster" / "dagster.yaml")
    summary_path = var_dir / "summary.json"
    summary_path.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "orchestration.demo", "--summary-json", str(summary_path)],
                          cwd=REPO_ROOT, env=pipeline_env(var_dir), capture_output=True, text=True, timeout=900)
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return PipelineRun(var_dir, manifest, summary, proc.stdout + proc.stderr, proc.returncode)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> PipelineRun:
    """The session's pipeline run, built once even when pytest-xdist runs the tests in several workers
    (``make test`` uses two): the first worker to get here builds it under a file lock in the folder the
    workers share and writes what it got beside it; the others wait for the lock and read that. The var folder
    is never written after this (tests that damage data take :func:`var_copy`), so workers read it side by
    side: DuckDB allows many read-only processes on one file."""
    reuse = os.environ.get("TM_TEST_REUSE_PIPELINE")  # a developer's loop: <var dir>:<its record .json>
    if reuse:
        var_dir, record = (Path(p) for p in reuse.split(":", 1))
        run = PipelineRun(var_dir, **json.loads(record.read_text()))
    elif worker_id == "master":  # no xdist
        run = _build_pipeline_run(tmp_path_factory.mktemp("var"))
    else:
        shared = tmp_path_factory.getbasetemp().parent
        var_dir, record = shared / "shared_var", shared / "shared_var.json"
        with (shared / "shared_var.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not record.exists():
                    built = _build_pipeline_run(var_dir)
                    record.write_text(json.dumps({"manifest": built.manifest, "summary": built.summary,
                                                  "output": built.output, "returncode": built.returncode}))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        run = PipelineRun(var_dir, **json.loads(record.read_text()))
    if run.returncode != 0:
        pytest.fail(f"the pipeline failed (exit {run.returncode}):\n{run.output[-6000:]}")
    return run


def _build_pipeline_run(var_dir: Path) -> PipelineRun:
    var_dir.mkdir(parents=True, exist_ok=True)
    return run_pipeline(var_dir, generate_sample(var_dir))


@pytest.fixture()
def var_copy(pipeline_run: PipelineRun, tmp_path: Path) -> Path:
    """A copy of the session's var folder, for tests that damage data."""
    target = tmp_path / "var"
    shutil.copytree(pipeline_run.var_dir, target, ignore=shutil.ignore_patterns("superset", "screenshots"))
    return target


# one throwaway PostgreSQL cluster per test session, a fresh database per test (collectors and targets)
@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from orchestration.local_postgres import PostgresError, start_postgres

    try:
        cluster = start_postgres()
    except PostgresError as exc:  # pragma: no cover - only where PostgreSQL is not installed
        pytest.skip(f"no throwaway PostgreSQL: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture()
def pg_dsn(postgres: Any, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database in the session's cluster for one test."""
    import psycopg2

    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    admin = psycopg2.connect(postgres.dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield postgres.dsn.replace("dbname=postgres", f"dbname={name}")
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


# a local SMTP server and a webhook receiver on 127.0.0.1 (tests/support/mail_and_hooks.py), stopped after the test
@pytest.fixture()
def smtp() -> Iterator[tuple[Any, int]]:
    from tests.support.mail_and_hooks import local_smtp

    with local_smtp() as server:
        yield server


@pytest.fixture()
def webhook() -> Iterator[tuple[Any, str]]:
    from tests.support.mail_and_hooks import webhook_receiver

    with webhook_receiver() as receiver:
        yield receiver
