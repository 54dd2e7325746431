"""``make bench-ingest``: file ingestion alone, through the landing contract, against DuckDB's own
``CREATE TABLE AS SELECT * FROM read_csv(<same files>)`` with the same threads and memory limit.

Writes its figures to ``benchmarks/ingestion_<rows>.md`` (committed) and prints them. Peak memory is the
resident set of this process and its children, sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import shutil
import time
from pathlib import Path

import duckdb

from ingestion.connectors import USAGE_CONNECTORS
from ingestion.contract import ensure_schema, land_deliveries
from orchestration.bench import MemorySampler
from orchestration.settings import REPO_ROOT

THREADS = 2
MEMORY_LIMIT = "512MB"
# what DuckDB's sniffer cannot guess reliably: US dates look like day-first ones early in a month
BASELINE_OPTIONS = {"spotify": "dateformat = '%Y-%m-%d'", "apple_music": "dateformat = '%m/%d/%Y'",
                    "deezer": "dateformat = '%d/%m/%Y', decimal_separator = ','"}


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.unlink(missing_ok=True)
    return duckdb.connect(str(path), config={"threads": THREADS, "memory_limit": MEMORY_LIMIT,
                                             "temp_directory": str(path.parent / "duckdb_tmp")})


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--var", type=Path, default=REPO_ROOT / "var" / "bench_ingest")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks")
    parser.add_argument("--reuse-sample", action="store_true", help="keep a sample of the same size already there")
    args = parser.parse_args()
    var = args.var.resolve()
    manifest = var / "landing" / "manifest.json"
    reuse = args.reuse_sample and manifest.exists() and \
        json.loads(manifest.read_text())["params"]["target_rows"] == int(args.rows)
    if reuse:
        for scratch in ("contract.duckdb", "baseline.duckdb", "duckdb_tmp"):
            shutil.rmtree(var / scratch, ignore_errors=True) if (var / scratch).is_dir() else (var / scratch).unlink(
                missing_ok=True)
    else:
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        from ingestion.generator import GeneratorParams, generate

        print(f"bench-ingest: generating {args.rows:,.0f} usage rows -> {var / 'landing'}", flush=True)
        started = time.perf_counter()
        generate(GeneratorParams(target_rows=int(args.rows), inject_faults=False, extras=()), var / "landing")
        print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)
    files = {c: c.files(var / "landing") for c in USAGE_CONNECTORS}
    n_files = sum(len(v) for v in files.values())
    size = sum(p.stat().st_size for v in files.values() for p in v)

    sampler = MemorySampler()
    sampler.start()
    con = _connect(var / "contract.duckdb")
    ensure_schema(con, USAGE_CONNECTORS)
    started, cpu = time.perf_counter(), _cpu_seconds()
    rows = 0
    readers: dict[str, int] = {}
    statuses: dict[str, int] = {}
    # the sources' files interleaved (each source's own order kept), as one stream for the shared loaders
    deliveries = [(c, paths[k]) for k in range(max(map(len, files.values()))) for c, paths in files.items()
                  if k < len(paths)]
    for result in land_deliveries(con, deliveries, var / "landing"):
        rows += result.rows_landed
        readers[result.reader] = readers.get(result.reader, 0) + 1
        statuses[result.status] = statuses.get(result.status, 0) + 1
    contract_seconds, contract_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    con.close()
    contract_peak = max(rss for _, rss in sampler.samples)
    sampler.samples.clear()

    con = _connect(var / "baseline.duckdb")
    started, cpu = time.perf_counter(), _cpu_seconds()
    baseline_rows = 0
    for connector, paths in files.items():
        listing = ", ".join("'" + str(p) + "'" for p in paths)
        con.execute(f"CREATE TABLE {connector.table} AS SELECT * FROM read_csv([{listing}], "
                    f"delim = '{connector.delimiter}', {BASELINE_OPTIONS[connector.source]})")
        baseline_rows += con.execute(f"SELECT count(*) FROM {connector.table}").fetchone()[0]
    baseline_seconds, baseline_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    con.close()
    baseline_peak = max(rss for _, rss in sampler.samples)
    sampler.stop()

    ratio = (baseline_seconds / contract_seconds) if contract_seconds else 0.0
    lines = [
        f"# File ingestion benchmark: {rows:,} usage rows",
        "",
        f"Measured {dt.date.today()} on {platform.machine()} ({THREADS} threads, DuckDB memory_limit {MEMORY_LIMIT}),"
        f" {n_files} report files, {size / 2**20:,.0f} MiB. Command: `make bench-ingest SCALE={args.rows:g}`.",
        "",
        "| path | wall s | CPU s | rows | rows/s | peak RSS MiB (process + children) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| landing contract (ledger, lineage, casts, quarantine, line numbers) | {contract_seconds:.1f} | "
        f"{contract_cpu:.1f} | {rows:,} | {rows / contract_seconds:,.0f} | {contract_peak:,.0f} |",
        f"| `CREATE TABLE AS SELECT * FROM read_csv(...)` | {baseline_seconds:.1f} | {baseline_cpu:.1f} | "
        f"{baseline_rows:,} | {baseline_rows / baseline_seconds:,.0f} | {baseline_peak:,.0f} |",
        "",
        f"Throughput ratio contract / read_csv: **{ratio:.2f}** (target ≥ 0.5). "
        f"Peak memory of the contract: **{contract_peak:,.0f} MiB** (target < 1024 MiB at 1e8 rows).",
        f"Files by reader: {readers}; by status: {statuses}. CPU ratio (baseline / contract CPU seconds): "
        f"{baseline_cpu / contract_cpu:.2f}.",
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"ingestion_{args.rows:.0e}.md".replace("+", "")
    target.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
