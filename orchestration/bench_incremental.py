"""The daily incremental path, measured on a built warehouse (``make bench`` runs it after the pipeline).

``python -m orchestration.bench_incremental [--var var/bench]``: on the warehouse the benchmark just built,

1. the incremental usage models — the facts ``fct_usage_daily`` and ``fct_usage`` and the line tables they read,
   ``int_usage_daily_unioned`` and ``int_usage_unified`` — rebuilt in full (``--full-refresh``) and for one day
   (the last reported day, passed as ``--vars '{usage_from: D, usage_to: D}'`` as a daily partition run passes
   it): dbt's own execution time of each model (run_results.json, pre-hooks included), so dbt's start-up is not
   counted; target <= 5 % (the facts, and all four together);
2. the daily build (``dbt build --selector usage_daily`` with that window: what a day of usage changes, the
   dbt side of Dagster's daily partitions, dbt_project/selectors.yml) beside the full build (``dbt build
   --full-refresh``: every node), wall time; target <= 25 %. Every node with the window is printed too.

It prints every ratio beside its target and does not fail when one is missed: a benchmark reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

INCREMENTAL_MODELS = ("int_usage_daily_unioned", "int_usage_unified", "fct_usage_daily", "fct_usage")


def _dbt(args: list[str], target: Path, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Wall seconds of one dbt invocation and each model's execution seconds from its run_results.json."""
    started = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), *args, "--profiles-dir", ".",
                           "--target-path", str(target)], cwd=DBT_PROJECT_DIR, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit(f"dbt {' '.join(args)} failed")
    results = json.loads((target / "run_results.json").read_text())["results"]
    return seconds, {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}


def measure(var: Path, *, models_only: bool = False) -> list[str]:
    warehouse = var / "warehouse" / "tunemantra.duckdb"
    env = {**os.environ, "TM_VAR_DIR": str(var), "TM_WAREHOUSE_PATH": str(warehouse),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        day, rows = con.execute("select max(usage_date), count(*) from marts.fct_usage_daily").fetchall()[0]
        day_rows = con.execute("select count(*) from marts.fct_usage_daily where usage_date = ?",
                               [day]).fetchall()[0][0]
    finally:
        con.close()
    window = json.dumps({"usage_from": str(day), "usage_to": str(day)})
    target = var / "dbt_bench"
    lines = [f"Incremental path on {rows:,} daily usage rows (one day = {day}, {day_rows:,} rows):"]
    _, full = _dbt(["run", "--select", *INCREMENTAL_MODELS, "--full-refresh"], target, env)
    _, one_day = _dbt(["run", "--select", *INCREMENTAL_MODELS, "--vars", window], target, env)
    for model in INCREMENTAL_MODELS:
        lines.append(f"  {model:<26} full refresh {full[model]:>7.2f} s, one day {one_day[model]:>6.2f} s "
                     f"-> {one_day[model] / full[model]:>6.1%} (target <= 5 %)")
    total_full, total_day = (sum(times[m] for m in INCREMENTAL_MODELS) for times in (full, one_day))
    lines.append(f"  {'all four':<26} full refresh {total_full:>7.2f} s, one day {total_day:>6.2f} s "
                 f"-> {total_day / total_full:>6.1%} (target <= 5 %)")
    if models_only:
        return lines
    full_build, _ = _dbt(["build", "--full-refresh"], target, env)
    daily_build, _ = _dbt(["build", "--selector", "usage_daily", "--vars", window], target, env)
    everything, _ = _dbt(["build", "--vars", window], target, env)
    lines.append(f"  whole build: full {full_build:.1f} s (dbt build --full-refresh: every node), "
                 f"daily {daily_build:.1f} s (dbt build --selector usage_daily with the day's window: the usage "
                 f"lineage and every mart downstream of it) -> {daily_build / full_build:.1%} (target <= 25 %)")
    lines.append(f"  for comparison, every node with the day's window (dbt build --vars): {everything:.1f} s "
                 f"-> {everything / full_build:.1%}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=REPO_ROOT / "var" / "bench")
    parser.add_argument("--models-only", action="store_true", help="the incremental models only, not the builds")
    args = parser.parse_args()
    print("\n".join(measure(args.var.resolve(), models_only=args.models_only)))


if __name__ == "__main__":
    main()
