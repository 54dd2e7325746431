"""Great Expectations at scale: the mart suite of ``marts.fct_usage_daily`` against a plain scan of its columns.

Part of ``make bench`` (on the warehouse it has just built); alone on any built warehouse with
``python -m orchestration.bench_quality --warehouse var/bench/warehouse/tunemantra.duckdb``.

Each side runs in a fresh process, so its peak resident memory (``VmHWM`` after a reset: Python, GX and the
DuckDB engine inside the process) is its own:

* the validation, three times in one process (the first pays GX's one-off start; in the pipeline this suite is
  never the first of its process): the pipeline's own code path (expectations/runner.py: GX's SQL path on
  DuckDB, the pipeline's memory limit) with the pipeline's suite (keys not null, no negative units, streams
  reconciled, no negative revenue), on every row; GX's ``element_count`` must equal the table's row count;
* the plain scan: one DuckDB query reading the same columns (a count of each, a sum of the measures).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

MEMORY_TARGET_MIB = 2048
TIME_RATIO_TARGET = 3.0

# ru_maxrss survives exec: a child of a large process (``make bench`` after its pipeline run) would report its
# parent's size. Linux resets the process's high-water mark on writing 5 to clear_refs; VmHWM is then its own.
_OWN_PEAK = """
def reset_peak():
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
def own_peak_mib():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
reset_peak()
"""
_VALIDATE = _OWN_PEAK + """
import json, sys, time
import duckdb
from expectations.runner import validate_table
from expectations.suites.marts import fct_usage_daily_suite

path = sys.argv[1]
with duckdb.connect(path, read_only=True) as con:
    rows, streams = con.execute("SELECT count(*), sum(streams) FROM marts.fct_usage_daily").fetchone()
suite = fct_usage_daily_suite(expected_total_streams=int(streams))
times = []
for _ in range(3):  # the first pays GX's one-off start (its registries, the engine's first connection)
    started = time.perf_counter()
    outcome = validate_table(path, "marts", "fct_usage_daily", suite)
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": times[0], "warm_seconds": min(times[1:]), "rows": rows,
                  "element_count": outcome.row_count, "success": outcome.success,
                  "failed": [r.name for r in outcome.failures],
                  "peak_mib": own_peak_mib()}))
"""

_SCAN = _OWN_PEAK + """
import json, os, sys, time
import duckdb

con = duckdb.connect(sys.argv[1], read_only=True,
                     config={"memory_limit": os.environ.get("TM_GX_MEMORY_LIMIT", "1GB")})
started = time.perf_counter()
con.execute("SELECT count(usage_date), count(track_key), count(platform_key), count(territory_key), "
            "sum(streams), sum(revenue_eur), count(*) FROM marts.fct_usage_daily").fetchall()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mib": own_peak_mib()}))
"""


def _run(script: str, warehouse: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, str(warehouse)], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(warehouse: Path) -> list[str]:
    """Figures for ``make bench`` (lines of text); the scan is timed three times and the fastest kept."""
    validation = _run(_VALIDATE, warehouse)
    scans = [_run(_SCAN, warehouse) for _ in range(3)]
    scan = min(scans, key=lambda s: s["seconds"])
    ratio = validation["seconds"] / scan["seconds"]
    warm_ratio = validation["warm_seconds"] / scan["seconds"]
    every_row = validation["element_count"] == validation["rows"]
    return [
        f"Great Expectations on marts.fct_usage_daily ({validation['rows']:,} rows), each in a fresh process:",
        f"  GX validation (the pipeline's suite, SQL path)  {validation['seconds']:>7.2f} s  peak "
        f"{validation['peak_mib']:>6,.0f} MiB  element_count {validation['element_count']:,} "
        f"({'every row' if every_row else 'NOT every row'}), "
        f"{'passed' if validation['success'] else 'FAILED: ' + ', '.join(validation['failed'])}",
        f"  the same validation again in that process     {validation['warm_seconds']:>7.2f} s",
        f"  plain scan of the same columns (one query)    {scan['seconds']:>7.2f} s  peak "
        f"{scan['peak_mib']:>6,.0f} MiB",
        f"  validation / scan: {ratio:.1f}x time the first time in a process, {warm_ratio:.1f}x after "
        f"(target <= {TIME_RATIO_TARGET:g}x); peak memory {validation['peak_mib']:,.0f} MiB of the validating process "
        f"(target < {MEMORY_TARGET_MIB:,} MiB)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=REPO_ROOT / "var" / "bench" / "warehouse" /
                        "tunemantra.duckdb")
    args = parser.parse_args()
    print("\n".join(measure(args.warehouse.resolve())))


if __name__ == "__main__":
    main()
