"""Great Expectations run as Dagster asset checks, every result kept as history.

An expectation whose ``meta.severity`` is ``error`` fails the check with ERROR severity, which (the checks are
blocking) stops every asset downstream of the checked one; warnings are recorded and shown only.

The history, in the warehouse's ``quality`` schema (published with the marts, so analysts and dashboards read it):

* ``quality.validation_results``: one row per validation (suite, table, partition, success, counts, GX's details);
* ``quality.expectation_results``: one row per expectation of each validation: its name, severity, outcome, rows
  validated, failing rows and a few examples: what "which expectation failed, on how many rows" is answered from;
* ``quality.validated_batches``: the landed batches a staging suite passed, so the next validation reads only the
  batches that arrived since (a batch that failed stays unvalidated and keeps failing until it is dealt with).

GX's own result of every validation is also written to ``var/quality/validations/`` as JSON: ``make quality-docs``
renders them as GX Data Docs (expectations/data_docs.py).
"""


import datetime as dt
import json
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource

HISTORY_TABLE = "quality.validation_results"
EXPECTATIONS_TABLE = "quality.expectation_results"
VALIDATED_BATCHES_TABLE = "quality.validated_batches"
# portable types: each warehouse maps them to its own (JSON is jsonb on PostgreSQL, a String on ClickHouse)
HISTORY_COLUMNS = (("run_id", "VARCHAR"), ("validated_at", "TIMESTAMP"), ("asset", "VARCHAR"),
                   ("suite_name", "VARCHAR"), ("success", "BOOLEAN"), ("evaluated", "INTEGER"), ("failed", "INTEGER"),
                   ("error_failures", "INTEGER"), ("warning_failures", "INTEGER"), ("details", "JSON"))
EXPECTATION_COLUMNS = (("run_id", "VARCHAR"), ("validated_at", "TIMESTAMP"), ("asset", "VARCHAR"),
                       ("suite_name", "VARCHAR"), ("partition_filter", "VARCHAR"), ("expectation", "VARCHAR"),
                       ("expectation_type", "VARCHAR"), ("column_name", "VARCHAR"), ("severity", "VARCHAR"),
                       ("success", "BOOLEAN"), ("rows_validated", "BIGINT"), ("failing_rows", "BIGINT"),
                       ("observed_value", "VARCHAR"), ("examples", "VARCHAR"))
VALIDATED_BATCH_COLUMNS = (("suite_name", "VARCHAR"), ("batch_id", "VARCHAR"), ("run_id", "VARCHAR"),
                           ("validated_at", "TIMESTAMP"))


def now_utc() -> dt.datetime:
    """Now in UTC without a zone: the history tables' timestamps (every target stores them the same way)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def validations_dir() -> Path:
    """Where GX's result of every validation is kept as JSON (the input of ``make quality-docs``)."""
    return get_settings().var_dir / "quality" / "validations"


def record_validation(warehouse: WarehouseResource, run_id: str, asset: str, outcome: Any) -> None:
    """Keep one validation in the history tables and its GX result beside them."""
    now = now_utc()
    warehouse.append_rows(HISTORY_TABLE, HISTORY_COLUMNS, [(
        run_id, now, asset, outcome.suite_name, outcome.success,
        outcome.evaluated, outcome.failed, len(outcome.error_failures), len(outcome.warning_failures),
        json.dumps(outcome.to_dict(), default=str),
    )])
    rows = outcome.row_count
    warehouse.append_rows(EXPECTATIONS_TABLE, EXPECTATION_COLUMNS, [(
        run_id, now, asset, outcome.suite_name, outcome.where, r.name or r.expectation_type, r.expectation_type,
        r.column, r.severity, r.success, r.element_count if r.element_count is not None else rows,
        r.unexpected_count, None if r.observed_value is None else json.dumps(r.observed_value, default=str),
        json.dumps(list(r.partial_unexpected_list), default=str) if r.partial_unexpected_list else None,
    ) for r in outcome.results])
    if outcome.gx_result is not None:
        folder = validations_dir() / outcome.suite_name
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
        (folder / f"{stamp}__{run_id}.json").write_text(json.dumps({
            "run_id": run_id, "validated_at": now.isoformat(), "asset": asset, "where": outcome.where,
            "result": outcome.gx_result}, default=str))


def run_suite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, schema: str, table: str,
              suite: Any, *, where: str | None = None, partition: str | None = None) -> dg.AssetCheckResult:
    """Validate ``schema.table`` (or the rows ``where`` selects, described to people as ``partition``), record it,
    and turn it into the check's result: a failed error expectation fails it with ERROR severity (blocking what
    depends on it), a failed warning with WARN severity (shown, not blocking); each failing expectation is named
    with its failing row count and examples in the log and the check's metadata."""
    outcome = warehouse.validate(schema, table, suite, where=where)
    return check_result(context, warehouse, f"{schema}.{table}", outcome, partition)


def check_result(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, asset: str, outcome: Any,
                 partition: str | None = None) -> dg.AssetCheckResult:
    """Record a validation of ``asset`` and turn it into an asset check's result (see ``run_suite``)."""
    record_validation(warehouse, context.run.run_id, asset, outcome)
    errors, warnings = outcome.error_failures, outcome.warning_failures
    failing = [f"[{r.severity}] {r.describe()}" for r in (*errors, *warnings)]
    for line in failing:
        (context.log.error if line.startswith("[error]") else context.log.warning)(line)
    metadata: dict[str, Any] = {
        "suite": outcome.suite_name,
        "rows_validated": outcome.row_count if outcome.row_count is not None else 0,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": outcome.failed,
        "error_failures": len(errors),
        "warning_failures": len(warnings),
        "failing": dg.MetadataValue.md("\n".join(f"- {line}" for line in failing) or "none"),
        "failing_rows": dg.MetadataValue.json({r.name or r.expectation_type: r.unexpected_count
                                               for r in (*errors, *warnings)}),
        "seconds": round(outcome.duration_seconds, 2),
    }
    if partition is not None:
        metadata["partition"] = partition
    # a failed warning is a failed check of WARN severity: shown, recorded, never blocking
    return dg.AssetCheckResult(
        passed=not (errors or warnings),
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=outcome.summary(),
        metadata=metadata,
    )
