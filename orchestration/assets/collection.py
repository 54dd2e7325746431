"""Collection monitoring as asset checks on every raw asset (ingestion/monitoring.py), kept as history in
``quality.collection_monitoring``. One step computes them all from the ledger."""

from collections.abc import Iterator

import dagster as dg

from ingestion.connectors import ALL_CONNECTORS
from ingestion.monitoring import CHECKS
from orchestration.assets.raw import raw_key
from orchestration.settings import get_settings
from orchestration.warehouses import WarehouseResource

_BY_SOURCE = {c.table: c for c in ALL_CONNECTORS}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name=f"collection_{check}", asset=raw_key(c),
                             description=f"Collection monitoring: {check} of the {c.source} deliveries.")
           for c in ALL_CONNECTORS for check in CHECKS],
    can_subset=True,  # materialising one raw asset (from the UI, a partial run) runs its own checks only
)
def collection_monitoring(context: dg.AssetCheckExecutionContext,
                          warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    as_of = get_settings().as_of_date
    findings = warehouse.monitor_collection(context.run.run_id, as_of)
    selected = context.selected_asset_check_keys
    for finding in findings:
        if dg.AssetCheckKey(raw_key(_BY_SOURCE[finding.table]), f"collection_{finding.check}") not in selected:
            continue
        severity = dg.AssetCheckSeverity.ERROR if finding.status == "fail" and finding.check == "error_rate" \
            else dg.AssetCheckSeverity.WARN
        yield dg.AssetCheckResult(
            asset_key=raw_key(_BY_SOURCE[finding.table]),
            check_name=f"collection_{finding.check}",
            passed=finding.status == "pass",
            severity=severity,
            description=finding.detail,
            metadata={"status": finding.status, "value": finding.value, "threshold": finding.threshold,
                      "as_of": str(as_of)},
        )
