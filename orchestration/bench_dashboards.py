"""How fast the dashboards answer: every chart's saved query through Superset's chart-data API, timed (part of
``make bench``; alone: ``python -m orchestration.bench_dashboards --rows 1e6``).

A seeded sample of ``--rows`` usage rows goes through the whole pipeline on DuckDB (once: a later run reuses the
folder), Superset starts on its serving copy (the same bootstrap and bundle as ``make superset``, on a free
loopback port, stopped by PID at the end), and each chart's query runs ``--repeat`` times, one request at a time,
the way a dashboard's charts are asked for: ``GET /api/v1/chart/<id>/data/`` (the legacy world map draws from
``/superset/explore_json/`` in the browser; its saved query is the same SQL). Superset caches no query result
here (DATA_CACHE_CONFIG is a NullCache), so every request reaches DuckDB. Prints p50, p95 and the slowest chart
per dashboard and over all; target p95 <= 500 ms; exits 1 when it is missed. Writes benchmarks/dashboards_<rows>.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from orchestration.settings import REPO_ROOT

TARGET_P95_MS = 500.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def build_sample(var_dir: Path, rows: int, seed: int) -> None:
    serving = var_dir / "serving" / "tunemantra_serving.duckdb"
    if serving.exists():
        print(f"reusing the pipeline output in {var_dir}", flush=True)
        return
    env = {**os.environ, "TM_VAR_DIR": str(var_dir), "DAGSTER_HOME": str(var_dir / "dagster"),
           "TM_WAREHOUSE_PATH": str(var_dir / "warehouse" / "tunemantra.duckdb")}
    (var_dir / "dagster").mkdir(parents=True, exist_ok=True)
    (var_dir / "dagster" / "dagster.yaml").write_text((REPO_ROOT / "infra/dagster/dagster.yaml").read_text())
    started = time.perf_counter()
    for command in ([sys.executable, "-m", "ingestion.generator", "--out", str(var_dir / "landing"), "--seed",
                     str(seed), "--rows", str(rows), "--extras", "all"],
                    [sys.executable, "-m", "orchestration.demo"]):
        proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stdout.write(proc.stdout[-4000:] + proc.stderr[-2000:])
            raise SystemExit(f"{' '.join(command[2:4])} failed ({proc.returncode})")
    print(f"sample of {rows:,} usage rows and the pipeline: {time.perf_counter() - started:.0f}s", flush=True)


def time_charts(base_url: str, user: str, password: str, repeat: int) -> dict[str, dict[str, list[float]]]:
    """dashboard slug -> chart name -> request times (ms)."""
    import requests

    session = requests.Session()
    resp = session.post(f"{base_url}/api/v1/security/login", json={"username": user, "password": password,
                                                                    "provider": "db", "refresh": False}, timeout=60)
    resp.raise_for_status()
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    dashboards = session.get(f"{base_url}/api/v1/dashboard/", params={"q": "(page_size:100)"}, timeout=60).json()
    out: dict[str, dict[str, list[float]]] = {}
    for dashboard in sorted(dashboards["result"], key=lambda d: d["id"]):
        charts = session.get(f"{base_url}/api/v1/dashboard/{dashboard['id']}/charts", timeout=60).json()["result"]
        timings: dict[str, list[float]] = {}
        for chart in charts:
            url, params = f"{base_url}/api/v1/chart/{chart['id']}/data/", {}
            warm = session.get(url, params=params, timeout=120)  # warm: the connection, not the data
            if warm.status_code != 200:
                raise SystemExit(f"{dashboard['slug']} / {chart['slice_name']}: {warm.status_code} {warm.text[:500]}")
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                resp = session.get(url, params=params, timeout=120)
                times.append((time.perf_counter() - started) * 1000)
                resp.raise_for_status()
            timings[chart["slice_name"]] = times
        out[dashboard["slug"]] = timings
    return out


def report(timings: dict[str, dict[str, list[float]]], rows: int) -> tuple[str, float]:
    lines = [f"# Dashboard chart queries at {rows:,} usage rows", "",
             "Every chart's saved query through Superset's chart-data API "
             "(`python -m orchestration.bench_dashboards`), DuckDB serving copy, no result cache.", "",
             "| dashboard | charts | p50 ms | p95 ms | slowest chart (p50 ms) |", "|---|---|---|---|---|"]
    every: list[float] = []
    for slug, charts in timings.items():
        values = [t for times in charts.values() for t in times]
        every += values
        slowest = max(charts, key=lambda name: statistics.median(charts[name]))
        lines.append(f"| {slug} | {len(charts)} | {_percentile(values, 0.5):.0f} | {_percentile(values, 0.95):.0f} | "
                     f"{slowest} ({statistics.median(charts[slowest]):.0f}) |")
    p95 = _percentile(every, 0.95)
    lines += ["", f"All {sum(len(c) for c in timings.values())} charts: p50 {_percentile(every, 0.5):.0f} ms, "
              f"p95 {p95:.0f} ms (target <= {TARGET_P95_MS:.0f} ms): {'met' if p95 <= TARGET_P95_MS else 'MISSED'}."]
    return "\n".join(lines) + "\n", p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--var", type=Path, default=None, help="default var/bench_dashboards_<rows>")
    args = parser.parse_args(argv)
    rows = int(args.rows)
    var_dir = (args.var or REPO_ROOT / "var" / f"bench_dashboards_{rows}").resolve()
    build_sample(var_dir, rows, args.seed)

    from orchestration.local_superset import start_superset
    from orchestration.processes import free_port

    server = start_superset(var_dir / "serving" / "tunemantra_serving.duckdb", var_dir, free_port())
    try:
        timings = time_charts(server.base_url, server.admin_user, server.admin_password, args.repeat)
    finally:
        server.stop()
    text, p95 = report(timings, rows)
    print(text)
    out = REPO_ROOT / "benchmarks" / f"dashboards_{rows:.0e}.md".replace("+0", "")
    out.write_text(text)
    print(f"written to {out.relative_to(REPO_ROOT)}")
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
