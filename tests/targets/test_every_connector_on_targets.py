"""Every connector of the pipeline's raw layer, on the whole default sample (every family), lands on PostgreSQL and
ClickHouse exactly as on DuckDB: the same outcome per file and, per raw view, the same row count, exact sums of
every numeric column, the same true-counts of booleans, distinct counts of texts and ranges of dates and times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingestion.connectors import ALL_CONNECTORS
from ingestion.generator import GeneratorParams, generate
from ingestion.targets import DuckDBTarget, Target, land_source_to
from ingestion.targets.base import sql_type_parts
from ingestion.targets.clickhouse import ClickHouseTarget
from ingestion.targets.postgres import PostgresTarget

pytestmark = pytest.mark.slow


def _profile(target: Target) -> dict[str, Any]:
    ledger = sorted(tuple(r) for r in target.query(
        "SELECT file_name, status, rows_read, rows_landed, rows_quarantined, rows_duplicate, delivery_version "
        "FROM raw._ledger"))
    tables = {}
    for connector in ALL_CONNECTORS:
        measures = ["count(*)"]
        for f in connector.columns:
            kind = sql_type_parts(f.sql_type)[0]
            if kind in ("BIGINT", "INTEGER", "DECIMAL"):
                measures.append(f"sum({f.name})")
            elif kind == "BOOLEAN":
                measures.append(f"sum(CASE WHEN {f.name} THEN 1 ELSE 0 END)")
            elif kind in ("DATE", "TIMESTAMP"):
                measures += [f"min({f.name})", f"max({f.name})"]
            else:
                measures.append(f"count(DISTINCT {f.name})")
        values = [_plain(v) for v in target.query(f"SELECT {', '.join(measures)} FROM {connector.raw_table}")[0]]
        # an aggregate over no row is NULL in SQL but the type's default in ClickHouse: compare the count alone
        tables[connector.table] = values if values[0] else values[:1]
    return {"ledger": ledger, "tables": tables}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return int(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def test_every_connector_lands_the_same_on_every_target(tmp_path: Path, pg_dsn: str, chdb_path: Path) -> None:
    landing = tmp_path / "landing"
    generate(GeneratorParams(target_rows=20_000, extras=("all",)), landing)
    profiles = {}
    for target in (DuckDBTarget(), PostgresTarget(pg_dsn), ClickHouseTarget(chdb_path)):
        with target:
            target.ensure_schema(ALL_CONNECTORS)
            for connector in ALL_CONNECTORS:
                land_source_to(target, connector, landing)
            profiles[target.name] = _profile(target)
    assert sum(p[0] for p in profiles["duckdb"]["tables"].values()) > 100_000
    assert profiles["postgres"] == profiles["duckdb"]
    assert profiles["clickhouse"] == profiles["duckdb"]
