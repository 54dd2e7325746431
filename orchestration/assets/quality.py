"""Great Expectations run as Dagster asset checks, with every result kept in ``quality.validation_results``.

An expectation whose ``meta.severity`` is ``error`` fails the check with ERROR severity, which (the checks
are blocking) stops every asset downstream of the checked one; warnings are recorded and shown only.
"""


import datetime as dt
import json
from typing import Any

import dagster as dg

from orchestration.warehouses import WarehouseResource

HISTORY_TABLE = "quality.validation_results"
# portable types: each warehouse maps them to its own (JSON is jsonb on PostgreSQL, a String on ClickHouse)
HISTORY_COLUMNS = (("run_id", "VARCHAR"), ("validated_at", "TIMESTAMP"), ("asset", "VARCHAR"),
                   ("suite_name", "VARCHAR"), ("success", "BOOLEAN"), ("evaluated", "INTEGER"), ("failed", "INTEGER"),
                   ("error_failures", "INTEGER"), ("warning_failures", "INTEGER"), ("details", "JSON"))


def record_validation(warehouse: WarehouseResource, run_id: str, asset: str, outcome: Any) -> None:
    warehouse.append_rows(HISTORY_TABLE, HISTORY_COLUMNS, [(
        run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), asset, outcome.suite_name, outcome.success,
        outcome.evaluated, outcome.failed, len(outcome.error_failures), len(outcome.warning_failures),
        json.dumps(outcome.to_dict(), default=str),
    )])


def run_suite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, schema: str, table: str,
              suite: Any) -> dg.AssetCheckResult:
    outcome = warehouse.validate(schema, table, suite)
    record_validation(warehouse, context.run.run_id, f"{schema}.{table}", outcome)
    errors, warnings = outcome.error_failures, outcome.warning_failures
    failing = [_describe(r) for r in (*errors, *warnings)]
    for line in failing:
        (context.log.error if line.startswith("[error]") else context.log.warning)(line)
    passed = not errors
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=outcome.summary(),
        metadata={
            "suite": outcome.suite_name,
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": outcome.failed,
            "error_failures": len(errors),
            "warning_failures": len(warnings),
            "failing": dg.MetadataValue.md("\n".join(f"- {line}" for line in failing) or "none"),
        },
    )


def _describe(result: Any) -> str:
    column = f" on {result.column}" if getattr(result, "column", None) else ""
    examples = getattr(result, "partial_unexpected", None) or []
    shown = f", e.g. {examples[:3]}" if examples else ""
    count = getattr(result, "unexpected_count", None)
    counted = f": {count} failing rows" if count else ""
    observed = getattr(result, "observed_value", None)
    seen = f" (observed {observed})" if observed is not None and not count else ""
    return f"[{getattr(result, 'severity', 'error')}] {result.expectation_type}{column}{counted}{seen}{shown}"
