"""``python -m orchestration.demo``: materialise the whole asset graph once and print what happened.

The run goes through the Dagster instance under ``var/dagster`` so it shows up in ``make ui``. It runs on the
warehouse TM_TARGET names (``duckdb``, ``postgres`` or ``clickhouse``; orchestration/settings.py), and so does the
summary: the quarantine examples come from that warehouse's ``raw._quarantine``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from ingestion.monitoring import REFUSED
from orchestration.progress import say
from orchestration.settings import REPO_ROOT, Settings, get_settings


@dataclasses.dataclass
class PipelineReport:
    success: bool
    run_id: str
    seconds: float
    materialized: list[str]
    files: dict[str, list[dict[str, Any]]]  # per source, the files this run saw
    rows: dict[str, int]  # read / landed / quarantined / duplicate over this run's new files
    checks: list[dict[str, Any]]
    failed_steps: list[str]
    mlflow: dict[str, Any]
    serving: dict[str, Any]
    quarantine_examples: list[tuple[str, int, str]]
    target: str  # duckdb | postgres | clickhouse
    warehouse_path: str  # where the warehouse is (the DuckDB file, or the database; never a password)
    serving_path: str  # where readers find the serving layer
    serving_hint: str  # a command that reads a few rows of it
    log_path: str
    # every model output and the alerts of this run: asset key -> its materialisation's metadata
    models: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, default=str)


def run_pipeline(settings: Settings | None = None, *, return_events: bool = False) -> Any:
    settings = settings or get_settings()
    settings.ensure_dirs()
    settings.export()
    instance_config = Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml"
    if not instance_config.exists():  # one run at a time on the single-writer warehouse
        shutil.copyfile(REPO_ROOT / "infra" / "dagster" / "dagster.yaml", instance_config)
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.simulated_platforms import simulated_platforms

    platforms = contextlib.ExitStack()
    platforms.enter_context(simulated_platforms(settings.landing_dir))
    from orchestration.definitions import defs  # after the platforms: resources read their endpoints
    from orchestration.partitions import latest_day

    started = time.perf_counter()
    job = defs.resolve_job_def("full_pipeline")
    # the latest usage day: a first build is a full one whatever the day, and later ones take in whatever
    # landed since, whatever its days (orchestration/partitions.py)
    partition_key = latest_day()
    log_path = settings.var_dir / "logs" / f"pipeline_{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"pipeline: materialising the whole asset graph (tool output: {log_path})")
    with DagsterInstance.get() as instance, log_path.open("w") as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, partition_key=partition_key,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
        log_entries = instance.all_logs(result.run_id) if return_events else []
    platforms.close()
    materialized, meta = [], {}
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            key = "/".join(mat.asset_key.path)
            materialized.append(key)
            meta[key] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    failed_steps = [f"{e.step_key}: {_root_cause(e.event_specific_data.error)}"
                    for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    checks = [{"asset": "/".join(c.asset_key.path), "check": c.check_name, "passed": c.passed,
               "severity": c.severity.value, "description": c.description}
              for c in result.get_asset_check_evaluations()]

    files: dict[str, list[dict[str, Any]]] = {}
    rows = {"read": 0, "landed": 0, "quarantined": 0, "duplicate": 0}
    for key, data in meta.items():
        if key.startswith("raw/"):
            table = data.get("files")
            files[key.removeprefix("raw/")] = [dict(r.data) for r in table.records] if table else []
            for name in rows:
                rows[name] += int(data.get(f"rows_{name}", 0))

    from orchestration.warehouses import warehouse_for

    warehouse = warehouse_for(settings)
    quarantine = []
    if settings.target != "duckdb" or settings.warehouse_path.exists():
        quarantine = warehouse.query("""
            SELECT file_name, line_number, reason FROM raw._quarantine
            WHERE batch_id IN (SELECT batch_id FROM raw._ledger)
            ORDER BY quarantined_at DESC, file_name, line_number LIMIT 10""")
    report = PipelineReport(
        success=result.success and not failed_steps,
        run_id=result.run_id,
        seconds=round(time.perf_counter() - started, 1),
        materialized=materialized,
        files=files,
        rows=rows,
        checks=checks,
        failed_steps=failed_steps,
        mlflow=meta.get("ml/track_stream_forecast", {}),
        serving=meta.get("serving/serving_copy", {}),
        quarantine_examples=[tuple(q) for q in quarantine],
        target=settings.target,
        warehouse_path=warehouse.location,
        serving_path=warehouse.serving_location,
        serving_hint=warehouse.reader_hint(),
        log_path=str(log_path),
        models={key: value for key, value in meta.items() if key.startswith(("ml/", "alerts/"))},
    )
    return (report, log_entries) if return_events else report


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _root_cause(error: Any) -> str:
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip().splitlines()[0] if error is not None else "unknown error"


def render(report: PipelineReport, settings: Settings) -> str:
    out = ["", "=" * 78, f"TuneMantra pipeline run {report.run_id[:8]}: "
           f"{'SUCCEEDED' if report.success else 'FAILED'} in {report.seconds}s", "=" * 78]
    out.append("Ingestion (files of this delivery; rows read = landed + quarantined + skipped duplicates):")
    refused: list[dict[str, Any]] = []
    for table, files in sorted(report.files.items()):
        new = [f for f in files if f["status"] != "already_seen"]
        seen = len(files) - len(new)
        r = {k: sum(f[k] for f in new) for k in ("read", "landed", "quarantined", "duplicates")}
        balanced = all(f["read"] == f["landed"] + f["quarantined"] + f["duplicates"] for f in new)
        dup_files = sum(f["status"] == "duplicate_file" for f in new)
        refused += [f for f in new if f["status"] in REFUSED]
        n_refused = sum(f["status"] in REFUSED for f in new)
        out.append(f"  {table:<28} files new {len(new) - dup_files - n_refused:>3}, re-delivered {dup_files}, "
                   f"refused {n_refused}, already landed {seen:>3} | read {r['read']:>9,} landed {r['landed']:>9,} "
                   f"quarantined {r['quarantined']:>3} duplicates {r['duplicates']:>6,} "
                   f"{'✓' if balanced else '✗ UNBALANCED'}")
    t = report.rows
    out.append(f"  {'total':<28} read {t['read']:,} = landed {t['landed']:,} + quarantined {t['quarantined']:,} + "
               f"skipped duplicates {t['duplicate']:,}"
               f" {'✓' if t['read'] == t['landed'] + t['quarantined'] + t['duplicate'] else '✗'}")
    if t["read"] == 0:
        out.append("  nothing new: every file is already in the ledger (raw._ledger)")
    if refused:
        out.append("  refused whole by the landing contract (nothing of them landed; raw._ledger has the reason, "
                   "the platform must deliver them again):")
        out += [f"    {f['file']}  {f['status']}: {_shorten(f.get('error') or 'no reason recorded')}" for f in refused]
    if report.quarantine_examples:
        out.append("  quarantine (raw._quarantine, latest first):")
        out += [f"    {f}:{line}  {reason}" for f, line, reason in report.quarantine_examples]
    models = [m for m in report.materialized if m.split("/")[0] in ("staging", "intermediate", "marts", "reference")]
    out.append(f"Models built: {len(models)} ({', '.join(sorted(m.split('/')[-1] for m in models if 'marts' in m))})")
    passed = [c for c in report.checks if c["passed"]]
    failed = [c for c in report.checks if not c["passed"] and c["severity"] == "ERROR"]
    warned = [c for c in report.checks if not c["passed"] and c["severity"] != "ERROR"]
    gx = [c for c in report.checks if c["check"].startswith("gx_")]
    monitoring = [c for c in report.checks if c["check"].startswith("collection_")]
    out.append(f"Checks: {len(passed)} passed, {len(failed)} failed, {len(warned)} warnings "
               f"(dbt tests {len(report.checks) - len(gx) - len(monitoring)}, Great Expectations suites {len(gx)}: "
               f"{sum(c['passed'] for c in gx)} passed, collection monitoring {len(monitoring)}: "
               f"{sum(c['passed'] for c in monitoring)} passed)")
    out += [f"  FAILED {c['asset']} {c['check']}: {c['description']}" for c in failed]
    out += [f"  warning {c['asset']} {c['check']}: {c['description']}" for c in warned]
    if report.mlflow:
        m = report.mlflow
        out.append(f"MLflow: run {m.get('mlflow_run_id')} registered {m.get('model_uri')} "
                   f"(champion: {m.get('is_champion')}); holdout WAPE {float(m.get('wape_holdout', 0)):.3f} vs "
                   f"seasonal-naive {float(m.get('wape_seasonal_naive', 0)):.3f}")
    if report.models:
        out.append(f"Models ({len(report.models)} outputs in the ml schema, each run tracked in MLflow; "
                   "make evaluate scores them against the sample's truth):")
        for key, m in sorted(report.models.items()):
            registered = f"  {m['model_uri']} (champion: {m.get('is_champion')})" if m.get("model_uri") else ""
            out.append(f"  {key.replace('/', '.'):<34} {int(m.get('dagster/row_count', 0)):>8,} rows{registered}")
    out.append(f"Warehouse:    {report.warehouse_path}")
    if report.serving:
        out.append(f"Serving copy: {report.serving_path} ({report.serving.get('tables')} tables, "
                   f"{report.serving.get('rpt_performance_overview_rows', 0):,} performance rows)")
    else:
        out.append(f"Serving copy: NOT published this run (the last good copy stays at {report.serving_path})")
    out += [f"  step failed: {s}" for s in report.failed_steps]
    out.append(f"Full log:     {report.log_path}")
    out += ["Open the product:",
            "  make ui        Dagster: the asset graph, runs, checks     http://127.0.0.1:3000",
            "  make docs      dbt docs: models, columns, lineage         http://127.0.0.1:8080",
            "  make mlflow    MLflow: runs, metrics, registered models   http://127.0.0.1:5000",
            "  make superset  Superset: the eleven report dashboards    http://127.0.0.1:8088",
            "  SQL on the serving copy (read-only):" if report.target == "duckdb" else "  SQL on the serving layer:",
            f"    {report.serving_hint}", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summary-json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args()
    settings = get_settings()
    report = run_pipeline(settings)
    print(render(report, settings))
    path = args.summary_json or settings.var_dir / "last_run_summary.json"
    path.write_text(report.to_json())
    sys.exit(0 if report.success else 1)


if __name__ == "__main__":
    main()
