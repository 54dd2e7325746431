"""The warehouse the pipeline runs on, chosen by TM_TARGET: one interface (base.py), one module per target.

    warehouse = warehouse_for(get_settings())   # DuckDBWarehouse | PostgresWarehouse | ClickHouseWarehouse
    warehouse.query("SELECT count(*) FROM marts.fct_usage_daily")

The Dagster definitions bind it to the resource key ``warehouse``; every asset declares ``warehouse:
WarehouseResource`` and runs the same on every target.
"""

from __future__ import annotations

import dagster as dg

from orchestration.settings import Settings
from orchestration.warehouses.base import SERVED_SCHEMAS, Landing, Published, PublishingWarehouse, WarehouseResource
from orchestration.warehouses.duckdb_file import DuckDBWarehouse


def warehouse_for(settings: Settings, *, for_dagster: bool = False) -> WarehouseResource:
    """The warehouse of ``settings.target``. ``for_dagster``: secrets come from the environment at run time
    (``dg.EnvVar``), so Dagster's UI never shows them."""
    if settings.target == "duckdb":
        return DuckDBWarehouse(path=str(settings.warehouse_path), serving_path=str(settings.serving_path))
    if settings.target == "postgres":
        from orchestration.warehouses.postgres import PostgresWarehouse

        if settings.postgres_dsn is None:
            raise ValueError("TM_TARGET=postgres needs TM_POSTGRES_DSN (a libpq connection string)")
        return PostgresWarehouse(dsn=dg.EnvVar("TM_POSTGRES_DSN") if for_dagster else settings.postgres_dsn,
                                 credentials_path=str(settings.var_dir / "postgres" / "tenant_credentials.json"))
    if settings.target == "clickhouse":
        from orchestration.warehouses.clickhouse import ClickHouseWarehouse

        if settings.clickhouse_dsn:
            return ClickHouseWarehouse(dsn=dg.EnvVar("TM_CLICKHOUSE_DSN") if for_dagster else settings.clickhouse_dsn)
        return ClickHouseWarehouse(path=str(settings.clickhouse_path))
    raise ValueError(f"no warehouse for the target {settings.target!r}")


__all__ = ["SERVED_SCHEMAS", "DuckDBWarehouse", "Landing", "Published", "PublishingWarehouse", "WarehouseResource",
           "warehouse_for"]
