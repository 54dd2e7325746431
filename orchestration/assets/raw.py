"""Raw layer: one asset per connector (landing files -> ``raw.<source>__<entity>``) and its GX check."""


import hashlib
import json
import time

import dagster as dg

from ingestion.connectors import ALL_CONNECTORS, USAGE_CONNECTORS
from ingestion.contract import LEDGER, Connector, FileResult
from ingestion.monitoring import REFUSED
from orchestration.assets.collect import COLLECT_KEYS
from orchestration.assets.quality import record_validation, run_suite
from orchestration.partitions import latest_day
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource
from orchestration.warehouses.base import target_kind


def raw_key(connector: Connector) -> dg.AssetKey:
    return dg.AssetKey(["raw", connector.table])


def _files_table(results: list[FileResult]) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(n, t) for n, t in (
        ("file", "string"), ("status", "string"), ("read", "int"), ("landed", "int"),
        ("quarantined", "int"), ("duplicates", "int"), ("error", "string"))])
    return dg.MetadataValue.table(
        [dg.TableRecord({"file": r.file_name, "status": r.status, "read": r.rows_read, "landed": r.rows_landed,
                         "quarantined": r.rows_quarantined, "duplicates": r.rows_duplicate,
                         "error": r.error or ""}) for r in results],
        schema=schema,
    )


def build_raw_asset(connector: Connector) -> dg.AssetsDefinition:
    upstream = [COLLECT_KEYS[connector.source]] if connector.source in COLLECT_KEYS else []

    @dg.asset(
        key=raw_key(connector),
        deps=upstream,
        group_name="raw",
        kinds={target_kind(), "python"},
        description=f"Files under landing/{connector.source}/ landed into {connector.raw_table} by the "
                    f"'{connector.source}' connector through the landing contract (ingestion/contract.py).",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL),
    )
    def _land(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        landing_dir = get_settings().landing_dir
        started = time.perf_counter()
        landing = warehouse.land(connector, landing_dir, context.log)
        results, total_rows = landing.results, landing.total_rows
        refused = [r for r in results if r.status in REFUSED]
        for r in refused:
            context.log.warning(f"{r.file_name}: {r.status} by the landing contract, nothing landed: {r.error}")
        failed = [r for r in results if r.status == "failed"]
        for r in failed:
            context.log.error(f"{r.file_name}: {r.status}: {r.error}")
        new = [r for r in results if r.status != "already_seen"]
        return dg.MaterializeResult(metadata={
            "files_seen": len(results),
            "files_landed": sum(r.status == "landed" for r in results),
            "files_duplicate": sum(r.status == "duplicate_file" for r in results),
            "files_already_seen": sum(r.status == "already_seen" for r in results),
            "files_rejected": len(refused),
            "files_failed": len(failed),
            "rows_read": sum(r.rows_read for r in new),
            "rows_landed": sum(r.rows_landed for r in new),
            "rows_quarantined": sum(r.rows_quarantined for r in new),
            "rows_duplicate": sum(r.rows_duplicate for r in new),
            "dagster/row_count": total_rows,
            "seconds": round(time.perf_counter() - started, 2),
            "files": _files_table(new),
        })

    return _land


def _suite_for(connector: Connector, expected_rows: int):
    """The usage feeds and the catalogue have suites of their own; every other source is held to the
    contract its connector declares."""
    from expectations.suites import raw as raw_suites

    if connector in USAGE_CONNECTORS:
        return raw_suites.raw_usage_suite(expected_row_count=expected_rows)
    if connector.source == "catalogue":
        return raw_suites.raw_catalogue_suite(expected_row_count=expected_rows)
    return raw_suites.raw_contract_suite(connector.table, [f.name for f in connector.columns],
                                         [f.name for f in connector.columns if f.required], expected_rows)


def build_raw_check(connector: Connector) -> dg.AssetChecksDefinition:
    """Great Expectations on the raw table; the row count must equal what the ledger says was landed."""

    @dg.asset_check(asset=raw_key(connector), name="gx_raw_suite", blocking=True,
                    description=f"Great Expectations suite for {connector.raw_table} (expectations/suites/raw.py).")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        expected = warehouse.scalar(
            f"SELECT coalesce(sum(rows_landed), 0) FROM {LEDGER} WHERE source = ? AND status = 'landed'",
            [connector.source])
        return run_suite(context, warehouse, "raw", connector.table, _suite_for(connector, int(expected)))

    return _check


RAW_ASSETS = [build_raw_asset(c) for c in ALL_CONNECTORS]
RAW_CHECKS = [build_raw_check(c) for c in ALL_CONNECTORS]

# The landing contract's own tables, written by every raw asset above: dbt reads them as the `landing` source
# (which delivery of a period counts, which lines were refused), so the graph shows where they come from.
LANDING_RECORDS = [
    dg.AssetSpec(key=dg.AssetKey(["raw", table]), group_name="raw", description=description,
                 deps=[raw_key(c) for c in ALL_CONNECTORS])
    for table, description in (
        ("_ledger", "One row per delivered file: hash, status, counts, period, territory, delivery version."),
        ("_quarantine", "One row per refused line: file, line, reason and the line's exact text."),
    )
]


# --- new report files ------------------------------------------------------------------------------------------
# Sources a collect asset writes (an API pull, an Airbyte sync, a database pull) are not watched: the pipeline's own
# run writes their files, and watching them would start a run after every run.
WATCHED = [c for c in ALL_CONNECTORS if c.source not in COLLECT_KEYS]


def _landing_state() -> dict[str, list[int]]:
    """Every watched report file: its path under the landing folder -> [size, mtime in ns]."""
    landing_dir = get_settings().landing_dir
    state = {}
    for connector in WATCHED:
        for path in connector.files(landing_dir):
            stat = path.stat()
            state[path.relative_to(landing_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return state


@dg.sensor(job_name="full_pipeline", minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts the pipeline (for the latest usage day) when a report file lands in, or changes in, "
                       "the landing folder. The files there when the sensor is first started are its baseline: "
                       "the daily schedule lands those.")
def new_report_files(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    state = _landing_state()
    if context.cursor is None:
        return dg.SensorResult(skip_reason=f"baseline: {len(state)} report files", cursor=json.dumps(state))
    seen = json.loads(context.cursor)
    new = sorted(name for name, stamp in state.items() if seen.get(name) != stamp)
    if not new:
        return dg.SensorResult(skip_reason="no new report file", cursor=context.cursor)
    run_key = hashlib.sha256(json.dumps({name: state[name] for name in new}).encode()).hexdigest()[:16]
    context.log.info(f"{len(new)} new report file(s): {', '.join(new[:10])}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, partition_key=latest_day(),
                                    tags={"tunemantra/new_files": str(len(new)), "tunemantra/first_new_file": new[0]})],
        cursor=json.dumps(state))


__all__ = ["LANDING_RECORDS", "RAW_ASSETS", "RAW_CHECKS", "new_report_files", "raw_key", "record_validation"]
