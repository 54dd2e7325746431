"""What the tests of the landing contract on each target share: the connectors they land, the sample's extras,
and a snapshot of what must be equal on every target."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingestion.connectors import CATALOGUE, DSR_CONNECTORS, FX, USAGE_CONNECTORS
from ingestion.contract import Connector
from ingestion.targets import Target

# the usage feeds and the catalogue (as the issue asks), FX (another DECIMAL) and one DSR statement source (a
# reader of its own, the careful path, an incomplete file)
DSR_APPLE = next(c for c in DSR_CONNECTORS if c.source == "dsr_apple_music")
LANDED: tuple[Connector, ...] = (CATALOGUE, FX, *USAGE_CONNECTORS, DSR_APPLE)
# a restated month (delivery version 2) and a drifted header (rejected) besides the spine's faults (malformed
# lines, an in-file duplicate, a renamed re-delivery, a truncated statement)
EXTRAS = ("restatement", "schema_drift")


def snapshot(target: Target) -> dict[str, Any]:
    """What must be equal on every target: the ledger's outcome per file, each raw view's totals, the quarantine."""
    ledger = {row[0]: tuple(row[1:]) for row in target.query(
        "SELECT file_name, status, rows_read, rows_landed, rows_quarantined, rows_duplicate, delivery_version, "
        "duplicate_of FROM raw._ledger")}
    tables = {}
    for connector in LANDED:
        names = {f.name for f in connector.columns}
        measures = ["count(*)"] + [f"sum({m})" for m in ("streams", "revenue", "eur_per_unit") if m in names]
        tables[connector.table] = tuple(_plain(v) for v in target.query(
            f"SELECT {', '.join(measures)} FROM {connector.raw_table}")[0])
    quarantine = sorted(tuple(r) for r in target.query(
        "SELECT file_name, line_number, reason_code FROM raw._quarantine"))
    return {"ledger": ledger, "tables": tables, "quarantine": quarantine}


def _plain(value: Any) -> Any:
    """Counts and integer sums as int (PostgreSQL's sum(bigint) is numeric); decimals stay Decimal, exact."""
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return int(value)
    return value


def copy_files(landing: Path, dest: Path, names: list[str]) -> Path:
    """A landing folder holding only ``names`` (paths relative to ``landing``), under the same names."""
    for name in names:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(landing / name, dest / name)
    return dest
