"""The same data, the same dbt project, three warehouses: landing and ``dbt build`` timed on DuckDB, PostgreSQL and
ClickHouse (the last part of ``make bench``; alone: ``make bench-targets``).

One seeded sample of ``--rows`` usage rows (default 10^6, every source family, the faults included) lands on each
target through the landing contract (``python -m orchestration.land``, TM_TARGET chooses the target as it does for
the pipeline), then ``dbt build`` runs there: every seed, model, snapshot, unit and data test. The targets run one
after the other, never side by side, and each figure is wall time including dbt's start-up (the same few seconds on
every target). The ratios to DuckDB are printed, with the reconciliation figure each build ends with (usage lines,
units and EUR revenue of ``marts.fct_usage``), which must be the same on all three.

Where each target runs: DuckDB a file (one thread: one writer); PostgreSQL the server TM_POSTGRES_DSN names, or else a
throwaway cluster on 127.0.0.1 (orchestration/local_postgres.py) stopped at the end, dbt with TM_DBT_THREADS
(default 4) threads; ClickHouse the engine embedded by chDB in a folder (one thread, as dbt-clickhouse runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

USAGE_TOTALS = "SELECT count(*), sum(units), sum(revenue_eur) FROM marts.fct_usage"


@dataclasses.dataclass(frozen=True)
class TargetRun:
    target: str
    land_seconds: float
    build_seconds: float
    totals: tuple


def _run(command: list[str], env: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f"{' '.join(command[:4])} failed ({proc.returncode}); log: {log}")
    return seconds


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TM_")}
    env.update(TM_VAR_DIR=str(settings.var_dir), DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1",
               **settings.dbt_env())
    if settings.postgres_dsn:
        env.update(TM_POSTGRES_DSN=settings.postgres_dsn)
    if os.environ.get("TM_DBT_THREADS"):
        env["TM_DBT_THREADS"] = os.environ["TM_DBT_THREADS"]
    return env


def measure_target(settings: Settings, landing: Path) -> TargetRun:
    """Land ``landing`` on the settings' target and build the dbt project there."""
    from orchestration.warehouses import warehouse_for

    var = settings.var_dir
    var.mkdir(parents=True, exist_ok=True)
    (var / "landing").symlink_to(landing, target_is_directory=True)
    env = _environment(settings)
    land = _run([sys.executable, "-m", "orchestration.land"], env, var / "land.log")
    dbt = ([sys.executable, "-m", "orchestration.clickhouse_dbt"] if settings.target == "clickhouse"
           else [str(Path(sys.executable).parent / "dbt")])
    build = _run([*dbt, "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                  "--target-path", str(var / "dbt_target"), "--log-path", str(var / "dbt_logs")], env,
                 var / "dbt_build.log")
    totals = tuple(warehouse_for(settings).query(USAGE_TOTALS)[0])
    return TargetRun(settings.target, land, build, totals)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """TM_POSTGRES_DSN, or a database in a throwaway cluster that is stopped afterwards."""
    if os.environ.get("TM_POSTGRES_DSN"):
        yield os.environ["TM_POSTGRES_DSN"]
        return
    import psycopg2

    from orchestration.local_postgres import running_postgres

    with running_postgres() as cluster:
        with contextlib.closing(psycopg2.connect(cluster.dsn)) as con:
            con.autocommit = True
            con.cursor().execute("CREATE DATABASE tunemantra_bench")
        yield cluster.dsn.replace(f"dbname={cluster.dbname}", "dbname=tunemantra_bench")


def measure(var: Path, rows: float) -> list[str]:
    from ingestion.generator import GeneratorParams, generate

    landing = var / "landing"
    manifest = landing / "manifest.json"
    if not (manifest.exists() and json.loads(manifest.read_text())["params"]["target_rows"] == int(rows)):
        shutil.rmtree(var, ignore_errors=True)
        print(f"bench-targets: generating {rows:,.0f} usage rows -> {landing}", flush=True)
        generate(GeneratorParams(target_rows=int(rows)), landing)
    usage_rows = json.loads(manifest.read_text())["totals"]["usage_rows"]
    for name in ("duckdb", "postgres", "clickhouse"):
        shutil.rmtree(var / name, ignore_errors=True)

    runs: list[TargetRun] = []
    print("bench-targets: duckdb", flush=True)
    runs.append(measure_target(Settings(var_dir=var / "duckdb", target="duckdb"), landing))
    with postgres_database() as dsn:
        print("bench-targets: postgres", flush=True)
        runs.append(measure_target(Settings(var_dir=var / "postgres", target="postgres", postgres_dsn=dsn), landing))
    print("bench-targets: clickhouse", flush=True)
    runs.append(measure_target(Settings(var_dir=var / "clickhouse", target="clickhouse",
                                        clickhouse_path=var / "clickhouse" / "chdb"), landing))

    base = runs[0]
    lines = [f"The same dbt build on three warehouses: {usage_rows:,} usage rows (every source family), "
             "wall seconds incl. start-up",
             f"  {'target':<11} {'landing s':>10} {'dbt build s':>12} {'build / DuckDB':>15}   "
             "fct_usage: lines, units, revenue EUR"]
    for run in runs:
        lines.append(f"  {run.target:<11} {run.land_seconds:>10.1f} {run.build_seconds:>12.1f} "
                     f"{run.build_seconds / base.build_seconds:>14.2f}x   "
                     f"{run.totals[0]:,}, {int(run.totals[1]):,}, {float(run.totals[2]):,.2f}")
    same = all(r.totals[:2] == base.totals[:2] and round(float(r.totals[2]), 2) == round(float(base.totals[2]), 2)
               for r in runs)
    lines.append(f"  the three builds {'agree' if same else 'DISAGREE'} on the usage totals")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--var", type=Path, default=REPO_ROOT / "var" / "bench_targets")
    args = parser.parse_args()
    print("\n".join(measure(args.var.resolve(), args.rows)))


if __name__ == "__main__":
    main()
