"""The serving layer: marts, model outputs, quality and alert history where readers (Superset, analysts' SQL) query
them,
replaced atomically, so readers keep seeing the last good data while a build runs. It only runs when everything
upstream materialised and every blocking check passed.

Each warehouse publishes its own way (orchestration/warehouses/):

* DuckDB: a separate DuckDB file, written next to its destination and renamed over it in one step; readers open
  it read-only, so they never contend with the pipeline's single writer;
* PostgreSQL: the schema ``serving`` of the warehouse, built as ``serving__next`` and swapped in with two schema
  renames in one transaction;
* ClickHouse: the database ``serving``, built as ``serving__next`` and swapped table by table (EXCHANGE TABLES).
"""


import dagster as dg

from orchestration.assets.alerts import ALERT_ASSETS
from orchestration.assets.dbt import mart_keys
from orchestration.assets.ml import ML_ASSETS
from orchestration.assets.quality_records import QUALITY_KEYS
from orchestration.progress import say
from orchestration.warehouses import SERVED_SCHEMAS, WarehouseResource
from orchestration.warehouses.base import target_kind
from orchestration.warehouses.duckdb_file import publish

__all__ = ["SERVED_SCHEMAS", "publish", "serving_copy"]


@dg.asset(
    key=["serving", "serving_copy"],
    group_name="serving",
    kinds={target_kind()},
    deps=[*mart_keys(), *(key for asset in [*ML_ASSETS, *ALERT_ASSETS] for key in asset.keys), *QUALITY_KEYS],
    description="Publishes the marts, ml, quality and alerts schemas to the serving layer Superset reads (on DuckDB a "
                "read-only file, on PostgreSQL and ClickHouse the 'serving' schema), replaced atomically.",
)
def serving_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    published = warehouse.publish_serving(SERVED_SCHEMAS)
    counts = published.counts
    say(f"  serving copy: {len(counts)} tables -> {published.location}")
    return dg.MaterializeResult(metadata={
        "path": published.location,
        "tables": len(counts),
        "rpt_performance_overview_rows": counts.get("marts.rpt_performance_overview", 0),
        "tables_rows": dg.MetadataValue.json(counts),
    })
