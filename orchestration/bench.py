"""``make bench``: the whole pipeline at SCALE usage rows, measured per stage, against one DuckDB query.

From the start: a fresh ``var/bench`` folder, a clean seeded sample of the spine (no extras: the daily feeds,
catalogue, FX, statements and collected sources) at the requested scale, then the Dagster
job in-process. A sampler thread records the resident memory of this process and its children (dbt runs
as a child) every 100 ms; each step's peak is the highest sample inside the step's window. The baseline is
the same aggregation (daily streams and EUR revenue per day, platform, territory and recording) written
as a single DuckDB query straight over the report files: the floor any pipeline is compared to.

Then measurements of their own: the daily incremental path on the warehouse just built
(orchestration/bench_incremental.py), Great Expectations on the 10^7-row fact against a plain scan
(orchestration/bench_quality.py) and the same dbt build on DuckDB, PostgreSQL and ClickHouse at
``--target-rows`` (orchestration/bench_targets.py).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import platform
import shutil
import threading
import time
from pathlib import Path

import psutil

from orchestration.settings import REPO_ROOT


@dataclasses.dataclass
class Stage:
    name: str
    seconds: float
    rows: int
    peak_rss_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class MemorySampler(threading.Thread):
    def __init__(self, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()
        self._proc = psutil.Process()

    def run(self) -> None:
        while not self._halt.is_set():
            total = 0
            for proc in [self._proc, *self._proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.samples.append((time.time(), total / 2**20))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def peak(self, start: float, end: float) -> float:
        inside = [rss for t, rss in self.samples if start - self.interval <= t <= end + self.interval]
        return max(inside, default=0.0)


ONE_QUERY = """
CREATE TABLE one_query_result AS
WITH spotify AS (
    SELECT "date"::DATE AS usage_date, 'spotify' AS platform_code, upper(trim(country)) AS territory_code,
           regexp_replace(upper(trim(isrc)), '[- ]', '', 'g') AS isrc, streams::BIGINT AS streams,
           estimated_revenue_eur::DECIMAL(18, 6) AS revenue, 'EUR' AS currency
    FROM read_csv('{landing}/spotify/spotify_daily_streams_*.csv', header = true, all_varchar = true)
), apple_music AS (
    SELECT strptime("Report Date", '%m/%d/%Y')::DATE, 'apple_music', upper(trim("Storefront")),
           regexp_replace(upper(trim("ISRC")), '[- ]', '', 'g'), "Plays"::BIGINT,
           "Estimated Proceeds"::DECIMAL(18, 6), upper("Proceeds Currency")
    FROM read_csv('{landing}/apple_music/AppleMusic_DailyPlays_*.txt', delim = '\t', header = true,
                  all_varchar = true)
), deezer AS (
    SELECT strptime("Day", '%d/%m/%Y')::DATE, 'deezer', upper(trim("Territory")),
           regexp_replace(upper(trim("ISRC")), '[- ]', '', 'g'), "Streams"::BIGINT,
           replace("Revenue", ',', '.')::DECIMAL(18, 6), upper("Currency")
    FROM read_csv('{landing}/deezer/deezer_streams_*.csv', delim = ';', header = true, all_varchar = true)
), fx AS (
    SELECT strptime("month", '%Y-%m')::DATE AS rate_month, currency, eur_per_unit::DECIMAL(18, 6) AS eur_per_unit
    FROM read_csv('{landing}/fx/fx_rates_monthly.csv', header = true, all_varchar = true)
), usage AS (
    SELECT * FROM spotify UNION ALL SELECT * FROM apple_music UNION ALL SELECT * FROM deezer
)
SELECT usage_date, platform_code, territory_code, isrc, sum(streams) AS streams,
       sum(revenue * eur_per_unit) AS revenue_eur
