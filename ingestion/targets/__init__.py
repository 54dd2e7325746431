"""The landing contract on the configured warehouse target: DuckDB, PostgreSQL or ClickHouse.

    with open_target("postgres", postgres_dsn=dsn) as target:
        target.ensure_schema(CONNECTORS)
        for connector in CONNECTORS:
            land_source_to(target, connector, landing_dir)

DuckDB and PostgreSQL make each batch atomic with a transaction; ClickHouse, which has none, through the
ledger: the raw views show only batches whose latest ledger status is 'landed' (ingestion/targets/base.py
explains the engine-then-publish path, each target module its own protocol and physical design).
"""

from __future__ import annotations

from pathlib import Path

from ingestion.contract import Connector, FileResult
from ingestion.targets.base import DuckDBTarget, PublishingTarget, Target

TARGETS = ("duckdb", "postgres", "clickhouse")


def land_source_to(target: Target, connector: Connector, landing_dir: Path) -> list[FileResult]:
    """Land every file of one source that the target's ledger has not seen; one result per file."""
    return target.land_source(connector, Path(landing_dir))


def open_target(name: str, *, duckdb_path: str | Path | None = None, postgres_dsn: str | None = None,
                clickhouse_path: str | Path | None = None, clickhouse_dsn: str | None = None) -> Target:
    """A target by name, with what it needs to connect (see orchestration.settings for the environment)."""
    if name == "duckdb":
        return DuckDBTarget(duckdb_path or ":memory:")
    if name == "postgres":
        if not postgres_dsn:
            raise ValueError("the postgres target needs a DSN (TM_POSTGRES_DSN)")
        from ingestion.targets.postgres import PostgresTarget

        return PostgresTarget(postgres_dsn)
    if name == "clickhouse":
        if not (clickhouse_path or clickhouse_dsn):
            raise ValueError("the clickhouse target needs a chDB path (TM_CLICKHOUSE_PATH) or a server DSN")
        from ingestion.targets.clickhouse import ClickHouseTarget

        return ClickHouseTarget(clickhouse_path, dsn=clickhouse_dsn)
    raise ValueError(f"unknown target {name!r}: choose from {', '.join(TARGETS)}")


__all__ = ["TARGETS", "DuckDBTarget", "PublishingTarget", "Target", "land_source_to", "open_target"]