FROM usage JOIN fx ON fx.rate_month = date_trunc('month', usage_date) AND fx.currency = usage.currency
GROUP BY ALL
"""


def run_one_query(landing: Path, workdir: Path) -> tuple[float, int, int]:
    import duckdb

    path = workdir / "one_query.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    started = time.perf_counter()
    con.execute(ONE_QUERY.format(landing=landing))
    seconds = time.perf_counter() - started
    rows, streams = con.execute("SELECT count(*), sum(streams) FROM one_query_result").fetchone()
    con.close()
    path.unlink(missing_ok=True)
    return seconds, rows, int(streams)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--target-rows", type=float, default=1e6,
                        help="usage rows of the DuckDB / PostgreSQL / ClickHouse comparison (bench_targets.py)")
    parser.add_argument("--var", type=Path, default=REPO_ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks", help="where the figures are written")
    args = parser.parse_args()
    var = args.var.resolve()
    shutil.rmtree(var, ignore_errors=True)
    (var / "dagster").mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / "infra" / "dagster" / "dagster.yaml", var / "dagster" / "dagster.yaml")
    os.environ.update(TM_VAR_DIR=str(var), DAGSTER_HOME=str(var / "dagster"),
                      TM_WAREHOUSE_PATH=str(var / "warehouse" / "tunemantra.duckdb"))

    from ingestion.generator import GeneratorParams, generate

    print(f"bench: generating {args.rows:,.0f} usage rows (clean sample, seed 42) -> {var / 'landing'}", flush=True)
    started = time.perf_counter()
    # the spine only (no extras): the workload the one-query baseline computes, as in earlier benchmarks
    manifest = generate(GeneratorParams(target_rows=int(args.rows), inject_faults=False, extras=()), var / "landing")
    generate_seconds = time.perf_counter() - started
    usage_rows = manifest["totals"]["usage_rows"]
    input_bytes = sum(f["bytes"] for f in manifest["files"])

    sampler = MemorySampler()
    sampler.start()
    from dagster import DagsterEventType

    from orchestration.demo import render, run_pipeline
    from orchestration.settings import get_settings

    settings = get_settings()
    pipeline_started = time.perf_counter()
    report, events = run_pipeline(settings, return_events=True)
    pipeline_seconds = time.perf_counter() - pipeline_started
    sampler.stop()
    print(render(report, settings))

    starts: dict[str, float] = {}
    stages: list[Stage] = []
    for entry in events:
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            begin = starts[event.step_key]
            stages.append(Stage(event.step_key, entry.timestamp - begin, _rows_for(event.step_key, report, usage_rows),
                                sampler.peak(begin, entry.timestamp)))

    one_seconds, one_rows, one_streams = run_one_query(var / "landing", var)
    land_and_build = sum(s.seconds for s in stages if s.name.startswith(("raw__", "tunemantra_dbt", "usage_daily_dbt")))

    out: list[str] = []
    out.append(f"Benchmark at {usage_rows:,} usage rows ({input_bytes / 2**20:,.0f} MiB of report files); "
               f"generator {generate_seconds:.1f}s (not part of the pipeline)")
    out.append(f"{'stage':<52} {'wall s':>8} {'rows':>12} {'rows/s':>12} {'peak MiB':>9}")
    for s in stages:
        out.append(f"{s.name:<52} {s.seconds:>8.1f} {s.rows:>12,} {s.rows_per_second:>12,.0f} "
                   f"{s.peak_rss_mib:>9,.0f}")
    peak_all = max((rss for _, rss in sampler.samples), default=0)
    out.append(f"{'whole pipeline (incl. Dagster start-up)':<52} {pipeline_seconds:>8.1f} {usage_rows:>12,} "
               f"{usage_rows / pipeline_seconds:>12,.0f} {peak_all:>9,.0f}")
    out.append(f"{'one DuckDB query over the raw files':<52} {one_seconds:>8.1f} {usage_rows:>12,} "
               f"{usage_rows / one_seconds:>12,.0f}")
    ok = one_streams == manifest["totals"]["streams"] == report.serving.get("streams_total", one_streams)
    out.append(f"one-query result: {one_rows:,} rows, {one_streams:,} streams "
               f"({'equals' if ok else 'DIFFERS FROM'} the manifest's {manifest['totals']['streams']:,})")
    out.append(f"ratio pipeline / one query: whole pipeline {pipeline_seconds / one_seconds:.1f}x, "
               f"landing + dbt build {land_and_build / one_seconds:.1f}x")
    print("\n" + "\n".join(out), flush=True)

    from orchestration.bench_incremental import measure

    incremental = measure(var)
    print("\n" + "\n".join(incremental), flush=True)

    from orchestration.bench_quality import measure as measure_quality

    quality = measure_quality(settings.warehouse_path)
    print("\n" + "\n".join(quality), flush=True)

    from orchestration.bench_targets import measure as measure_targets

    targets = measure_targets(REPO_ROOT / "var" / "bench_targets", args.target_rows)
    print("\n" + "\n".join(targets), flush=True)

    written = args.out / f"pipeline_{args.rows:.0e}.md".replace("+", "")
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text("\n".join([
        f"# Pipeline benchmark: {usage_rows:,} usage rows", "",
        f"Measured {dt.date.today()} on {platform.machine()} ({os.cpu_count()} CPUs). "
        f"Command: `make bench SCALE={args.rows:g} TARGET_ROWS={args.target_rows:g}`.", "",
        "```", *out, "", *incremental, "", *quality, "", *targets, "```", ""]))
    print(f"written to {written}")


def _rows_for(step: str, report, usage_rows: int) -> int:
    if step.startswith("raw__"):  # a landing step or the GX check of its table
        table = step.removeprefix("raw__").removesuffix("_gx_raw_suite")
        return sum(f["read"] for f in report.files.get(table, []))
    return usage_rows


if __name__ == "__main__":
    main()
